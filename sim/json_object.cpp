// SPDX-License-Identifier: Apache-2.0
// Strict JSON reading with errors that name the file, the JSON path and what was expected.
#include "sim/json_object.hpp"

#include "common/text_position.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace moetwin {
using nlohmann::json;

namespace {

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line L, column C: " prefix.
std::string strip_parse_prefix(std::string msg) {
    const auto colon = msg.find(": ");
    if (msg.rfind("[json.exception", 0) == 0 && colon != std::string::npos) msg = msg.substr(colon + 2);
    return msg;
}

} // namespace

json parse_json_text(std::string_view text, const std::string& origin) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        throw ConfigError(origin + ": empty file: expected a JSON object");
    // Duplicate keys are silently overwritten by nlohmann; track the keys of every open object.
    std::vector<std::set<std::string>> open_keys;
    std::string duplicate;
    const json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
        if (ev == json::parse_event_t::object_start) open_keys.emplace_back();
        if (ev == json::parse_event_t::object_end && !open_keys.empty()) open_keys.pop_back();
        if (ev == json::parse_event_t::key && !open_keys.empty() && duplicate.empty()) {
            const auto key = parsed.get<std::string>();
            if (!open_keys.back().insert(key).second) duplicate = key;
        }
        return true;
    };
    json j;
    try {
        j = json::parse(text.begin(), text.end(), cb);
    } catch (const json::parse_error& e) {
        throw ConfigError(origin + ":" + to_string(json_error_position(text, e.byte)) +
                          ": JSON syntax error: " + strip_parse_prefix(e.what()));
    }
    if (!duplicate.empty()) throw ConfigError(origin + ": duplicate key \"" + duplicate + "\"");
    return j;
}

std::string format_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

std::string describe_json(const json& j) {
    switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return j.get<bool>() ? "true" : "false";
    case json::value_t::string: return "the string \"" + j.get<std::string>() + "\"";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "the number " + j.dump();
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    default: return "a value of type " + std::string(j.type_name());
    }
}

JsonObject::JsonObject(const json& j, std::string path, std::string origin)
    : j_(j), path_(std::move(path)), origin_(std::move(origin)) {
    if (!j_.is_object()) fail_here("expected an object, got " + describe_json(j_));
}

std::string JsonObject::path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonObject::fail(std::string_view key, const std::string& what) const {
    throw ConfigError(origin_ + ": " + path_of(key) + ": " + what);
}

void JsonObject::fail_here(const std::string& what) const {
    throw ConfigError(origin_ + ": " + (path_.empty() ? std::string("(top level)") : path_) + ": " + what);
}

bool JsonObject::has(std::string_view key) const { return j_.contains(key); }

const json& JsonObject::at(std::string_view key) const {
    const auto it = j_.find(key);
    if (it == j_.end()) fail_here("missing required key \"" + std::string(key) + "\"");
    return *it;
}

void JsonObject::type_error(std::string_view key, std::string_view expected) const {
    fail(key, "expected " + std::string(expected) + ", got " + describe_json(at(key)));
}

JsonObject JsonObject::object(std::string_view key) const {
    const json& v = at(key);
    if (!v.is_object()) type_error(key, "an object");
    return JsonObject(v, path_of(key), origin_);
}

std::optional<JsonObject> JsonObject::optional_object(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    return object(key);
}

int64_t JsonObject::integer(std::string_view key) const {
    const json& v = at(key);
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_number_unsigned()) {
        if (v.get<uint64_t>() > uint64_t(INT64_MAX)) fail(key, "integer too large");
        return int64_t(v.get<uint64_t>());
    }
    type_error(key, "an integer");
}

int64_t JsonObject::integer(std::string_view key, int64_t fallback) const {
    return has(key) ? integer(key) : fallback;
}

int64_t JsonObject::integer_in(std::string_view key, int64_t fallback, int64_t min, int64_t max) const {
    const int64_t v = integer(key, fallback);
    if (v < min || v > max)
        fail(key, std::to_string(v) + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return v;
}

double JsonObject::number(std::string_view key) const {
    const json& v = at(key);
    if (!v.is_number()) type_error(key, "a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(key, "expected a finite number");
    return d;
}

double JsonObject::number(std::string_view key, double fallback) const { return has(key) ? number(key) : fallback; }

double JsonObject::positive(std::string_view key, double fallback) const {
    const double v = number(key, fallback);
    if (!(v > 0)) fail(key, "must be > 0, got " + format_number(v));
    return v;
}

double JsonObject::non_negative(std::string_view key, double fallback) const {
    const double v = number(key, fallback);
    if (v < 0) fail(key, "must be >= 0, got " + format_number(v));
    return v;
}

std::string JsonObject::string(std::string_view key) const {
    const json& v = at(key);
    if (!v.is_string()) type_error(key, "a string");
    return v.get<std::string>();
}

std::string JsonObject::string(std::string_view key, std::string fallback) const {
    return has(key) ? string(key) : fallback;
}

bool JsonObject::boolean(std::string_view key, bool fallback) const {
    if (!has(key)) return fallback;
    const json& v = at(key);
    if (!v.is_boolean()) type_error(key, "true or false");
    return v.get<bool>();
}

void JsonObject::finish(std::initializer_list<std::string_view> accepted) const {
    for (const auto& [key, value] : j_.items()) {
        if (std::find(accepted.begin(), accepted.end(), key) != accepted.end()) continue;
        std::string list;
        for (auto a : accepted) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(key, "unknown key (expected one of: " + list + ")");
    }
}

} // namespace moetwin
