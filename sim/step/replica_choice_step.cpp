// SPDX-License-Identifier: Apache-2.0
#include "sim/step/replica_choice_step.hpp"

#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/dispatch/replica_choice_cost.hpp"
#include "sim/balancer/dispatch/replica_split.hpp"

namespace moetwin::step {

std::vector<double> replica_choice_seconds(const Scenario& s, const StepPlan& plan) {
    if (!balancer::find_dispatch_policy(s.routing.replica_policy).sees_batch) return {};
    balancer::ReplicaChoiceCostInput in;
    in.num_gpus      = plan.num_gpus;
    in.gpus_per_node = plan.gpus_per_node;
    in.num_experts   = plan.placement.num_experts;
    in.ib_Bps        = s.cluster.ib_bandwidth_Bps;
    in.nvlink_Bps    = s.cluster.nvlink.bandwidth_Bps;
    in.latency_s     = s.cluster.ib_latency_cross_leaf_s;
    in.overhead_s    = s.network.calibration.low_latency_overhead_s;
    std::vector<double> out;
    out.reserve(plan.routing.size());
    for (std::size_t i = 0; i < plan.routing.size(); ++i) {
        // The split the policy solved: the same totals (the layer's selections per logical expert).
        const int layer                    = int(i) / plan.micro_batches;
        const balancer::ReplicaSplit split = balancer::split_replicas_from_totals(
            plan.placement, plan.placement_spec, layer, plan.routing[i].expert_selections, plan.num_gpus);
        in.sum_ops   = split.sum_ops + split.match_ops;
        in.solve_ops = split.ops;
        out.push_back(balancer::replica_choice_cost(in).total_s());
    }
    return out;
}

} // namespace moetwin::step
