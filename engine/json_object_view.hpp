// SPDX-License-Identifier: Apache-2.0
// The strict JSON reading engine/'s file formats share (profiles, calibrations): parse with the syntax
// error's line:column, and a view of one object whose every error names "<file>: <json.path>: <what was
// expected>". Internal to engine/ (sim/json_object.hpp is the scenario's; both follow one message shape).
#pragma once

#define JSON_USE_IMPLICIT_CONVERSIONS 0
#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace moetwin::engine_json {

// Parses `text`; ConfigError "<origin>: empty file: ..." or "<origin>:<line>:<col>: JSON syntax error: ...".
nlohmann::json parse_document(std::string_view text, const std::string& origin);

// "null", "true", "the string \"x\"", "the number 3", "an object", ...: a value in an error message.
std::string describe(const nlohmann::json& j);
// %.15g.
std::string num(double v);

// A strict view of one JSON object: required keys, typed reads, unknown keys rejected.
class ObjectView {
  public:
    ObjectView(const nlohmann::json& j, std::string path, const std::string& origin);
    [[noreturn]] void fail(std::string_view key, const std::string& what) const;
    [[noreturn]] void fail_here(const std::string& what) const;
    std::string at_path(std::string_view key) const;
    bool has(std::string_view key) const { return j_.contains(key); }
    const nlohmann::json& get(std::string_view key) const; // required
    std::string string(std::string_view key) const;
    int64_t integer(std::string_view key, int64_t min) const;
    double number(std::string_view key, double min, bool strict) const;   // >= min (> min when strict)
    double number_in(std::string_view key, double min, double max) const; // within [min, max]
    bool boolean(std::string_view key) const;
    const nlohmann::json& array(std::string_view key) const;
    ObjectView object(std::string_view key) const { return ObjectView(get(key), at_path(key), origin_); }
    void only(std::initializer_list<std::string_view> accepted) const;
    const std::string& path() const { return path_; }

  private:
    const nlohmann::json& j_;
    std::string path_;
    const std::string& origin_;
};

} // namespace moetwin::engine_json
