// SPDX-License-Identifier: Apache-2.0
// Intent (ours): replica counts and their pairing chosen together for the load_aware dispatch's exact
// min-max split (issue 16, decode unit). EPLB's counts are one candidate; each further candidate moves
// one replica from the replicated expert that needs it least (largest load per replica once it is
// gone is smallest) to an expert with a large load per replica; every candidate is packed by LPT (no
// swaps: the budget) and judged by one exact solve of the split; the best counts are packed again with
// lpt_swap's swaps, then get minmax_swap's swap search. Hand case (tests/balancer/test_joint_minmax.cpp): loads 18, 14,
// 20, 18, 2 on 3 GPUs × 2 slots: EPLB replicates the 20 (busiest 26 whatever the pairing), the optimum replicates an 18
// or the 14 (busiest 25 = the exhaustive optimum over all counts and pairings).
//
// NOTES (issue 16 item 1; `moetwin balance cross --unit decode --scope all --split minmax --pool max`,
// the 8 recorded runs of ../shared/data/expert_load; 2-core VM shared with other builds):
// - In sample the joint choice gains little: 1.1609 → 1.1586 on the two decode runs (decode unit),
//   1.1689 → 1.1664 over all 8 runs (1.1658 with 16 candidates); out of sample it loses:
//   decode→decode 1.8995 → 1.9042 (with 3 candidates). Fitting harder to one run does not carry over to another.
// - Tried and measured, not shipped: (a) shrinking the fitted load towards the layer mean before the
//   counts (regression to the mean: the least-squares slope of run B's share on run A's is 0.97 over
//   the prefill pairs, 0.89 / 0.94 between the two decode runs, 0.73 prefill→decode): λ = 0.1 … 0.4
//   moves decode→decode by ≤ 0.011 and prefill→decode by ≤ 0.014, within the spread between λs;
//   (b) a "flexible" pairing that gives the hottest unreplicated experts a replicated partner (whose
//   load the split can move away when they turn hot): in sample 1.68 (the replicated experts' load
//   no longer fits beside hot partners), out of sample 2.09; (c) moving single replicas towards the
//   busiest GPU's experts after the search (never accepted: every replicated expert's replicas sit at
//   the split's level, so taking one raises the busiest GPU).
// - What hedges an unseen run is the fitting load, not the policy: fitted on the other seven runs
//   pooled per expert by their largest share (`--pool max`), every policy reaches 1.81 on the held-out
//   decode runs (mean pooling: 2.00; fitted on the other decode run alone: 1.90); the replica-count
//   floor of that max-pooled fit is 1.55 (max over experts of load / replicas, held-out run).
// - Budget: see kRefineSolves; `build/bin/bench_balancer --benchmark_filter=joint_minmax`. With 3
//   candidates and 6 refining solves this VM measured 44.6–50.1 ms (decode) and 51.7–56.3 ms (prefill)
//   unloaded on another day (37 / 47 ms before): over the 50 ms budget, so since issue 16's stop 27 it
//   judges 2 candidates and refines with 4 solves (below).
#include "sim/balancer/placement/eplb_core.hpp"
#include "sim/balancer/placement/lpt_swap.hpp"
#include "sim/balancer/placement/minmax_refine.hpp"
#include "sim/balancer/placement/policies.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace moetwin::balancer {
namespace {

// Alternative count vectors judged per layer, besides EPLB's (budget above).
constexpr int kCandidates = 2;
// Exact solves of minmax_swap's search on the chosen candidate. With the 1 + kCandidates judging
// solves: 7 per layer. `moetwin balance cross --split minmax --policy joint_minmax --repeats 5` (wall
// time of one 58-layer placement, median over the runs, unloaded 2-core VM; in sample, out of sample):
// 3 + 6: decode 46.6 ms, 1.1586, 1.9042; prefill 48.9 ms, 1.0001, 1.0536. 2 + 4 (shipped): decode
// 35.7 ms, 1.1591, 1.8999; prefill 39.0 ms, 1.0001, 1.0542. 3 + 4: 46.7 / 44.5 ms. 1 + 6: 31.8 /
// 39.9 ms, 1.1599 / 1.0001 in sample. The in-sample figures move by ≤ 0.0005.
constexpr int kRefineSolves = 4;
// lpt_swap's stop gap (0.01 % above the lower bound) for each candidate's packing.
constexpr double kStopGap = 1e-4;

struct Packer {
    const PlacementSpec& spec;
    int num_experts;
    std::vector<int> capacity, gpu, slot_rank, reps;
    std::vector<double> rep_load;

    // LPT packing of the counts' replica shares (load / count), then (swaps) lpt_swap's swap search,
    // into `row`.
    void pack(std::span<const double> w, std::span<const int> count, std::span<int> row, bool swaps) {
        reps.clear();
        for (int e = 0; e < num_experts; ++e)
            for (int k = 0; k < count[std::size_t(e)]; ++k)
                reps.push_back(e);
        rep_load.resize(reps.size());
        for (std::size_t r = 0; r < reps.size(); ++r)
            rep_load[r] = w[std::size_t(reps[r])] / count[std::size_t(reps[r])];
        eplb::balanced_packing(rep_load, capacity, gpu, slot_rank);
        if (swaps) improve_by_swaps(rep_load, spec.num_gpus, gpu, 8 * spec.num_slots, 1 + kStopGap);
        std::vector<int> used(std::size_t(spec.num_gpus), 0);
        for (std::size_t r = 0; r < reps.size(); ++r) {
            const int g                                                   = gpu[r];
            row[std::size_t(spec.first_slot(g) + used[std::size_t(g)]++)] = reps[r];
        }
    }
};

// Load per replica of e if it had `c` replicas (∞ for c = 0: the expert cannot give its last one).
double per_replica(std::span<const double> w, int e, int c) {
    return c > 0 ? w[std::size_t(e)] / c : 1e300;
}

} // namespace

Placement place_joint_minmax(const ExpertLoad& load, const PlacementSpec& spec) {
    spec.validate(load.num_experts);
    const int S = spec.num_slots, G = spec.num_gpus, E = load.num_experts;
    std::vector<int> phy2log(static_cast<std::size_t>(load.num_layers) * std::size_t(S));
    std::vector<int> rep2log, rank, count, cand_row(static_cast<std::size_t>(S));
    std::vector<int> give(static_cast<std::size_t>(E)), take(static_cast<std::size_t>(E));
    std::vector<int64_t> total(static_cast<std::size_t>(E));
    Packer packer{spec, E, {}, {}, {}, {}, {}};
    for (int g = 0; g < G; ++g)
        packer.capacity.push_back(spec.slots_on_gpu(g));
    for (int l = 0; l < load.num_layers; ++l) {
        const auto w = load.layer(l);
        split_totals(w, total);
        eplb::replicate_experts(w, S, rep2log, rank, count);
        const std::span<int> row(phy2log.data() + std::size_t(l) * std::size_t(S), std::size_t(S));
        packer.pack(w, count, row, false);
        RowSplit best = split_row(row, total, spec, E);
        std::vector<int> best_count(count);
        // Givers: replicated experts by their load per replica after giving one, smallest first;
        // takers: experts by load per replica, largest first. Pairs (giver-major) until kCandidates.
        std::iota(give.begin(), give.end(), 0);
        std::iota(take.begin(), take.end(), 0);
        const auto after_give = [&](int e) {
            return count[std::size_t(e)] > 1 ? per_replica(w, e, count[std::size_t(e)] - 1) : 1e300;
        };
        std::sort(give.begin(), give.end(),
                  [&](int a, int b) { return after_give(a) != after_give(b) ? after_give(a) < after_give(b) : a < b; });
        std::sort(take.begin(), take.end(), [&](int a, int b) {
            const double ka = per_replica(w, a, count[std::size_t(a)]), kb = per_replica(w, b, count[std::size_t(b)]);
            return ka != kb ? ka > kb : a < b;
        });
        std::vector<int> c(count);
        for (int i = 0, tried = 0; tried < kCandidates && i < E * E; ++i) {
            const int x = give[std::size_t(i / E)], y = take[std::size_t(i % E)];
            if (count[std::size_t(x)] < 2) break; // givers are sorted: no replicated expert left
            if (x == y || count[std::size_t(y)] >= G) continue;
            c = count;
            --c[std::size_t(x)], ++c[std::size_t(y)];
            packer.pack(w, c, cand_row, false);
            RowSplit r = split_row(cand_row, total, spec, E);
            ++tried;
            if (r.better_than(best)) best = std::move(r), best_count = c;
        }
        packer.pack(w, best_count, row, true);
        refine_min_max(row, total, spec, E, kRefineSolves);
    }
    return make_placement(load.num_layers, E, S, std::move(phy2log));
}

} // namespace moetwin::balancer
