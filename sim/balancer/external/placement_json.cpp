// SPDX-License-Identifier: Apache-2.0
// The placement JSON (phy2log per layer) and the placement command's request JSON.
#include "sim/balancer/external/placement_json.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>

namespace moetwin::balancer {
namespace {
std::string str(long long v) {
    return std::to_string(v);
}
} // namespace

Placement parse_placement_json(std::string_view text, const std::string& source, int num_layers, int num_experts,
                               const PlacementSpec& spec) {
    const nlohmann::json doc = parse_json_text(text, source);
    if (!doc.is_object())
        throw ConfigError(source + ": (top level): expected an object {\"phy2log\": [[…] × " + str(num_layers) +
                          " layers]}, got " + describe_json(doc));
    const JsonObject top(doc, "", source);
    top.finish({"phy2log"});
    const JsonArray rows = top.array("phy2log");
    if (int(rows.size()) != num_layers)
        top.fail("phy2log", "expected " + str(num_layers) + " layers (one row per MoE layer), got " +
                                str(static_cast<long long>(rows.size())));
    std::vector<int> phy2log;
    phy2log.reserve(std::size_t(num_layers) * std::size_t(spec.num_slots));
    for (int l = 0; l < num_layers; ++l) {
        const JsonArray row = rows.array(std::size_t(l));
        if (int(row.size()) != spec.num_slots)
            rows.fail(std::size_t(l), "layer " + str(l) + ": expected " + str(spec.num_slots) +
                                          " slots (logical + redundant experts), got " +
                                          str(static_cast<long long>(row.size())));
        std::vector<int> replicas(std::size_t(num_experts), 0);
        for (int sl = 0; sl < spec.num_slots; ++sl) {
            const auto& v = row[std::size_t(sl)];
            if (!v.is_number_integer() && !v.is_number_unsigned())
                row.fail(std::size_t(sl), "layer " + str(l) + ", slot " + str(sl) +
                                              ": expected an integer logical expert in [0, " + str(num_experts - 1) +
                                              "], got " + describe_json(v));
            const long long e = v.is_number_unsigned() // above 2^63: clamped (it is out of range either way)
                                    ? static_cast<long long>(std::min<std::uint64_t>(v.get<std::uint64_t>(), INT64_MAX))
                                    : v.get<long long>();
            if (e < 0 || e >= num_experts)
                row.fail(std::size_t(sl), "layer " + str(l) + ", slot " + str(sl) + ": logical expert " + str(e) +
                                              " is out of range [0, " + str(num_experts - 1) + "]");
            ++replicas[std::size_t(e)];
            phy2log.push_back(int(e));
        }
        for (int e = 0; e < num_experts; ++e)
            if (replicas[std::size_t(e)] == 0)
                rows.fail(std::size_t(l), "layer " + str(l) + ": logical expert " + str(e) +
                                              " has no replica (every expert needs at least one of the " +
                                              str(spec.num_slots) + " slots)");
    }
    Placement p = make_placement(num_layers, num_experts, spec.num_slots, std::move(phy2log));
    check_placement(p, spec);
    return p;
}

Placement load_placement_file(const std::filesystem::path& path, int num_layers, int num_experts,
                              const PlacementSpec& spec) {
    return parse_placement_json(read_file(path), path.string(), num_layers, num_experts, spec);
}

std::string placement_json(const Placement& p) {
    nlohmann::json rows = nlohmann::json::array();
    for (int l = 0; l < p.num_layers; ++l) {
        const auto s = p.slots(l);
        rows.push_back(std::vector<int>(s.begin(), s.end()));
    }
    return nlohmann::json{{"phy2log", rows}}.dump() + "\n";
}

std::string placement_request_json(const ExpertLoad& load, const PlacementSpec& spec) {
    std::vector<int> gpu_of_slot(std::size_t(spec.num_slots));
    for (int sl = 0; sl < spec.num_slots; ++sl)
        gpu_of_slot[std::size_t(sl)] = spec.gpu_of_slot(sl);
    nlohmann::json counts = nlohmann::json::array();
    for (int l = 0; l < load.num_layers; ++l) {
        const auto row = load.layer(l);
        counts.push_back(std::vector<double>(row.begin(), row.end()));
    }
    const nlohmann::json j = {{"num_layers", load.num_layers}, {"num_experts", load.num_experts},
                              {"num_slots", spec.num_slots},   {"num_gpus", spec.num_gpus},
                              {"num_nodes", spec.num_nodes},   {"num_groups", spec.num_groups},
                              {"gpu_of_slot", gpu_of_slot},    {"logical_count", counts}};
    return j.dump() + "\n";
}

} // namespace moetwin::balancer
