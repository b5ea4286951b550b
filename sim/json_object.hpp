// SPDX-License-Identifier: Apache-2.0
// JsonObject: a strict, path-aware reader over one JSON object, used by the scenario parser.
// Every error reads "<file>: <json.path>: <what was expected>"; finish() rejects unknown keys.
#pragma once

#include "common/errors.hpp"
#include "common/name_table.hpp"

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moetwin {

// Parses JSON text strictly: syntax errors name line and column, duplicate keys are errors.
nlohmann::json parse_json_text(std::string_view text, const std::string& origin);

class JsonObject {
public:
    // `path` is the object's own JSON path ("" for the root); `origin` names the file in errors.
    JsonObject(const nlohmann::json& j, std::string path, std::string origin);

    [[noreturn]] void fail(std::string_view key, const std::string& what) const;
    [[noreturn]] void fail_here(const std::string& what) const;
    std::string path_of(std::string_view key) const;

    bool has(std::string_view key) const;
    JsonObject object(std::string_view key) const; // required
    std::optional<JsonObject> optional_object(std::string_view key) const;

    int64_t integer(std::string_view key) const; // required
    int64_t integer(std::string_view key, int64_t fallback) const;
    int64_t integer_in(std::string_view key, int64_t fallback, int64_t min, int64_t max) const;
    double number(std::string_view key) const;   // required
    double number(std::string_view key, double fallback) const;
    double positive(std::string_view key, double fallback) const;     // > 0
    double non_negative(std::string_view key, double fallback) const; // >= 0
    std::string string(std::string_view key) const; // required
    std::string string(std::string_view key, std::string fallback) const;
    bool boolean(std::string_view key, bool fallback) const;

    // A name from an enum's table (common/name_table.hpp: exact, lowercase); the error names the closest
    // valid name and lists them all. `what` says what the name is ("fabric", "overlap schedule").
    template <class E, std::size_t N>
    E choice(std::string_view key, const std::array<NameEntry<E>, N>& table, E fallback, std::string_view what) const {
        if (!has(key)) return fallback;
        const std::string got = string(key);
        if (const auto v = table_find(table, got)) return *v;
        fail(key, unknown_name_message(what, got, table_names(table)));
    }
    // A string from a closed set that no enum owns (SimGrid's model names): the same rule and message.
    std::string choice(std::string_view key, std::initializer_list<std::string_view> options, std::string fallback,
                       std::string_view what) const {
        if (!has(key)) return fallback;
        const std::string got = string(key);
        for (const std::string_view name : options)
            if (name == got) return got;
        fail(key, unknown_name_message(what, got, std::span<const std::string_view>(options.begin(), options.size())));
    }

    // Throws for the first key that was never read, listing the keys this object accepts.
    void finish(std::initializer_list<std::string_view> accepted) const;

    const nlohmann::json& raw() const { return j_; }
    const std::string& origin() const { return origin_; }
    const std::string& path() const { return path_; }

private:
    const nlohmann::json& at(std::string_view key) const;
    [[noreturn]] void type_error(std::string_view key, std::string_view expected) const;

    const nlohmann::json& j_;
    std::string path_;
    std::string origin_;
};

// "a string \"x\"", "the number 1.5", "an object", ... for error messages.
std::string describe_json(const nlohmann::json& j);
// 1.5 -> "1.5", -50.0 -> "-50" (up to 15 significant digits).
std::string format_number(double v);

} // namespace moetwin
