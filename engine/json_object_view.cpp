// SPDX-License-Identifier: Apache-2.0
#include "engine/json_object_view.hpp"

#include "common/errors.hpp"
#include "common/text_position.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace moetwin::engine_json {

using nlohmann::json;

json parse_document(std::string_view text, const std::string& origin) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        throw ConfigError(origin + ": empty file: expected a JSON object");
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        std::string msg = e.what();
        if (const auto colon = msg.find(": "); msg.rfind("[json.exception", 0) == 0 && colon != std::string::npos)
            msg = msg.substr(colon + 2);
        throw ConfigError(origin + ":" + to_string(json_error_position(text, e.byte)) + ": JSON syntax error: " + msg);
    }
}

std::string describe(const json& j) {
    switch (j.type()) {
    case json::value_t::null:
        return "null";
    case json::value_t::boolean:
        return j.get<bool>() ? "true" : "false";
    case json::value_t::string:
        return "the string \"" + j.get<std::string>() + "\"";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
        return "the number " + j.dump();
    case json::value_t::object:
        return "an object";
    case json::value_t::array:
        return "an array";
    default:
        return std::string("a ") + j.type_name();
    }
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

ObjectView::ObjectView(const json& j, std::string path, const std::string& origin)
    : j_(j), path_(std::move(path)), origin_(origin) {
    if (!j_.is_object()) fail_here("expected an object, got " + describe(j_));
}

void ObjectView::fail(std::string_view key, const std::string& what) const {
    throw ConfigError(origin_ + ": " + at_path(key) + ": " + what);
}

void ObjectView::fail_here(const std::string& what) const {
    throw ConfigError(origin_ + ": " + (path_.empty() ? std::string("(top level)") : path_) + ": " + what);
}

std::string ObjectView::at_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const json& ObjectView::get(std::string_view key) const {
    const auto it = j_.find(key);
    if (it == j_.end()) fail_here("missing required key \"" + std::string(key) + "\"");
    return *it;
}

std::string ObjectView::string(std::string_view key) const {
    const json& v = get(key);
    if (!v.is_string()) fail(key, "expected a string, got " + describe(v));
    return v.get<std::string>();
}

int64_t ObjectView::integer(std::string_view key, int64_t min) const {
    const json& v = get(key);
    if (!v.is_number_integer()) fail(key, "expected an integer, got " + describe(v));
    const int64_t x = v.get<int64_t>();
    if (x < min) fail(key, "expected an integer >= " + std::to_string(min) + ", got " + std::to_string(x));
    return x;
}

double ObjectView::number(std::string_view key, double min, bool strict) const {
    const json& v = get(key);
    if (!v.is_number()) fail(key, "expected a number, got " + describe(v));
    const double x = v.get<double>();
    if (!std::isfinite(x) || (strict ? !(x > min) : x < min))
        fail(key, std::string("expected a number ") + (strict ? "> " : ">= ") + num(min) + ", got " + v.dump());
    return x;
}

double ObjectView::number_in(std::string_view key, double min, double max) const {
    const json& v  = get(key);
    const double x = v.is_number() ? v.get<double>() : NAN;
    if (!std::isfinite(x) || x < min || x > max)
        fail(key, "expected a number in [" + num(min) + ", " + num(max) + "], got " + v.dump());
    return x;
}

bool ObjectView::boolean(std::string_view key) const {
    const json& v = get(key);
    if (!v.is_boolean()) fail(key, "expected true or false, got " + describe(v));
    return v.get<bool>();
}

const json& ObjectView::array(std::string_view key) const {
    const json& v = get(key);
    if (!v.is_array()) fail(key, "expected an array, got " + describe(v));
    return v;
}

void ObjectView::only(std::initializer_list<std::string_view> accepted) const {
    for (const auto& [key, value] : j_.items()) {
        if (std::find(accepted.begin(), accepted.end(), key) != accepted.end()) continue;
        std::string list;
        for (auto a : accepted)
            list += (list.empty() ? "" : ", ") + std::string(a);
        fail(key, "unknown key (expected one of: " + list + ")");
    }
}

} // namespace moetwin::engine_json
