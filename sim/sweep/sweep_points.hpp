// SPDX-License-Identifier: Apache-2.0
// From a sweep's axes to its points: grid or seeded random sampling, and the scenario JSON of one point
// (the base with the point's values set). The queue of points a worker pool (sweep_pool.hpp) drains.
#pragma once

#include "sim/sweep/sweep_spec.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace moetwin::sweep {

struct PointSpec {
    int64_t grid_index = 0;             // row-major over the axes, the last axis fastest
    std::vector<nlohmann::json> values; // one per axis
};

// Contract: pure, deterministic in the spec. Grid: every grid point in grid order. Random: min(points, grid)
// distinct grid points drawn with moetwin::Rng(seed), in grid order (so a sweep drawn again is the same and a
// larger draw with the same seed is not a superset; the cache makes redrawn points free either way).
std::vector<PointSpec> expand_points(const SweepSpec& spec);

// Contract: pure. The base scenario with the point's values set at the axes' paths (objects on the way are
// created), after dropping the keys the parser derives from an axis (ep_size, dp_size,
// routed_experts_per_gpu of a unit whose num_nodes, tp_size, redundant_experts or shared_expert_slots is an
// axis, or any unit's when cluster.gpus_per_node is; cluster.num_nodes when a unit's num_nodes is), so they
// move with it instead of contradicting it.
nlohmann::json point_scenario(const SweepSpec& spec, const std::vector<nlohmann::json>& values);

// Dotted-path access to nested objects. json_find: nullptr when a key on the way is absent or not an object.
const nlohmann::json* json_find(const nlohmann::json& j, const std::string& path);
void json_set(nlohmann::json& j, const std::string& path, const nlohmann::json& value); // creates objects
// Every leaf (non-object value) as a dotted path, in document order.
std::vector<std::string> json_leaf_paths(const nlohmann::json& j);

// The keys the scenario parser derives (an axis on one is refused: sweep the keys it follows from).
// "" when `path` is not derived, else what it is derived from.
std::string derived_from(const std::string& path);

} // namespace moetwin::sweep
