// SPDX-License-Identifier: Apache-2.0
// The gate law: how moetwin samples a token's top-k experts, written step by step as DeepSeek-V3's
// gate reads (reference §1.2, inference/model.py class Gate). This is the reference sampler: plain
// and slow enough to read. sample_tokens and sample_moe_traffic (sim/network) draw with
// it; the step's fast sampler (sim/step/gate_sampler.hpp: alias tables and rejection) draws the same
// law and is tested against it (tests/sim/test_step_routing_exact.cpp).
//
// The real gate scores each expert from the token's hidden state, s_i = sigmoid(u·e_i), adds the
// selection bias b_i, ranks the 8 groups by the sum of their two best s_i + b_i, keeps the best 4,
// and takes the 8 best experts of those; DeepSeek's deployment also keeps a token on at most M = 4
// nodes (tech report §2.1.2). Without hidden states, moetwin knows only each expert's popularity
// w_i > 0 (recorded loads, or a model of them), and draws the scores' ranking in its
// Plackett–Luce form, where an expert's chance to rank next is proportional to its weight:
//   1. groups (reference step 3): gate.topk_groups groups drawn one by one without replacement,
//      each with probability (group weight) / (weight of the groups left), the group weight being
//      the sum of its experts' w_i;
//   2. experts (reference step 4): gate.topk experts drawn one by one without replacement among
//      the eligible experts of the kept groups, each with probability w_i / (eligible weight); the
//      draw order is the token's score order;
//   3. node limit: an expert is eligible while the token spans fewer than M nodes, or if it sits on
//      one of the token's nodes (walking the score order, greedy, not the tech report's "sum of the
//      best K/M affinities per node"); when no expert is eligible, the limit is lifted for that
//      pick: it is drawn among all free experts of the kept groups, its node joins the token's
//      (which may then span M + 1 nodes), and the token is counted as relaxed.
// Where this differs from the reference gate: step 1 ranks groups by their total weight instead
// of by the sum of their two best scores, and the expert draw does not condition on the group
// ranking. The law is fitted to recorded loads per expert (popularity_fit.hpp), not per group.
#pragma once

#include "common/rng.hpp"
#include "moe/gate.hpp"

#include <span>
#include <vector>

namespace moetwin {

// The node limit of step 3: node_of_expert [num_experts] and M; max_nodes <= 0: no limit.
struct NodeLimit {
    std::span<const int> node_of_expert;
    int max_nodes = 0;
};

// Scratch of draw_gate_token, kept by the caller across tokens (no allocation per token).
struct GateDrawScratch {
    std::vector<double> remaining; // [num_groups] eligible weight left in each kept group
    std::vector<int> groups;       // the kept groups in draw order
    std::vector<char> taken;       // [num_experts] picked by this token
    std::vector<int> nodes;        // the token's nodes
};

// Contract: gate validated; w [num_experts] > 0; group_weight [num_groups] = sum of w over each
// group (the caller's, recomputed when w changes); out [gate.topk]. Writes the token's experts in
// draw order, distinct, all in its kept groups. Returns true when the node limit had to be lifted.
// Uniforms drawn: topk_groups for step 1, then two per expert (a group by its eligible weight, an
// expert inside it by a scan), plus two more each time the limit is lifted.
bool draw_gate_token(const GateSpec& gate, std::span<const double> w, std::span<const double> group_weight,
                     const NodeLimit& limit, Rng& rng, GateDrawScratch& scratch, std::span<int> out);

} // namespace moetwin
