// SPDX-License-Identifier: Apache-2.0
// pool_unit_scenario (pool_unit_scenario.hpp).
#include "sim/serving/step_model/pool_unit_scenario.hpp"

#include "common/errors.hpp"

namespace moetwin::serving {

Scenario pool_unit_scenario(const Scenario& s, Phase phase) {
    MOETWIN_ASSERT(s.serving.has_value(), "pool_unit_scenario needs a serving scenario");
    const bool colocated = s.serving->mode == ServingMode::Colocated;
    Scenario u           = s;
    u.serving            = std::nullopt;
    u.workload.phase     = phase;
    if (phase == Phase::Prefill) {
        if (colocated || !u.deployment.prefill) u.deployment.prefill = u.deployment.decode;
        u.workload.tokens_per_gpu = colocated ? s.serving->chunk_tokens : s.serving->prefill_tokens_per_rank;
    }
    const PoolUnitSettings& own =
        phase == Phase::Prefill && !colocated ? s.serving_prefill_unit : s.serving_decode_unit;
    if (own.routing) u.routing = *own.routing;
    if (own.balancer) u.balancer = *own.balancer;
    u.serving_prefill_unit = {};
    u.serving_decode_unit  = {};
    return u;
}

} // namespace moetwin::serving
