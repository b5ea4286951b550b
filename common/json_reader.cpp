// SPDX-License-Identifier: Apache-2.0
// Strict JSON parsing and path-aware reading (json_reader.hpp).
#include "common/json_reader.hpp"

#include "common/spelling.hpp"
#include "common/text_position.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace moetwin {
using nlohmann::json;

namespace {

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, column 7: <reason>".
std::string parse_reason(const std::string& what) {
    const size_t column = what.find(", column ");
    const size_t colon  = column == std::string::npos ? std::string::npos : what.find(": ", column);
    if (colon != std::string::npos) return what.substr(colon + 2);
    const size_t bracket = what.find("] ");
    return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

// Byte offsets found by scanning the text outside strings, for errors nlohmann reports without a position.
// The first '[' or '{' that opens level kMaxJsonDepth + 1.
size_t too_deep_offset(std::string_view text) {
    int depth   = 0;
    bool in_str = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_str) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth) return i;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return std::string_view::npos;
}

// The first number token whose value is beyond a double's range; its offset and text.
std::pair<size_t, std::string> overflowing_number(std::string_view text) {
    bool in_str = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_str) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
            continue;
        }
        if (c != '-' && !(c >= '0' && c <= '9')) continue;
        size_t end = i;
        while (end < text.size() && std::string_view("+-0123456789.eE").find(text[end]) != std::string_view::npos)
            ++end;
        const std::string token(text.substr(i, end - i));
        errno          = 0;
        const double v = std::strtod(token.c_str(), nullptr);
        if (errno == ERANGE && std::isinf(v)) return {i, token};
        i = end - 1;
    }
    return {std::string_view::npos, {}};
}

struct TooDeep {};

// The JSON path of the innermost open value, from the parser's open frames.
struct Frame {
    bool is_array = false;
    size_t index  = 0;             // arrays: elements completed so far
    std::vector<std::string> keys; // objects: keys seen so far (the last one is open)
};

std::string frames_path(const std::vector<Frame>& frames) {
    std::string p;
    for (size_t i = 0; i + 1 < frames.size(); ++i) {
        const Frame& f = frames[i];
        if (f.is_array)
            p += "[" + std::to_string(f.index) + "]";
        else if (!f.keys.empty())
            p += (p.empty() ? "" : ".") + f.keys.back();
    }
    return p;
}

std::string root_or(const std::string& path) {
    return path.empty() ? std::string("(top level)") : path;
}

// Where a value is, built only when an error is reported.
struct Where {
    const std::string& file;
    const std::string& base;
    std::string_view key;      // object members
    size_t index = size_t(-1); // array elements
    std::string path() const {
        if (index != size_t(-1)) return base + "[" + std::to_string(index) + "]";
        return base.empty() ? std::string(key) : base + "." + std::string(key);
    }
    [[noreturn]] void fail(const std::string& what) const { throw ConfigError(file + ": " + path() + ": " + what); }
    [[noreturn]] void expected(std::string_view what, const json& got) const {
        fail("expected " + std::string(what) + ", got " + describe_json(got));
    }
};

int64_t read_integer(const json& v, const Where& w) {
    if (v.is_number_unsigned()) {
        if (v.get<uint64_t>() > uint64_t(INT64_MAX)) w.fail(v.dump() + " is out of range (a 64-bit integer)");
        return int64_t(v.get<uint64_t>());
    }
    if (v.is_number_integer()) return v.get<int64_t>();
    w.expected("an integer", v);
}

int64_t read_integer_in(const json& v, const Where& w, int64_t min, int64_t max) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))
        w.fail(v.dump() + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    const int64_t x = read_integer(v, w);
    if (x < min || x > max)
        w.fail(std::to_string(x) + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return x;
}

double read_number(const json& v, const Where& w) {
    if (!v.is_number()) w.expected("a number", v);
    const double d = v.get<double>();
    if (!std::isfinite(d)) w.fail("expected a finite number");
    return d;
}

double read_number_in(const json& v, const Where& w, double min, double max) {
    const double x = read_number(v, w);
    if (x < min || x > max)
        w.fail(format_number(x) + " is out of range [" + format_number(min) + ", " + format_number(max) + "]");
    return x;
}

std::string read_string(const json& v, const Where& w) {
    if (!v.is_string()) w.expected("a string", v);
    return v.get<std::string>();
}

} // namespace

json parse_json_text(std::string_view text, const std::string& file) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        throw ConfigError(file + ": empty file: expected a JSON document");
    std::vector<Frame> frames; // the open arrays and objects
    std::string duplicate;     // "<path>: duplicate key \"k\"" of the first duplicate
    const json::parser_callback_t on_event = [&](int depth, json::parse_event_t ev, json& parsed) {
        switch (ev) {
        case json::parse_event_t::object_start:
        case json::parse_event_t::array_start:
            if (depth >= kMaxJsonDepth) throw TooDeep{};
            frames.push_back(Frame{.is_array = ev == json::parse_event_t::array_start});
            break;
        case json::parse_event_t::object_end:
        case json::parse_event_t::array_end:
            if (!frames.empty()) frames.pop_back();
            if (!frames.empty() && frames.back().is_array) ++frames.back().index;
            break;
        case json::parse_event_t::key:
            if (!frames.empty() && duplicate.empty()) {
                auto& keys             = frames.back().keys; // objects hold ~15 keys: a linear scan is cheapest
                const std::string& key = parsed.get_ref<const std::string&>();
                if (std::find(keys.begin(), keys.end(), key) != keys.end())
                    duplicate = root_or(frames_path(frames)) + ": duplicate key \"" + key + "\"";
                keys.push_back(key);
            }
            break;
        case json::parse_event_t::value:
            if (!frames.empty() && frames.back().is_array) ++frames.back().index;
            break;
        }
        return true;
    };
    try {
        json doc = json::parse(text.begin(), text.end(), on_event);
        if (!duplicate.empty()) throw ConfigError(file + ": " + duplicate);
        return doc;
    } catch (const TooDeep&) {
        const size_t at = too_deep_offset(text);
        throw ConfigError(file + ":" + to_string(line_col(text, at)) +
                          ": invalid JSON: arrays and objects nest deeper than " + std::to_string(kMaxJsonDepth) +
                          " levels");
    } catch (const json::parse_error& e) {
        // e.byte is the 1-based index of the offending byte; one past the end when the input ran out.
        const size_t offset     = e.byte > 0 ? e.byte - 1 : 0;
        const std::string where = file + ":" + to_string(line_col(text, offset)) + ": ";
        if (offset >= text.size())
            throw ConfigError(where + "truncated JSON: the file ends before the document does (" +
                              parse_reason(e.what()) + ")");
        throw ConfigError(where + "invalid JSON: " + parse_reason(e.what()));
    } catch (const json::out_of_range& e) { // 406: "number overflow parsing '1e999'", reported without a position
        const auto [at, token] = overflowing_number(text);
        if (at == std::string_view::npos) throw ConfigError(file + ": invalid JSON: " + parse_reason(e.what()));
        throw ConfigError(file + ":" + to_string(line_col(text, at)) + ": invalid JSON: the number " + token +
                          " is beyond the range of a double (about ±1.8e308)");
    }
}

std::string format_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

std::string describe_json(const json& v) {
    switch (v.type()) {
    case json::value_t::null:
        return "null";
    case json::value_t::boolean:
        return v.get<bool>() ? "true" : "false";
    case json::value_t::string: {
        std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
        if (s.size() > 42) s = s.substr(0, 38) + "...\"";
        return "the string " + s;
    }
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
        return "the number " + v.dump();
    case json::value_t::object:
        return "an object";
    case json::value_t::array:
        return "an array of " + std::to_string(v.size()) + (v.size() == 1 ? " element" : " elements");
    default:
        return std::string("a value of type ") + v.type_name();
    }
}

// ---- JsonObject ----

JsonObject::JsonObject(const json& j, std::string path, std::string file)
    : j_(j), path_(std::move(path)), file_(std::move(file)) {
    if (!j_.is_object()) fail_here("expected an object, got " + describe_json(j_));
}

std::string JsonObject::path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonObject::fail(std::string_view key, const std::string& what) const {
    throw ConfigError(file_ + ": " + path_of(key) + ": " + what);
}

void JsonObject::fail_here(const std::string& what) const {
    throw ConfigError(file_ + ": " + root_or(path_) + ": " + what);
}

bool JsonObject::has(std::string_view key) const {
    return j_.contains(key);
}

const json& JsonObject::value(std::string_view key) const {
    const auto it = j_.find(key);
    if (it == j_.end()) fail_here("missing required key \"" + std::string(key) + "\"");
    return *it;
}

JsonObject JsonObject::object(std::string_view key) const {
    const json& v = value(key);
    if (!v.is_object()) fail(key, "expected an object, got " + describe_json(v));
    return JsonObject(v, path_of(key), file_);
}

JsonObject JsonObject::object(std::string_view key, std::initializer_list<std::string_view> accepted) const {
    JsonObject o = object(key);
    o.finish(accepted);
    return o;
}

std::optional<JsonObject> JsonObject::optional_object(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    return object(key);
}

JsonArray JsonObject::array(std::string_view key) const {
    const json& v = value(key);
    if (!v.is_array()) fail(key, "expected an array, got " + describe_json(v));
    return JsonArray(v, path_of(key), file_);
}

int64_t JsonObject::integer(std::string_view key) const {
    return read_integer(value(key), Where{file_, path_, key});
}

int64_t JsonObject::integer(std::string_view key, int64_t fallback) const {
    return has(key) ? integer(key) : fallback;
}

int64_t JsonObject::integer_in(std::string_view key, int64_t min, int64_t max) const {
    return read_integer_in(value(key), Where{file_, path_, key}, min, max);
}

int64_t JsonObject::integer_in(std::string_view key, int64_t fallback, int64_t min, int64_t max) const {
    if (!has(key)) {
        if (fallback < min || fallback > max)
            fail(key, std::to_string(fallback) + " is out of range [" + std::to_string(min) + ", " +
                          std::to_string(max) + "]");
        return fallback;
    }
    return integer_in(key, min, max);
}

uint64_t JsonObject::unsigned_integer(std::string_view key) const {
    const json& v = value(key);
    if (!v.is_number_unsigned()) Where{file_, path_, key}.expected("an unsigned integer", v);
    return v.get<uint64_t>();
}

double JsonObject::number(std::string_view key) const {
    return read_number(value(key), Where{file_, path_, key});
}

double JsonObject::number(std::string_view key, double fallback) const {
    return has(key) ? number(key) : fallback;
}

double JsonObject::number_in(std::string_view key, double min, double max) const {
    return read_number_in(value(key), Where{file_, path_, key}, min, max);
}

double JsonObject::positive(std::string_view key) const {
    const double v = number(key);
    if (!(v > 0)) fail(key, "must be > 0, got " + format_number(v));
    return v;
}

double JsonObject::positive(std::string_view key, double fallback) const {
    const double v = number(key, fallback);
    if (!(v > 0)) fail(key, "must be > 0, got " + format_number(v));
    return v;
}

double JsonObject::non_negative(std::string_view key) const {
    const double v = number(key);
    if (v < 0) fail(key, "must be >= 0, got " + format_number(v));
    return v;
}

double JsonObject::non_negative(std::string_view key, double fallback) const {
    const double v = number(key, fallback);
    if (v < 0) fail(key, "must be >= 0, got " + format_number(v));
    return v;
}

std::string JsonObject::string(std::string_view key) const {
    return read_string(value(key), Where{file_, path_, key});
}

std::string JsonObject::string(std::string_view key, std::string fallback) const {
    return has(key) ? string(key) : fallback;
}

bool JsonObject::boolean(std::string_view key) const {
    const json& v = value(key);
    if (!v.is_boolean()) Where{file_, path_, key}.expected("true or false", v);
    return v.get<bool>();
}

bool JsonObject::boolean(std::string_view key, bool fallback) const {
    return has(key) ? boolean(key) : fallback;
}

void JsonObject::finish(std::initializer_list<std::string_view> accepted) const {
    for (const auto& [key, v] : j_.items()) {
        if (std::find(accepted.begin(), accepted.end(), key) != accepted.end()) continue;
        std::string list;
        for (auto a : accepted)
            list += (list.empty() ? "" : ", ") + std::string(a);
        const std::string near = closest_spelling(key, std::vector<std::string_view>(accepted));
        fail(key, "unknown key" + (near.empty() ? std::string() : ", did you mean \"" + near + "\"?") +
                      " (expected one of: " + list + ")");
    }
}

// ---- JsonArray ----

JsonArray::JsonArray(const json& j, std::string path, std::string file)
    : j_(j), path_(std::move(path)), file_(std::move(file)) {
    if (!j_.is_array()) fail_here("expected an array, got " + describe_json(j_));
}

std::string JsonArray::path_of(std::size_t i) const {
    return path_ + "[" + std::to_string(i) + "]";
}

void JsonArray::fail(std::size_t i, const std::string& what) const {
    throw ConfigError(file_ + ": " + path_of(i) + ": " + what);
}

void JsonArray::fail_here(const std::string& what) const {
    throw ConfigError(file_ + ": " + root_or(path_) + ": " + what);
}

int64_t JsonArray::integer_in(std::size_t i, int64_t min, int64_t max) const {
    return read_integer_in(j_[i], Where{file_, path_, {}, i}, min, max);
}

double JsonArray::number(std::size_t i) const {
    return read_number(j_[i], Where{file_, path_, {}, i});
}

double JsonArray::number_in(std::size_t i, double min, double max) const {
    return read_number_in(j_[i], Where{file_, path_, {}, i}, min, max);
}

std::string JsonArray::string(std::size_t i) const {
    return read_string(j_[i], Where{file_, path_, {}, i});
}

JsonObject JsonArray::object(std::size_t i) const {
    if (!j_[i].is_object()) fail(i, "expected an object, got " + describe_json(j_[i]));
    return JsonObject(j_[i], path_of(i), file_);
}

JsonObject JsonArray::object(std::size_t i, std::initializer_list<std::string_view> accepted) const {
    JsonObject o = object(i);
    o.finish(accepted);
    return o;
}

JsonArray JsonArray::array(std::size_t i) const {
    if (!j_[i].is_array()) fail(i, "expected an array, got " + describe_json(j_[i]));
    return JsonArray(j_[i], path_of(i), file_);
}

JsonArray JsonArray::array(std::size_t i, std::size_t size, std::string_view of) const {
    if (!j_[i].is_array() || j_[i].size() != size)
        fail(i,
             "expected an array of " + std::to_string(size) + " " + std::string(of) + ", got " + describe_json(j_[i]));
    return JsonArray(j_[i], path_of(i), file_);
}

} // namespace moetwin
