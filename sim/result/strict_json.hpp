// SPDX-License-Identifier: Apache-2.0
// Strict reading of JSON files users hand us: syntax errors as "<file>:<line>:<col>: ...", unknown keys rejected,
// missing keys and wrong types as "<file>: <json.path>: expected <what>, got <what>". Internal to moetwin_result.
#pragma once

#ifndef JSON_USE_IMPLICIT_CONVERSIONS
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#endif
#include <nlohmann/json.hpp>

#include "common/text_position.hpp"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin::strict_json {

using Json = nlohmann::json;

// Parses a whole document. Throws ConfigError "<file>:<line>:<col>: invalid JSON: <reason>",
// "<file>:<line>:<col>: truncated JSON: <reason>" (input ended early), "<file>: empty file, ..." or
// "<file>: duplicate key \"<key>\"" (JSON allows duplicates; we do not guess which one was meant).
Json parse(std::string_view text, const std::string& file);

// Line and column of a byte: moetwin::line_col (common/text_position.hpp).
using moetwin::LineCol;
using moetwin::line_col;

// "integer 3", "number 1.5", "string \"abc\"", "boolean true", "null", "array of 2", "object".
std::string describe(const Json& v);

// A JSON path built lazily, so the happy path allocates nothing: "meta.seed", "spans.groups[2].rows[7][1]".
// NOTES: a JsonPath points at its parent; keep parents alive (name them) while children are in use.
struct JsonPath {
    const JsonPath* parent = nullptr;
    std::string_view key;      // set for object members
    size_t index = size_t(-1); // set for array elements

    JsonPath operator[](std::string_view k) const { return {this, k, size_t(-1)}; }
    JsonPath operator[](size_t i) const { return {this, {}, i}; }
    std::string str() const; // "(root)" for the root
};

// Element readers; `file` prefixes every message.
class Reader {
  public:
    explicit Reader(std::string file) : file_(std::move(file)) {}
    const std::string& file() const { return file_; }

    [[noreturn]] void fail(const JsonPath& at, std::string_view message) const;
    // got == nullptr means the key was missing.
    [[noreturn]] void fail_expected(const JsonPath& at, std::string_view expected, const Json* got) const;

    int64_t integer(const Json& v, const JsonPath& at, int64_t lo, int64_t hi) const;
    uint64_t unsigned_integer(const Json& v, const JsonPath& at) const;
    double number(const Json& v, const JsonPath& at) const; // integers accepted
    bool boolean(const Json& v, const JsonPath& at) const;
    std::string string(const Json& v, const JsonPath& at) const;
    const Json& array(const Json& v, const JsonPath& at) const;
    const Json& array(const Json& v, const JsonPath& at, size_t size, std::string_view of) const; // exact size

  private:
    std::string file_;
};

// An object whose keys are exactly a known set: unknown keys are rejected on construction, a missing key
// when it is read. Member readers take the key and forward to Reader.
class Object {
  public:
    Object(const Reader& r, const Json& v, const JsonPath& at, std::initializer_list<std::string_view> keys);

    const Reader& reader() const { return r_; }
    const JsonPath& path() const { return path_; }
    JsonPath path(std::string_view key) const { return path_[key]; }
    const Json& value(std::string_view key, std::string_view expected) const; // missing → fail_expected
    bool has(std::string_view key) const { return v_.contains(key); }         // for optional keys

    int64_t integer(std::string_view key, int64_t lo, int64_t hi) const;
    uint64_t unsigned_integer(std::string_view key) const;
    double number(std::string_view key) const;
    bool boolean(std::string_view key) const;
    std::string string(std::string_view key) const;
    const Json& array(std::string_view key) const;
    Object object(std::string_view key, std::initializer_list<std::string_view> keys) const;

  private:
    const Reader& r_;
    const Json& v_;
    JsonPath path_;
    std::vector<std::string_view> keys_; // string literals
};

} // namespace moetwin::strict_json
