// SPDX-License-Identifier: Apache-2.0
// Strict JSON reading: parse errors converted to file:line:column, typed readers reporting the JSON path.
#include "sim/result/strict_json.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <vector>

namespace moetwin::strict_json {

namespace {

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, column 7: <reason>".
std::string parse_reason(const std::string& what) {
    const size_t column = what.find(", column ");
    const size_t colon  = column == std::string::npos ? std::string::npos : what.find(": ", column);
    if (colon != std::string::npos) return what.substr(colon + 2);
    const size_t bracket = what.find("] ");
    return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

} // namespace

Json parse(std::string_view text, const std::string& file) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        throw ConfigError(file + ": empty file, expected a JSON document");
    // nlohmann keeps the last of duplicate keys silently; track the keys of every open object instead.
    std::vector<std::vector<std::string>> open_keys;
    std::string duplicate;
    const Json::parser_callback_t on_event = [&](int, Json::parse_event_t ev, Json& parsed) {
        if (ev == Json::parse_event_t::object_start)
            open_keys.emplace_back();
        else if (ev == Json::parse_event_t::object_end && !open_keys.empty())
            open_keys.pop_back();
        else if (ev == Json::parse_event_t::key && !open_keys.empty() && duplicate.empty()) {
            auto& keys             = open_keys.back(); // objects here have at most ~15 keys: a linear scan is cheapest
            const std::string& key = parsed.get_ref<const std::string&>();
            if (std::find(keys.begin(), keys.end(), key) != keys.end()) duplicate = key;
            keys.push_back(key);
        }
        return true;
    };
    try {
        Json doc = Json::parse(text.begin(), text.end(), on_event);
        if (!duplicate.empty()) throw ConfigError(file + ": duplicate key \"" + duplicate + "\"");
        return doc;
    } catch (const Json::parse_error& e) {
        // e.byte is the 1-based index of the offending byte; one past the end when the input ran out.
        const size_t offset     = e.byte > 0 ? e.byte - 1 : 0;
        const std::string where = file + ":" + to_string(line_col(text, offset)) + ": ";
        if (offset >= text.size())
            throw ConfigError(where + "truncated JSON: the file ends before the document does (" +
                              parse_reason(e.what()) + ")");
        throw ConfigError(where + "invalid JSON: " + parse_reason(e.what()));
    } catch (const Json::exception& e) { // e.g. out_of_range.406 "number overflow parsing '1e999'"
        throw ConfigError(file + ": invalid JSON: " + parse_reason(e.what()));
    }
}

std::string describe(const Json& v) {
    switch (v.type()) {
    case Json::value_t::null:
        return "null";
    case Json::value_t::boolean:
        return "boolean " + v.dump();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
        return "integer " + v.dump();
    case Json::value_t::number_float:
        return "number " + v.dump();
    case Json::value_t::string: {
        std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
        if (s.size() > 42) s = s.substr(0, 38) + "...\"";
        return "string " + s;
    }
    case Json::value_t::array:
        return "array of " + std::to_string(v.size());
    case Json::value_t::object:
        return "object";
    default:
        return "binary";
    }
}

std::string JsonPath::str() const {
    if (!parent) return "(root)";
    std::string s = parent->parent ? parent->str() : std::string();
    if (index != size_t(-1)) return s + "[" + std::to_string(index) + "]";
    return s.empty() ? std::string(key) : s + "." + std::string(key);
}

void Reader::fail(const JsonPath& at, std::string_view message) const {
    throw ConfigError(file_ + ": " + at.str() + ": " + std::string(message));
}

void Reader::fail_expected(const JsonPath& at, std::string_view expected, const Json* got) const {
    fail(at, "expected " + std::string(expected) + ", got " + (got ? describe(*got) : std::string("missing key")));
}

int64_t Reader::integer(const Json& v, const JsonPath& at, int64_t lo, int64_t hi) const {
    const auto expected = [&] { return "integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"; };
    if (!v.is_number_integer()) fail_expected(at, "integer", &v);
    if (v.is_number_unsigned()) {
        const uint64_t u = v.get<uint64_t>();
        if (u > uint64_t(hi)) fail_expected(at, expected(), &v);
        return int64_t(u);
    }
    const int64_t i = v.get<int64_t>();
    if (i < lo || i > hi) fail_expected(at, expected(), &v);
    return i;
}

uint64_t Reader::unsigned_integer(const Json& v, const JsonPath& at) const {
    if (!v.is_number_unsigned()) fail_expected(at, "unsigned integer", &v);
    return v.get<uint64_t>();
}

double Reader::number(const Json& v, const JsonPath& at) const {
    if (!v.is_number()) fail_expected(at, "number", &v);
    return v.get<double>();
}

bool Reader::boolean(const Json& v, const JsonPath& at) const {
    if (!v.is_boolean()) fail_expected(at, "boolean", &v);
    return v.get<bool>();
}

std::string Reader::string(const Json& v, const JsonPath& at) const {
    if (!v.is_string()) fail_expected(at, "string", &v);
    return v.get<std::string>();
}

const Json& Reader::array(const Json& v, const JsonPath& at) const {
    if (!v.is_array()) fail_expected(at, "array", &v);
    return v;
}

const Json& Reader::array(const Json& v, const JsonPath& at, size_t size, std::string_view of) const {
    if (!v.is_array() || v.size() != size)
        fail_expected(at, "array of " + std::to_string(size) + " " + std::string(of), &v);
    return v;
}

Object::Object(const Reader& r, const Json& v, const JsonPath& at, std::initializer_list<std::string_view> keys)
    : r_(r), v_(v), path_(at), keys_(keys) {
    if (!v.is_object()) r.fail_expected(at, "object", &v);
    for (const auto& [key, value] : v.items()) {
        if (std::find(keys_.begin(), keys_.end(), key) != keys_.end()) continue;
        std::string allowed;
        for (const std::string_view k : keys_)
            allowed += (allowed.empty() ? "" : ", ") + std::string(k);
        r.fail(at[std::string_view(key)], "unknown key (allowed: " + allowed + ")");
    }
}

const Json& Object::value(std::string_view key, std::string_view expected) const {
    MOETWIN_ASSERT(std::find(keys_.begin(), keys_.end(), key) != keys_.end(), "key not declared: " + std::string(key));
    const auto it = v_.find(key);
    if (it == v_.end()) r_.fail_expected(path_[key], expected, nullptr);
    return *it;
}

int64_t Object::integer(std::string_view key, int64_t lo, int64_t hi) const {
    return r_.integer(value(key, "integer"), path_[key], lo, hi);
}
uint64_t Object::unsigned_integer(std::string_view key) const {
    return r_.unsigned_integer(value(key, "unsigned integer"), path_[key]);
}
double Object::number(std::string_view key) const {
    return r_.number(value(key, "number"), path_[key]);
}
bool Object::boolean(std::string_view key) const {
    return r_.boolean(value(key, "boolean"), path_[key]);
}
std::string Object::string(std::string_view key) const {
    return r_.string(value(key, "string"), path_[key]);
}
const Json& Object::array(std::string_view key) const {
    return r_.array(value(key, "array"), path_[key]);
}

Object Object::object(std::string_view key, std::initializer_list<std::string_view> keys) const {
    return Object(r_, value(key, "object"), path_[key], keys);
}

} // namespace moetwin::strict_json
