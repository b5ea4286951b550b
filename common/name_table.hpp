// SPDX-License-Identifier: Apache-2.0
// NameTable: one table per enum (or catalogue) of {value, name, one-line description}, declared constexpr in
// the header that owns the enum. The table drives parsing (scenario JSON, CLI flags), printing (to_string),
// `--list` style listings and the GUI's choices, so a name is spelled once.
//
// The one case rule for every name lookup in moetwin: names are lowercase and match exactly ("h800", not
// "H800"). A name that does not match gets one error shape everywhere (unknown_name_message): what was
// given, the closest valid name, and every valid name.
#pragma once

#include "common/errors.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin {

template <class E> struct NameEntry {
    E value;
    std::string_view name;        // lowercase, as written in scenarios and on the command line
    std::string_view description; // one line, for listings and the GUI
};

// The valid name closest to `got` (edit distance, ties to the earlier name); "" when `names` is empty.
std::string_view closest_name(std::string_view got, std::span<const std::string_view> names);

// "\"H800\" is not a known gpu (names are lowercase; did you mean \"h800\"?); known: h800, h100, ...".
std::string unknown_name_message(std::string_view what, std::string_view got, std::span<const std::string_view> names);

// The names of a table, in table order.
template <class E, std::size_t N> std::vector<std::string_view> table_names(const std::array<NameEntry<E>, N>& t) {
    std::vector<std::string_view> out;
    out.reserve(N);
    for (const NameEntry<E>& e : t)
        out.push_back(e.name);
    return out;
}

// The entry of `value`; every enum value has exactly one (tests/common/test_name_table.cpp checks each table).
template <class E, std::size_t N>
constexpr const NameEntry<E>& table_entry(const std::array<NameEntry<E>, N>& t, E value) {
    for (const NameEntry<E>& e : t)
        if (e.value == value) return e;
    return t[0]; // unreachable for a complete table
}

template <class E, std::size_t N> constexpr std::string_view table_name(const std::array<NameEntry<E>, N>& t, E value) {
    return table_entry(t, value).name;
}

// Exact match (the case rule above); nullopt when unknown.
template <class E, std::size_t N>
constexpr std::optional<E> table_find(const std::array<NameEntry<E>, N>& t, std::string_view name) {
    for (const NameEntry<E>& e : t)
        if (e.name == name) return e.value;
    return std::nullopt;
}

// Exact match; throws ConfigError(unknown_name_message(what, name, ...)) when unknown. Callers that know a
// file and JSON path catch nothing: JsonObject::choice() builds the same message with the path in front.
template <class E, std::size_t N>
E table_parse(const std::array<NameEntry<E>, N>& t, std::string_view name, std::string_view what) {
    if (const auto v = table_find(t, name)) return *v;
    const std::vector<std::string_view> names = table_names(t);
    throw ConfigError(unknown_name_message(what, name, names));
}

} // namespace moetwin
