// SPDX-License-Identifier: Apache-2.0
// Intent (ours): placements that stay balanced on loads they were not fitted on, under the load_aware
// dispatch's exact min-max split (issue 16, prefill unit: 256 experts on 32 GPUs × 9 slots):
// replica_ring (balance only) and group_ring (the same ring, each expert group kept on its home node
// as group_affine does, for fewer InfiniBand bytes).
//
// Why a ring. Under the min-max split a GPU can hand load to another only through an expert with
// replicas on both. Call GPUs linked when they share an expert: the split balances load within each
// connected set of GPUs and never across two. A set S of GPUs stays at or below T on a run iff the
// load of the experts whose replicas all lie in S is ≤ T·|S| (Hall's condition of the split's flow).
// A GPU holding only unreplicated experts (a component of one) keeps whatever load they bring on the
// evaluated run; a component of k GPUs pools its drift over k. EPLB's packing and the swap searches
// place replicas for the fitted loads only, and leave the prefill unit's 32 GPUs in about 6–7
// components per layer (measured below): in sample that costs nothing, out of sample each component's
// surplus stays put. Each redundant slot can join at most one more GPU to a component, so one
// component of all G GPUs takes at least G redundant slots: exactly what the prefill unit has
// (288 − 256 = 32 = G).
//
// The layout, per layer: EPLB's replica counts (D'Hondt on the fitted loads); the replicated experts
// ordered hottest, coolest, second hottest, second coolest, … (so hot and cool links alternate and no
// stretch of the ring has only thin links); expert k's c_k replicas on c_k consecutive GPUs of the
// ring, the next expert starting on the last GPU of the one before, until the walk (Σ (c_k − 1)) has
// gone once round the G GPUs: exactly S − E = G at the prefill unit. With more redundant slots than
// GPUs the replicas past that turn join the unreplicated experts, and all go by LPT, heaviest share
// first, each to the GPU with the least load (replicated experts counted at load / c_k) among those
// with a free slot (a replica first among GPUs without its expert), lowest index on ties. In sample
// the min-max split then meets the mean.
// - replica_ring: the ring visits the GPUs in index order, so all but about one link per node
//   boundary stay inside a node (NVLink), and the unreplicated experts go to any GPU.
// - group_ring: the unreplicated experts go to GPUs of their group's home node (home_nodes.hpp, as
//   group_affine; any GPU once the home node is full), so a token's experts span fewer nodes; the ring
//   then visits the nodes in turn (GPU 0 of every node, then GPU 1 of every node, …) so that every link
//   crosses nodes and the split can even out the nodes, whose loads the homes fix by whole groups. The
//   ring laid in index order instead left the nodes 1.0315 apart in sample (4 crossings).
// Units with fewer redundant slots than GPUs (the decode unit: 32 for 144) cannot be joined into one
// component; they get tree_partition's placement (which is joint_minmax's beyond 2 slots per GPU).
//
// NOTES (issue 16; `moetwin balance cross --unit prefill --split minmax`, the 6 prefill runs of
// ../shared/data/expert_load, 30 ordered pairs; an offline Python + HiGHS prototype first, the same
// figures to 4 digits):
// - Out of sample: mean over pairs 1.0133, worst pair 1.0615 (joint_minmax 1.0542 / 1.1369, and
//   1.0536 / 1.1399 with its earlier 3 candidates and 6 solves; eplb_global 1.0564 / 1.1334); in
//   sample 1.0000. The busiest GPU of joint_minmax's out-of-sample
//   layers sat in a component of 15 of the 32 GPUs on average (eplb_global 11), with 5.9 (7.1)
//   components per layer.
// - Variants measured with the prototype, not shipped: replicated experts in plain hottest-first ring
//   order 1.0156 / 1.0709; two replicas for each of the 32 hottest (32 links of one hop) instead of
//   EPLB's counts 1.0233 / 1.0818; LPT of the unreplicated experts on their own load only (the
//   replicated share left to the split) 1.0279 / 1.0745.
// - More redundant slots than GPUs (`build/bin/eval_balancer_targets --quick`, the decode unit with 3
//   and 4 active slots per GPU, the two decode runs, in sample / out of sample): 432 slots 1.0020 /
//   1.1925, 576 slots 1.0000 / 1.0345 (joint_minmax 1.0019 / 1.3034 and 1.0000 / 1.0406, eplb_global
//   1.0352 / 1.3383 and 1.0041 / 1.1100). Walking the extra replicas round the ring for more turns
//   (each on the next GPU with room) measured 1.0751 / 1.2321 and 1.0238 / 1.1111: a later turn lays
//   hot replicas where the first already put two, and too few slots stay free for LPT to even them.
// - group_ring (same commands): in sample 1.0000, out of sample 1.0186 mean / 1.0837 worst, LOO 1.0071.
//   Remote nodes per token per layer 2.313 and 50.26 KB of IB per token (`moetwin balance --loads
//   prefill_in2048.json --dispatch load_aware`; group_affine 2.389 / 51.90, eplb_global 2.698 / 58.62,
//   replica_ring 2.713 / 58.95). Whole prefill steps (`moetwin balance step
//   scenarios/deepseek_v3_prefill_ep32.json --replica-policy load_aware`): in sample 1692.5 ms
//   (group_affine 1702.8, replica_ring 1783.6, eplb_global 1785.4); fitted on prefill_in512 1740.7 ms
//   (1781.1, 1814.1, 1842.4), the fastest of every policy and dispatch out of sample. With the
//   scenario's same_node_first dispatch (local replicas first: fewer IB bytes, worse balance) 1673.2 /
//   1838.7 ms, group_affine 1667.8 / 1859.1. The prefill step pays IB bytes more than the last percent
//   of balance.
// - For load_aware (or least_loaded) dispatch. Under an even split it is an LPT packing of EPLB's counts
//   with the replicated experts fixed by the ring, no search.
#include "sim/balancer/placement/eplb_core.hpp"
#include "sim/balancer/placement/home_nodes.hpp"
#include "sim/balancer/placement/policies.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

namespace moetwin::balancer {
namespace {

// One layer of the ring into `row` (spec.num_slots entries); group_homes: group_ring's layout.
void ring_layer(std::span<const double> w, const PlacementSpec& spec, bool group_homes, std::span<int> row) {
    const int E = int(w.size()), G = spec.num_gpus, S = spec.num_slots;
    const int N = spec.num_nodes, per_node = spec.gpus_per_node();
    std::vector<int> rep2log, rank, count;
    eplb::replicate_experts(w, S, rep2log, rank, count);
    std::vector<int> multi, single;
    for (int e = 0; e < E; ++e)
        (count[std::size_t(e)] > 1 ? multi : single).push_back(e);
    const auto hotter = [&](int a, int b) { return w[std::size_t(a)] > w[std::size_t(b)]; };
    std::stable_sort(multi.begin(), multi.end(), hotter);
    std::stable_sort(single.begin(), single.end(), hotter);
    std::vector<int> ring;
    for (std::size_t i = 0, j = multi.size(); i < j;) {
        ring.push_back(multi[i++]);
        if (i < j) ring.push_back(multi[--j]);
    }
    std::vector<int> used(std::size_t(G), 0);
    std::vector<double> gpu_load(std::size_t(G), 0.0);
    const auto full = [&](int g) { return used[std::size_t(g)] >= spec.slots_on_gpu(g); };
    const auto put  = [&](int g, int e, double share) {
        row[std::size_t(spec.first_slot(g) + used[std::size_t(g)]++)] = e;
        gpu_load[std::size_t(g)] += share;
    };
    // Position i of the ring: GPU i, or (group_ring) GPU i / N of node i % N.
    const auto gpu_at = [&](int i) { return group_homes ? (i % N) * per_node + i / N : i; };
    // The walk, one turn: expert k's replicas on consecutive positions, the next expert from the last
    // one's position, until the advance Σ (c_k − 1) reaches G and the ring closes on position 0. A GPU
    // takes at most 2 replicated experts on the turn, so with ≥ 2 slots on every GPU (S ≥ E + G ≥ 2G
    // when E ≥ G) the chain is unbroken and joins every GPU. Replicas beyond the turn (S − E > G: the
    // rest of the expert that closes it and every later one) go by LPT with the unreplicated experts.
    struct Item {
        int expert;
        double share;
        bool replica; // of a replicated expert: kept off GPUs that already hold one
    };
    std::vector<Item> rest;
    int at = 0, advance = 0;
    for (int e : ring) {
        const int c        = count[std::size_t(e)];
        const double share = w[std::size_t(e)] / c;
        const int on_ring  = advance < G ? std::min(c, G - advance + 1) : 0;
        int k              = 0;
        for (; k < on_ring; ++k) {
            if (k > 0) at = (at + 1) % G;
            if (full(gpu_at(at))) break; // < 2 slots on a GPU: the chain breaks here
            put(gpu_at(at), e, share);
        }
        if (on_ring > 0) advance += on_ring - 1;
        for (; k < c; ++k)
            rest.push_back({e, share, true});
    }
    for (int e : single)
        rest.push_back({e, w[std::size_t(e)], false});
    std::stable_sort(rest.begin(), rest.end(), [](const Item& a, const Item& b) { return a.share > b.share; });
    const std::vector<int> home = group_homes ? home_nodes(w, spec) : std::vector<int>();
    const auto holds            = [&](int g, int e) {
        const auto first = row.begin() + spec.first_slot(g);
        return std::find(first, first + used[std::size_t(g)], e) != first + used[std::size_t(g)];
    };
    for (const Item& it : rest) {
        // Pass 0: an unreplicated expert's home node (group_ring), a replica's GPUs without its expert.
        int best = -1;
        for (int pass = 0; pass < 2 && best < 0; ++pass)
            for (int g = 0; g < G; ++g)
                if (!full(g) &&
                    (pass == 1 || (it.replica ? !holds(g, it.expert)
                                              : !group_homes || spec.node_of_gpu(g) == home[std::size_t(it.expert)])) &&
                    (best < 0 || gpu_load[std::size_t(g)] < gpu_load[std::size_t(best)]))
                    best = g;
        put(best, it.expert, it.share); // the slots add up to the replicas: a free one exists
    }
}

Placement place_ring(const ExpertLoad& load, const PlacementSpec& spec, bool group_homes) {
    spec.validate(load.num_experts);
    const int E = load.num_experts, S = spec.num_slots;
    if (S - E < spec.num_gpus) return place_tree_partition(load, spec);
    std::vector<int> phy2log(std::size_t(load.num_layers) * std::size_t(S));
    for (int l = 0; l < load.num_layers; ++l)
        ring_layer(load.layer(l), spec, group_homes,
                   {phy2log.data() + std::size_t(l) * std::size_t(S), std::size_t(S)});
    return make_placement(load.num_layers, E, S, std::move(phy2log));
}

} // namespace

Placement place_replica_ring(const ExpertLoad& load, const PlacementSpec& spec) {
    return place_ring(load, spec, false);
}

Placement place_group_ring(const ExpertLoad& load, const PlacementSpec& spec) {
    return place_ring(load, spec, true);
}

} // namespace moetwin::balancer
