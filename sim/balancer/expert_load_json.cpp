// SPDX-License-Identifier: Apache-2.0
// Expert-load JSON reader: the only balancer code that includes nlohmann/json.
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#include "sim/balancer/expert_load_json.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/text_position.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

namespace moetwin::balancer {
namespace {

using nlohmann::json;

std::string kind(const json& j) {
    std::string s = j.dump();
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return std::string(j.type_name()) + " " + s;
}

} // namespace

ExpertLoad parse_expert_load(std::string_view text, std::string_view source) {
    const std::string src(source);
    json doc;
    try {
        doc = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        throw ConfigError(src + ":" + to_string(json_error_position(text, e.byte)) + ": JSON syntax error: " + e.what());
    }
    if (!doc.is_object()) throw ConfigError(src + ": top level: expected an object, got " + kind(doc));
    for (const auto& [key, value] : doc.items())
        if (key != "logical_count")
            throw ConfigError(src + ": " + key + ": unknown key (expected only \"logical_count\")");
    if (!doc.contains("logical_count")) throw ConfigError(src + ": logical_count: missing required key");
    const json& rows = doc.at("logical_count");
    if (!rows.is_array() || rows.empty())
        throw ConfigError(src + ": logical_count: expected a non-empty array of layers, got " + kind(rows));

    ExpertLoad load;
    load.num_layers = static_cast<int>(rows.size());
    for (std::size_t l = 0; l < rows.size(); ++l) {
        const json& row        = rows[l];
        const std::string path = "logical_count[" + std::to_string(l) + "]";
        if (!row.is_array() || row.empty())
            throw ConfigError(src + ": " + path + ": expected a non-empty array of per-expert loads, got " + kind(row));
        if (l == 0) load.num_experts = static_cast<int>(row.size());
        if (static_cast<int>(row.size()) != load.num_experts)
            throw ConfigError(src + ": " + path + ": expected " + std::to_string(load.num_experts) +
                              " experts (as in logical_count[0]), got " + std::to_string(row.size()));
        for (std::size_t e = 0; e < row.size(); ++e) {
            const json& v  = row[e];
            const double x = v.is_number() ? v.get<double>() : -1.0;
            if (!v.is_number() || !std::isfinite(x) || x < 0)
                throw ConfigError(src + ": " + path + "[" + std::to_string(e) + "]: expected a number ≥ 0, got " +
                                  kind(v));
            load.tokens.push_back(x);
        }
    }
    load.validate();
    return load;
}

ExpertLoad load_expert_load(const std::filesystem::path& path) {
    const std::string text = read_file(path);
    return parse_expert_load(text, path.string());
}

} // namespace moetwin::balancer
