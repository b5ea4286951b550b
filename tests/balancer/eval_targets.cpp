// SPDX-License-Identifier: Apache-2.0
// Issue 16 targets, out of sample: every placement policy (and dynamic redundancy) fitted on one
// recorded run of ../shared/data/expert_load and evaluated on another (all ordered pairs), at the
// decode unit (144 GPUs, 18 nodes, 288 slots) and the prefill unit (32 GPUs, 4 nodes, 288 slots).
// Prints busiest-GPU / mean load (mean over the 58 MoE layers, then over pairs): `even` under the
// even split (round_robin's expectation, EPLB's model), `minmax` under load_aware's min-max split of
// the expected loads, `mm_worst` the worst pair, `mm_samephs` the mean over pairs of the same phase
// (prefill→prefill, decode→decode), and the CPU time per 58-layer placement (worst over fits).
// `dynH:policy` rows: dynamic redundancy with H experts hosted per GPU, the hosted set fitted on the
// first run (policy's placement + place_hosted), the active set chosen on the second run's loads
// (select_active: the loads of the run being served) and evaluated there; `select` is the CPU time
// of one active-set choice for 58 layers. `mm_in` is the in-sample figure (fitted and evaluated on
// the same run, mean over runs; `mm_in_dec` over the decode runs only): a policy fitted on run A
// cannot, except by luck, beat on run B what the same policy fitted on B itself reaches there. Not a ctest test:
// `build/bin/eval_balancer_targets [DIR]`.
#include "moe/expert_load_json.hpp"
#include "sim/balancer/active_set.hpp"
#include "sim/balancer/cross_eval.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement/eplb_core.hpp"
#include "sim/balancer/split_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace bal = moetwin::balancer;

namespace {

// This thread's CPU time in ms: the build machine is shared, so wall time would count other jobs.
double cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
}

struct Run {
    std::string name;
    moetwin::ExpertLoad load;
};

struct Unit {
    const char* name;
    bal::PlacementSpec spec;
};

// One policy at one unit: fit on every run (timed), evaluate on every other run.
void evaluate(const Unit& u, const bal::PlacementPolicy& pol, const std::vector<Run>& runs) {
    double even_sum = 0, split_sum = 0, split_max = 0, dec_split = 0, ms_max = 0, in_sum = 0, in_dec = 0;
    int pairs = 0, dec_pairs = 0, in_dec_runs = 0;
    for (const Run& a : runs) {
        const double t0        = cpu_ms();
        const bal::Placement p = pol.place(a.load, u.spec);
        const double ms        = cpu_ms() - t0;
        ms_max                 = std::max(ms_max, ms);
        bal::check_placement(p, u.spec);
        const double in = bal::busiest_over_mean(p, u.spec, a.load, bal::ReplicaSplitModel::MinMax).mean_ratio;
        in_sum += in;
        if (a.name.substr(0, 6) == "decode") in_dec += in, ++in_dec_runs;
        for (const Run& b : runs) {
            if (&a == &b) continue;
            const double even  = bal::busiest_over_mean(p, u.spec, b.load, bal::ReplicaSplitModel::Even).mean_ratio;
            const double split = bal::busiest_over_mean(p, u.spec, b.load, bal::ReplicaSplitModel::MinMax).mean_ratio;
            even_sum += even, split_sum += split, split_max = std::max(split_max, split), ++pairs;
            const bool same_phase = a.name.substr(0, 6) == b.name.substr(0, 6);
            if (same_phase) dec_split += split, ++dec_pairs;
        }
    }
    std::printf("%-8s %-22s %8.4f %8.4f %8.4f %10.4f %9.2f %8.4f %8.4f\n", u.name, std::string(pol.name).c_str(),
                even_sum / pairs, split_sum / pairs, split_max, dec_pairs ? dec_split / dec_pairs : 0.0, ms_max,
                in_sum / double(runs.size()), in_dec_runs ? in_dec / in_dec_runs : 0.0);
}

// Dynamic redundancy: hosted set fitted on run A by `pol` over hosted_per_gpu slots per GPU; the
// active set chosen from run B's loads (the recent loads of the run being served) and evaluated on B.
void evaluate_dynamic(const Unit& u, const bal::PlacementPolicy& pol, int hosted_per_gpu,
                      const std::vector<Run>& runs) {
    const bal::PlacementSpec hs = bal::hosted_spec(u.spec, hosted_per_gpu);
    double even_sum = 0, split_sum = 0, split_max = 0, same = 0, ms_max = 0, sel_ms_max = 0;
    int pairs = 0, same_pairs = 0;
    for (const Run& a : runs) {
        const double t0         = cpu_ms();
        const bal::Placement hp = bal::place_hosted(pol.place(a.load, u.spec), u.spec, hs, a.load);
        ms_max                  = std::max(ms_max, cpu_ms() - t0);
        for (const Run& b : runs) {
            if (&a == &b) continue;
            const double t1        = cpu_ms();
            const bal::Placement p = bal::select_active(hp, hs, u.spec, b.load);
            sel_ms_max             = std::max(sel_ms_max, cpu_ms() - t1);
            bal::check_placement(p, u.spec);
            const double even  = bal::busiest_over_mean(p, u.spec, b.load, bal::ReplicaSplitModel::Even).mean_ratio;
            const double split = bal::busiest_over_mean(p, u.spec, b.load, bal::ReplicaSplitModel::MinMax).mean_ratio;
            even_sum += even, split_sum += split, split_max = std::max(split_max, split), ++pairs;
            if (a.name.substr(0, 6) == b.name.substr(0, 6)) same += split, ++same_pairs;
        }
    }
    const std::string name = "dyn" + std::to_string(hosted_per_gpu) + ":" + std::string(pol.name);
    std::printf("%-8s %-22s %8.4f %8.4f %8.4f %10.4f %9.2f (select %.2f ms)\n", u.name, name.c_str(), even_sum / pairs,
                split_sum / pairs, split_max, same_pairs ? same / same_pairs : 0.0, ms_max, sel_ms_max);
}

// The out-of-sample floor of EPLB's replica counts at a unit, per ordered pair of same-phase runs
// (fit A, evaluate B), mean over layers: `counts_lb` = max over experts of load_B(e) / replicas_A(e)
// over B's mean GPU load, a lower bound for any packing and any split of A's counts on B (an expert's
// load lands on the GPUs of its replicas, each carrying at most the busiest GPU's load);
// `need@T` = extra copies B's own loads need for a busiest GPU of T × mean (the unit's target) (ceil(load / level)
// − 1 per expert), `lack` = those A's counts do not give, `layers_out` = layers where A's counts
// rule T out; means over the pairs.
void counts_floor(const Unit& u, const std::vector<Run>& runs, const char* phase, double target) {
    std::vector<int> rep, rank, count;
    double sum_lb = 0, sum_need = 0, sum_lack = 0;
    int pairs = 0, sum_out = 0, layers = 0;
    for (const Run& a : runs)
        for (const Run& b : runs) {
            if (&a == &b || a.name.rfind(phase, 0) != 0 || b.name.rfind(phase, 0) != 0) continue;
            double lb = 0, need = 0, lack = 0;
            int out = 0;
            for (int l = 0; l < a.load.num_layers; ++l) {
                bal::eplb::replicate_experts(a.load.layer(l), u.spec.num_slots, rep, rank, count);
                const auto w = b.load.layer(l);
                double total = 0, worst = 0;
                for (double x : w)
                    total += x;
                const double mean = total / u.spec.num_gpus, level = target * mean;
                bool ruled_out = false;
                for (int e = 0; e < b.load.num_experts; ++e) {
                    worst            = std::max(worst, w[std::size_t(e)] / count[std::size_t(e)]);
                    const int needed = std::max(1, int(std::ceil(w[std::size_t(e)] / level)));
                    need += needed - 1;
                    lack += std::max(0, needed - count[std::size_t(e)]);
                    ruled_out |= needed > count[std::size_t(e)];
                }
                lb += worst / mean;
                out += ruled_out;
            }
            const double n = a.load.num_layers;
            sum_lb += lb / n, sum_need += need / n, sum_lack += lack / n, sum_out += out, layers = a.load.num_layers;
            ++pairs;
        }
    if (pairs == 0) return;
    std::printf("%-8s floor of EPLB's counts, %s runs, %d pairs: counts_lb %.4f need@%.2f %.1f lack %.1f "
                "layers_out %.1f/%d\n",
                u.name, phase, pairs, sum_lb / pairs, target, sum_need / pairs, sum_lack / pairs,
                double(sum_out) / pairs, layers);
}

// The same floor for leave-one-out: replica counts fitted on every other run (of any phase) pooled
// per expert by their largest normalised share (cross_eval's PoolRule::Max), evaluated on each
// held-out run of `phase`; mean over those runs.
void counts_floor_loo(const Unit& u, const std::vector<Run>& runs, const char* phase) {
    std::vector<int> rep, rank, count;
    double sum = 0;
    int held   = 0;
    for (const Run& b : runs) {
        if (b.name.rfind(phase, 0) != 0) continue;
        std::vector<const moetwin::ExpertLoad*> rest;
        for (const Run& a : runs)
            if (&a != &b) rest.push_back(&a.load);
        const moetwin::ExpertLoad fit = bal::pooled_load(rest, bal::PoolRule::Max);
        double lb                     = 0;
        for (int l = 0; l < b.load.num_layers; ++l) {
            bal::eplb::replicate_experts(fit.layer(l), u.spec.num_slots, rep, rank, count);
            const auto w = b.load.layer(l);
            double total = 0, worst = 0;
            for (int e = 0; e < b.load.num_experts; ++e)
                total += w[std::size_t(e)], worst = std::max(worst, w[std::size_t(e)] / count[std::size_t(e)]);
            lb += worst / (total / u.spec.num_gpus);
        }
        sum += lb / b.load.num_layers, ++held;
    }
    if (held > 0)
        std::printf(
            "%-8s floor of EPLB's counts fitted on the other 7 runs max-pooled, held-out %s runs: counts_lb %.4f\n",
            u.name, phase, sum / held);
}

} // namespace

int main(int argc, char** argv) {
    const std::filesystem::path dir =
        argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::path(MOETWIN_SHARED_DIR) / "data/expert_load";
    std::vector<Run> runs;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".json")
            runs.push_back({e.path().stem().string(), moetwin::drop_empty_layers(moetwin::load_expert_load(e.path()))});
    std::sort(runs.begin(), runs.end(), [](const Run& x, const Run& y) { return x.name < y.name; });
    if (runs.size() < 2) {
        std::fprintf(stderr, "need >= 2 recorded runs in %s\n", dir.c_str());
        return 1;
    }
    std::printf("%zu runs, %zu ordered (fit, eval) pairs; busiest/mean, mean over MoE layers\n", runs.size(),
                runs.size() * (runs.size() - 1));
    std::printf("%-8s %-22s %8s %8s %8s %10s %9s %8s %8s\n", "unit", "policy", "even", "minmax", "mm_worst",
                "mm_samephs", "ms/place", "mm_in", "mm_in_dec");
    const Unit units[] = {{"decode", {288, 8, 18, 144}}, {"prefill", {288, 8, 4, 32}}};
    for (const Unit& u : units)
        for (const bal::PlacementPolicy& pol : bal::placement_policies()) {
            if (pol.name == "none" || pol.name == "replicate_hottest") continue;
            try {
                evaluate(u, pol, runs);
            } catch (const std::exception& e) {
                std::printf("%-8s %-22s (%s)\n", u.name, std::string(pol.name).c_str(), e.what());
            }
        }
    counts_floor(units[0], runs, "decode", 1.10);
    counts_floor(units[1], runs, "prefill", 1.05);
    counts_floor_loo(units[0], runs, "decode");
    for (const Unit& u : units)
        for (int h : {u.spec.max_slots_per_gpu() + 1, 2 * u.spec.max_slots_per_gpu(), 16})
            for (const char* pol : {"eplb_global", "lpt_swap"})
                evaluate_dynamic(u, bal::find_placement_policy(pol), h, runs);
    return 0;
}
