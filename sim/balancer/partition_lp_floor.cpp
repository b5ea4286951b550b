// SPDX-License-Identifier: Apache-2.0
// partition_lp_floor(): the configuration-LP bound of the 2-slot partition problem (contract in the header).
#include "sim/balancer/partition_lp_floor.hpp"

#include "common/errors.hpp"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

namespace moetwin::balancer {
namespace {

// Experts grouped by rounded load: class k holds count[k] experts whose load / T rounds down to
// grid·level[k]; each covers cover[k] = top − level[k] grid units of the 1 (top units) a group needs.
struct Classes {
    int top = 0;
    std::vector<int> cover, count;
};

Classes classes_at(std::span<const double> loads, double T, double grid) {
    Classes c;
    c.top = int(std::lround(1.0 / grid));
    std::vector<int64_t> level;
    for (double l : loads)
        level.push_back(int64_t(std::floor(l / T / grid)));
    std::sort(level.begin(), level.end());
    for (std::size_t i = 0; i < level.size();) {
        std::size_t j = i;
        while (j < level.size() && level[j] == level[i])
            ++j;
        c.cover.push_back(int(std::max<int64_t>(c.top - level[i], -(int64_t(1) << 28))));
        c.count.push_back(int(j - i));
        i = j;
    }
    return c;
}

// The pricing problem: the group type (a_k ≤ count[k], Σ a ≥ 2, Σ a_k·cover[k] ≥ top) maximising
// Σ y_k·a_k. Bounded knapsack by binary splitting of each class's count, over covered units clipped
// at top, classes with the least cover first (the negative ones never meet a clipped state).
struct Pricer {
    const Classes& c;
    std::vector<int> order;
    int low = 0, width = 0; // covered units from low to top

    explicit Pricer(const Classes& cl) : c(cl) {
        order.resize(c.cover.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](int a, int b) { return c.cover[std::size_t(a)] < c.cover[std::size_t(b)]; });
        int64_t neg = 0;
        for (std::size_t k = 0; k < c.cover.size(); ++k)
            neg += std::min(0, c.cover[k]) * int64_t(c.count[k]);
        low   = int(std::max<int64_t>(neg, -kMaxWidth));
        width = c.top - low + 1;
    }
    // The pricing keeps a predecessor per (split step, size state, covered unit): 4 bytes each. Beyond
    // kMaxTableBytes (the decode unit needs about 5 MB; a 2-slot unit of thousands of GPUs would need
    // more) it is not attempted, and the trial T proves nothing.
    static constexpr int64_t kMaxWidth      = 1 << 20;
    static constexpr int64_t kMaxTableBytes = int64_t(256) << 20;
    bool too_wide(int64_t neg) const {
        int64_t steps = 0;
        for (int n : c.count)
            for (int rem = n, t = 1; rem > 0; t *= 2)
                rem -= std::min(t, rem), ++steps;
        return neg < -kMaxWidth || steps * 3 * (int64_t(c.top) - neg + 1) * 4 > kMaxTableBytes;
    }

    // Returns the best value and the group type (counts per class), or −inf when none exists.
    double best(std::span<const double> y, std::vector<int>& a) const {
        constexpr double kNone = -1e300;
        const std::size_t W    = std::size_t(width);
        struct Step {
            int cls, take;
        };
        std::vector<Step> steps;
        for (int k : order)
            for (int rem = c.count[std::size_t(k)], t = 1; rem > 0; t *= 2) {
                const int take = std::min(t, rem);
                steps.push_back({k, take});
                rem -= take;
            }
        // value[s][u]: best Σ y·a with size state s (0, 1, ≥ 2 experts) and u − low units covered.
        std::vector<double> value(3 * W, kNone), next(3 * W);
        std::vector<int32_t> from(steps.size() * 3 * W, -1); // predecessor (s·W + u) when the step was taken
        value[std::size_t(0) * W + std::size_t(-low)] = 0;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const auto [k, take] = steps[i];
            const int64_t shift  = int64_t(c.cover[std::size_t(k)]) * take;
            const double gain    = y[std::size_t(k)] * take;
            next                 = value;
            int32_t* f           = from.data() + i * 3 * W;
            for (int s = 0; s < 3; ++s) {
                const int ds = std::min(2, s + take);
                for (std::size_t u = 0; u < W; ++u) {
                    const double v = value[std::size_t(s) * W + u];
                    if (v == kNone) continue;
                    const int64_t to = std::min<int64_t>(int64_t(u) + shift, int64_t(W) - 1);
                    if (to < 0) continue;
                    double& dst = next[std::size_t(ds) * W + std::size_t(to)];
                    if (v + gain > dst)
                        dst = v + gain, f[std::size_t(ds) * W + std::size_t(to)] = int32_t(std::size_t(s) * W + u);
                }
            }
            value.swap(next);
        }
        const double v = value[2 * W + W - 1];
        a.assign(c.cover.size(), 0);
        if (v == kNone) return v;
        std::size_t state = 2 * W + W - 1;
        for (std::size_t i = steps.size(); i-- > 0;) {
            const int32_t p = from[i * 3 * W + state];
            if (p < 0) continue; // this step was not taken on the best path into `state`
            a[std::size_t(steps[i].cls)] += steps[i].take;
            state = std::size_t(p);
        }
        return v;
    }
};

struct GlpDelete {
    void operator()(glp_prob* p) const { glp_delete_prob(p); }
};

// Whether the LP relaxation at T has no solution (true: T is infeasible for every placement).
bool lp_infeasible(std::span<const double> loads, int groups, double T, const LpFloorSpec& lp) {
    const Classes c = classes_at(loads, T, lp.grid);
    const int nk    = int(c.cover.size());
    const Pricer pricer(c);
    int64_t neg = 0;
    for (std::size_t k = 0; k < c.cover.size(); ++k)
        neg += std::min(0, c.cover[k]) * int64_t(c.count[k]);
    if (pricer.too_wide(neg)) return false;
    std::unique_ptr<glp_prob, GlpDelete> prob(glp_create_prob());
    glp_prob* P = prob.get();
    glp_set_obj_dir(P, GLP_MIN);
    glp_add_rows(P, nk + 1);
    for (int k = 0; k < nk; ++k)
        glp_set_row_bnds(P, k + 1, GLP_FX, c.count[std::size_t(k)], c.count[std::size_t(k)]);
    glp_set_row_bnds(P, nk + 1, GLP_FX, groups, groups);
    // Phase-1 slacks: each row ± 1 at cost 1.
    for (int r = 1; r <= nk + 1; ++r)
        for (const double sign : {1.0, -1.0}) {
            const int j = glp_add_cols(P, 1);
            glp_set_col_bnds(P, j, GLP_LO, 0, 0);
            glp_set_obj_coef(P, j, 1);
            int idx[2]    = {0, r};
            double val[2] = {0, sign};
            glp_set_mat_col(P, j, 1, idx, val);
        }
    std::vector<int> idx(std::size_t(nk) + 2);
    std::vector<double> val(std::size_t(nk) + 2);
    const auto add_group = [&](const std::vector<int>& a) {
        int n = 0;
        for (int k = 0; k < nk; ++k)
            if (a[std::size_t(k)] > 0) ++n, idx[std::size_t(n)] = k + 1, val[std::size_t(n)] = a[std::size_t(k)];
        ++n, idx[std::size_t(n)] = nk + 1, val[std::size_t(n)] = 1;
        const int j = glp_add_cols(P, 1);
        glp_set_col_bnds(P, j, GLP_LO, 0, 0);
        glp_set_mat_col(P, j, n, idx.data(), val.data());
    };
    std::vector<int> a(std::size_t(nk), 0);
    for (int i = 0; i < nk; ++i) // every pair type that covers
        for (int j = i; j < nk; ++j)
            if (c.cover[std::size_t(i)] + c.cover[std::size_t(j)] >= c.top &&
                (i != j || c.count[std::size_t(i)] >= 2)) {
                std::fill(a.begin(), a.end(), 0);
                ++a[std::size_t(i)], ++a[std::size_t(j)];
                add_group(a);
            }
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    std::vector<double> y(std::size_t(nk) + 1);
    for (int added = 0; added < lp.max_columns; ++added) {
        if (glp_simplex(P, &parm) != 0 || glp_get_status(P) != GLP_OPT) return false; // no proof
        if (glp_get_obj_val(P) < 1e-9) return false;                                  // a solution: no proof
        for (int r = 1; r <= nk + 1; ++r)
            y[std::size_t(r - 1)] = glp_get_row_dual(P, r);
        const double v = pricer.best(std::span<const double>(y.data(), std::size_t(nk)), a) + y[std::size_t(nk)];
        if (!(v > 1e-9)) return true; // no group type can lower the slacks: no solution
        add_group(a);
    }
    return false;
}

} // namespace

bool lp_floor_applies(const PlacementSpec& spec, int num_experts) {
    return is_tree_partition_unit(spec, num_experts);
}

double partition_lp_floor(std::span<const double> loads, const PlacementSpec& spec, const LpFloorSpec& lp) {
    if (!lp_floor_applies(spec, int(loads.size())))
        throw ConfigError("partition_lp_floor: needs exactly 2 slots on every GPU and fewer GPUs than experts");
    double lo = busiest_load_floor(loads, spec); // validates the spec and the loads
    if (lo <= 0) return lo;
    double hi = lo * lp.hi_over_floor;
    if (!lp_infeasible(loads, int(loads.size()) - spec.num_gpus, lo, lp)) return lo; // not even the floor's T
    for (int i = 0; i < lp.bisect_steps; ++i) {
        const double mid = 0.5 * (lo + hi);
        if (lp_infeasible(loads, int(loads.size()) - spec.num_gpus, mid, lp))
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

FloorSummary partition_lp_floor(const ExpertLoad& load, const PlacementSpec& spec, const LpFloorSpec& lp) {
    return floor_summary(load, spec, [&](std::span<const double> row) { return partition_lp_floor(row, spec, lp); });
}

} // namespace moetwin::balancer
