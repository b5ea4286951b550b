// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/traffic/trace_fields.hpp"

#include "common/errors.hpp"

#include <limits>

namespace moetwin::serving::traffic {
namespace {

std::string shown(std::string_view field) {
    constexpr std::size_t kMax = 40;
    return "\"" + std::string(field.substr(0, kMax)) + (field.size() > kMax ? "...\"" : "\"");
}

[[noreturn]] void bad(const std::string& where, std::string_view column, const std::string& expected,
                      std::string_view field) {
    throw ConfigError(where + ": " + std::string(column) + ": expected " + expected + ", got " + shown(field));
}

// Digits only; false on anything else or overflow beyond int64.
bool digits(std::string_view s, int64_t& v) {
    if (s.empty() || s.size() > 18) return false; // 18 digits < 2^63
    v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    return true;
}

// Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil, public domain).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

} // namespace

int64_t parse_tokens(std::string_view field, const std::string& where, std::string_view column) {
    int64_t v = 0;
    if (!digits(field, v) || v < 1 || v > kMaxRequestTokens)
        bad(where, column, "a token count in [1, " + std::to_string(kMaxRequestTokens) + "]", field);
    return v;
}

int64_t parse_non_negative(std::string_view field, const std::string& where, std::string_view column) {
    int64_t v = 0;
    if (!digits(field, v)) bad(where, column, "a non-negative integer", field);
    return v;
}

int64_t parse_datetime_ns(std::string_view s, const std::string& where, std::string_view column) {
    const char* expected = "a datetime \"YYYY-MM-DD HH:MM:SS.fffffff\"";
    int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
        !digits(s.substr(0, 4), y) || !digits(s.substr(5, 2), mo) || !digits(s.substr(8, 2), d) ||
        !digits(s.substr(11, 2), h) || !digits(s.substr(14, 2), mi) || !digits(s.substr(17, 2), se))
        bad(where, column, expected, s);
    static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || se > 59)
        bad(where, column, std::string(expected) + " with a valid date and time", s);
    int64_t frac_ns = 0;
    if (s.size() > 19) {
        const std::string_view f = s.substr(20);
        if (s[19] != '.' || f.empty() || f.size() > 9 || !digits(f, frac_ns)) bad(where, column, expected, s);
        for (std::size_t i = f.size(); i < 9; ++i)
            frac_ns *= 10;
    }
    const int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return secs * 1'000'000'000 + frac_ns;
}

void split_csv(std::string_view line, std::vector<std::string_view>& fields, const std::string& where) {
    fields.clear();
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = line.find(',', start);
        const std::string_view f =
            line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (f.find('"') != std::string_view::npos)
            throw ConfigError(where + ": quoted CSV field " + shown(f) + ": expected plain comma-separated values");
        fields.push_back(f);
        if (comma == std::string_view::npos) return;
        start = comma + 1;
    }
}

std::vector<std::size_t> header_columns(std::string_view header, const std::vector<std::string_view>& wanted,
                                        const std::string& where, std::size_t& n_columns) {
    std::vector<std::string_view> names;
    split_csv(header, names, where);
    n_columns = names.size();
    std::vector<std::size_t> at;
    std::string missing;
    for (const std::string_view w : wanted) {
        std::size_t i = 0;
        while (i < names.size() && names[i] != w)
            ++i;
        if (i == names.size()) missing += std::string(missing.empty() ? "" : ", ") + "\"" + std::string(w) + "\"";
        at.push_back(i);
    }
    if (!missing.empty())
        throw ConfigError(where + ": missing column " + missing + " (the header has: " + std::string(header) +
                          "): expected a header naming " + std::to_string(wanted.size()) + " columns");
    return at;
}

} // namespace moetwin::serving::traffic
