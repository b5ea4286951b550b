// SPDX-License-Identifier: Apache-2.0
// The one strict JSON reader of moetwin: scenarios, results, profiles, calibrations, expert loads and
// profiler traces all parse and read through it, so every error has one shape:
//
//   <file>:<line>:<col>: invalid JSON: <reason>            syntax, nesting too deep, number beyond a double
//   <file>:<line>:<col>: truncated JSON: <reason>          the input ended early
//   <file>: <json.path>: duplicate key "<key>"
//   <file>: <json.path>: unknown key, did you mean "<k>"? (expected one of: ...)
//   <file>: <json.path>: expected <what>, got <value>      wrong type
//   <file>: <json.path>: <value> is out of range [<min>, <max>]
//   <file>: <object path>: missing required key "<key>"
//
// JSON paths are dotted with array indices: "deployment.decode.ep_size", "logical_count[3][17]"; the root is
// "(top level)". Integers are read as 64-bit and range-checked before any narrowing.
#pragma once

#include "common/errors.hpp"

#include "common/name_table.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moetwin {

// Deepest nesting of arrays and objects any reader accepts. The deepest legitimate file nests 5 levels (a
// result's spans.groups[g].rows[r][c]; trace events' args with shape lists about as deep); 64 leaves room and
// keeps every recursive walk of a parsed value (dump, comparison) far from the stack's limit (issue 15 item 2).
inline constexpr int kMaxJsonDepth = 64;

// Parses a whole document strictly: empty input, syntax errors, duplicate keys (nlohmann keeps the last one
// silently; we do not guess which was meant), nesting deeper than kMaxJsonDepth and numbers beyond a double's
// range (1e999) are ConfigErrors in the shapes above.
nlohmann::json parse_json_text(std::string_view text, const std::string& file);

// A value for an error message, never nested content: "null", "true", "the string \"x\"" (long strings cut),
// "the number 1.5", "an object", "an array of 3 elements".
std::string describe_json(const nlohmann::json& v);
// 1.5 -> "1.5", -50.0 -> "-50" (up to 15 significant digits).
std::string format_number(double v);

class JsonArray;

// A strict view of one JSON object. Required readers fail on a missing key; readers with a fallback return it
// when the key is absent; finish() (or object(key, keys)) rejects keys outside the accepted set.
class JsonObject {
  public:
    // `path` is the object's own JSON path ("" for the root); `file` names the input in errors.
    JsonObject(const nlohmann::json& j, std::string path, std::string file);

    [[noreturn]] void fail(std::string_view key, const std::string& what) const;
    [[noreturn]] void fail_here(const std::string& what) const;
    std::string path_of(std::string_view key) const;

    bool has(std::string_view key) const;
    const nlohmann::json& value(std::string_view key) const; // required, any type
    JsonObject object(std::string_view key) const;           // required
    JsonObject object(std::string_view key, std::initializer_list<std::string_view> accepted) const; // + finish
    std::optional<JsonObject> optional_object(std::string_view key) const;
    JsonArray array(std::string_view key) const; // required

    int64_t integer(std::string_view key) const; // required
    int64_t integer(std::string_view key, int64_t fallback) const;
    int64_t integer_in(std::string_view key, int64_t min, int64_t max) const; // required
    int64_t integer_in(std::string_view key, int64_t fallback, int64_t min, int64_t max) const;
    uint64_t unsigned_integer(std::string_view key) const; // required
    double number(std::string_view key) const;             // required, finite
    double number(std::string_view key, double fallback) const;
    double number_in(std::string_view key, double min, double max) const; // required
    double positive(std::string_view key) const;                          // required, > 0
    double positive(std::string_view key, double fallback) const;
    double non_negative(std::string_view key) const; // required, >= 0
    double non_negative(std::string_view key, double fallback) const;
    std::string string(std::string_view key) const; // required
    std::string string(std::string_view key, std::string fallback) const;
    bool boolean(std::string_view key) const; // required
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

    // Throws for the first key outside `accepted`, naming the closest accepted spelling and listing them all.
    void finish(std::initializer_list<std::string_view> accepted) const;

    const nlohmann::json& raw() const { return j_; }
    const std::string& origin() const { return file_; }
    const std::string& path() const { return path_; }

  private:
    const nlohmann::json& j_;
    std::string path_;
    std::string file_;
};

// A strict view of one JSON array, with element readers that name "<path>[i]".
class JsonArray {
  public:
    JsonArray(const nlohmann::json& j, std::string path, std::string file);

    [[noreturn]] void fail(std::size_t i, const std::string& what) const;
    [[noreturn]] void fail_here(const std::string& what) const;
    std::string path_of(std::size_t i) const;

    std::size_t size() const { return j_.size(); }
    bool empty() const { return j_.empty(); }
    const nlohmann::json& operator[](std::size_t i) const { return j_[i]; }

    int64_t integer_in(std::size_t i, int64_t min, int64_t max) const;
    double number(std::size_t i) const;
    double number_in(std::size_t i, double min, double max) const;
    std::string string(std::size_t i) const;
    JsonObject object(std::size_t i) const;
    JsonObject object(std::size_t i, std::initializer_list<std::string_view> accepted) const;
    JsonArray array(std::size_t i) const;
    // An element that must be an array of exactly `size` elements; `of` says of what ("integers [a, b]").
    JsonArray array(std::size_t i, std::size_t size, std::string_view of) const;

    const nlohmann::json& raw() const { return j_; }
    const std::string& origin() const { return file_; }
    const std::string& path() const { return path_; }

  private:
    const nlohmann::json& j_;
    std::string path_;
    std::string file_;
};

} // namespace moetwin
