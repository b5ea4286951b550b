// SPDX-License-Identifier: Apache-2.0
// The what-if knobs of a scenario file (schema: scenarios/README.md), read from and written back into its
// JSON text. Only the keys whose knob changed are touched; everything else stays as the user wrote it.
// What the parser derives (ep_size from the unit's nodes) and whether an edit is a valid scenario are
// the real parser's (sim/scenario.hpp, moetwin_scenario: no SimGrid).
// The only GUI code that includes nlohmann/json (in the .cpp). No ImGui.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace moetwin::gui {

// 0 or "" means "not set in the file: the scenario's default applies".
struct ScenarioKnobs {
    std::string name;            // name (read-only)
    std::string phase;           // workload.phase: which deployment unit runs (read-only)
    int gpus_per_node     = 8;   // cluster.gpus_per_node (read-only: EP size moves in whole nodes)
    int tp_size           = 1;   // deployment.<phase>.tp_size (read-only)
    int ep_size           = 0;   // deployment.<phase>.ep_size (also sets num_nodes and dp_size)
    int redundant_experts = 0;   // deployment.<phase>.redundant_experts
    std::string balancer_policy; // balancer.policy
    int node_limit    = 0;       // routing.node_limit (M)
    int batch_per_gpu = 0;       // workload.requests_per_gpu (decode) or workload.tokens_per_gpu (prefill)
    int micro_batches = 0;       // workload.micro_batches
    std::string overlap;         // schedule.overlap
    std::string gpu;             // hardware.gpu
    double nvlink_GBps = 0;      // cluster.nvlink.bandwidth_GBps
    double ib_GBps     = 0;      // cluster.ib.bandwidth_GBps
    std::string model;           // model.name
    std::string fabric;          // cluster.fabric
    std::string replica_policy;  // routing.replica_policy
    std::string all_to_all;      // network.all_to_all

    bool operator==(const ScenarioKnobs&) const = default;
};

// The choices the what-if panel offers, read from the tables and catalogues that own the names (never a list
// of the GUI's own): balancer::placement_policies(), balancer::dispatch_policies(), kOverlapSchedules,
// gpu_catalogue(), model_catalogue(), kFabricKinds, kAllToAllModes.
struct KnobOptions {
    std::vector<std::string> balancer_policies;
    std::vector<std::string> replica_policies;
    std::vector<std::string> overlaps;
    std::vector<std::string> gpus;
    std::vector<std::string> models;
    std::vector<std::string> fabrics;
    std::vector<std::string> all_to_all_modes;
};
const KnobOptions& knob_options();

// Throws ConfigError "<file_name>: <json.path>: ..." when the text is not a scenario object with
// workload.phase and deployment.<phase>.
ScenarioKnobs read_knobs(std::string_view scenario_json, const std::string& file_name);

// The scenario text with every changed knob written (2-space JSON, key order kept). Changing ep_size also
// sets deployment.<phase>.num_nodes = ep / gpus_per_node and dp_size = ep / tp_size, grows cluster.num_nodes,
// drops a "single_node" fabric for several nodes and the derived routed_experts_per_gpu, and caps
// routing.node_limit at the unit's nodes. Relative input paths (routing.popularity.path, balancer.fit_loads_path,
// compute.profile_path) become absolute against file_name's folder, because the re-run writes the text elsewhere.
// The result is checked by the scenario parser (parse_scenario, moetwin_scenario): throws ConfigError when
// ep_size is not a multiple of gpus_per_node, or when the parser refuses the edited scenario.
std::string apply_knobs(std::string_view scenario_json, const ScenarioKnobs& knobs, const std::string& file_name);

// "deployment.decode.ep_size: 144 -> 320" for each knob that differs.
std::vector<std::string> knob_changes(const ScenarioKnobs& before, const ScenarioKnobs& after);

} // namespace moetwin::gui
