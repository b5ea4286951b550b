// SPDX-License-Identifier: Apache-2.0
// The step's charge for a dispatch policy that sees the batch (balancer DispatchPolicy::sees_batch,
// load_aware): seconds every rank spends before each dispatch, gathering the per-expert counts and solving.
#pragma once

#include "sim/scenario.hpp"
#include "sim/step/step_plan.hpp"

#include <vector>

namespace moetwin::step {

// Contract: pure. Empty when routing.replica_policy does not see the batch; else one entry per
// (MoE layer, micro-batch) in StepPlan::routing order: balancer::replica_choice_cost() with
// E x int32 counts per rank (E = the placement's logical experts), the operation count of the split
// the policy solved (split_replicas_from_totals on the routing's expert_selections, the totals the
// policy's all-gather summed), the cluster's IB and NVLink bandwidths, its IB cross-leaf latency and the DeepEP
// calibration's low-latency per-kernel overhead. The executor adds it to the rank's time before it joins the dispatch
// (after notify_dispatch's own cost in normal mode), so it lands inside the dispatch span.
std::vector<double> replica_choice_seconds(const Scenario& s, const StepPlan& plan);

} // namespace moetwin::step
