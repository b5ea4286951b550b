// SPDX-License-Identifier: Apache-2.0
// The result-file JSON layout (see json_layout.hpp).
#include "sim/result/json_layout.hpp"

#include <algorithm>
#include <ostream>

namespace moetwin::json_layout {

using OJson = nlohmann::ordered_json;

namespace {

bool is_scalar(const OJson& v) {
    return !v.is_structured();
}

void write_key(std::ostream& out, const std::string& key) {
    out << OJson(key).dump() << ": ";
}

} // namespace

void indent(std::ostream& out, int depth) {
    for (int i = 0; i < depth; ++i)
        out << "  ";
}

void write(std::ostream& out, const OJson& v, int depth, bool in_array) {
    if (is_scalar(v)) {
        out << v.dump();
        return;
    }
    if (v.empty()) {
        out << (v.is_array() ? "[]" : "{}");
        return;
    }
    const bool flat = std::all_of(v.begin(), v.end(), is_scalar);
    if (v.is_array()) {
        if (flat) {
            out << '[';
            for (size_t i = 0; i < v.size(); ++i)
                out << (i ? ", " : "") << v[i].dump();
            out << ']';
            return;
        }
        out << "[\n";
        for (size_t i = 0; i < v.size(); ++i) {
            indent(out, depth + 1);
            write(out, v[i], depth + 1, true);
            out << (i + 1 < v.size() ? ",\n" : "\n");
        }
        indent(out, depth);
        out << ']';
        return;
    }
    if (flat && in_array) {
        out << '{';
        bool first = true;
        for (const auto& [key, value] : v.items()) {
            out << (first ? "" : ", ");
            write_key(out, key);
            out << value.dump();
            first = false;
        }
        out << '}';
        return;
    }
    out << "{\n";
    size_t i = 0;
    for (const auto& [key, value] : v.items()) {
        indent(out, depth + 1);
        write_key(out, key);
        write(out, value, depth + 1, false);
        out << (++i < v.size() ? ",\n" : "\n");
    }
    indent(out, depth);
    out << '}';
}

} // namespace moetwin::json_layout
