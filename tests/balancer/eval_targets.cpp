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
// cannot, except by luck, beat on run B what the same policy fitted on B itself reaches there.
// `floor (any placement)` rows: placement_floor.hpp's lower bound on each evaluated run (no
// placement of the unit's slots, whatever its counts, pairing and split, goes below it there).
// `decode active sweep`: the decode unit with 2, 3 and 4 active slots per GPU (288, 432, 576), its
// floor and policies in and out of sample, and dynamic redundancy with H hosted, the active set
// chosen from the exact loads of the run served or from a sample of its last N steps
// (recent_load.hpp, N = 1, 10, 100 decode steps of 144 × 128 × 8 pairs). Not a ctest test:
// `build/bin/eval_balancer_targets [DIR] [--quick]` (--quick: the floor rows and the sweep only).
#include "moe/expert_load_json.hpp"
#include "sim/balancer/active_set.hpp"
#include "sim/balancer/cross_eval.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement/eplb_core.hpp"
#include "sim/balancer/placement_floor.hpp"
#include "sim/balancer/recent_load.hpp"
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

// The floor under every placement at a unit, laid out as evaluate()'s row: each pair's value is
// the floor of its evaluated run.
void floor_row(const Unit& u, const std::vector<Run>& runs) {
    std::vector<double> f;
    std::vector<int> above; // layers whose floor exceeds the unit's target (decode 1.10, prefill 1.05)
    const double target = u.spec.num_gpus == 144 ? 1.10 : 1.05;
    for (const Run& r : runs) {
        const bal::FloorSummary fs = bal::placement_floor(r.load, u.spec);
        f.push_back(fs.mean_ratio);
        above.push_back(
            int(std::count_if(fs.layer_ratio.begin(), fs.layer_ratio.end(), [&](double x) { return x > target; })));
    }
    double out = 0, worst = 0, same = 0, in = 0, in_dec = 0;
    int pairs = 0, same_pairs = 0, dec = 0;
    for (std::size_t a = 0; a < runs.size(); ++a) {
        in += f[a];
        if (runs[a].name.substr(0, 6) == "decode") in_dec += f[a], ++dec;
        for (std::size_t b = 0; b < runs.size(); ++b) {
            if (a == b) continue;
            out += f[b], worst = std::max(worst, f[b]), ++pairs;
            if (runs[a].name.substr(0, 6) == runs[b].name.substr(0, 6)) same += f[b], ++same_pairs;
        }
    }
    std::printf("%-8s %-22s %8s %8.4f %8.4f %10.4f %9s %8.4f %8.4f\n", u.name, "floor (any placement)", "-",
                out / pairs, worst, same_pairs ? same / same_pairs : 0.0, "-", in / double(runs.size()),
                dec ? in_dec / dec : 0.0);
    for (std::size_t a = 0; a < runs.size(); ++a)
        std::printf("%-8s   floor on %-22s %.4f (layers above %.2f: %d of %d)\n", u.name, runs[a].name.c_str(), f[a],
                    target, above[a], runs[a].load.num_layers);
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

// Issue 16's decode target against the active slots per GPU: the decode unit (144 GPUs, 18 nodes)
// with `active` slots on every GPU. Prints, mean over the two decode runs (in) or their two ordered
// pairs (out): the floor; eplb_global and joint_minmax (and at 2 active tree_partition, at 3 and 4
// replica_ring) fitted in sample
// and on the other run; then
// per hosted count H > active, dynamic redundancy (hosted set: eplb_global + place_hosted, fitted
// in sample or on the other run) with the active set chosen on the served run's exact loads (N=inf)
// or on a sample of its last N steps, evaluated on its exact loads (minmax split).
void decode_active_sweep(const std::vector<Run>& runs) {
    std::vector<const Run*> dec;
    for (const Run& r : runs)
        if (r.name.rfind("decode", 0) == 0) dec.push_back(&r);
    if (dec.size() < 2) return;
    const auto mm = [](const bal::Placement& p, const bal::PlacementSpec& s, const moetwin::ExpertLoad& l) {
        return bal::busiest_over_mean(p, s, l, bal::ReplicaSplitModel::MinMax).mean_ratio;
    };
    std::printf("\ndecode active sweep (144 GPUs, 18 nodes; busiest/mean under the minmax split, mean over layers "
                "and over the %zu decode runs (in) or their ordered pairs (out))\n",
                dec.size());
    const int steps[] = {1, 10, 100};
    for (int active : {2, 3, 4}) {
        const Unit u{"decode", {144 * active, 8, 18, 144}};
        double floor_in = 0;
        for (const Run* r : dec)
            floor_in += bal::placement_floor(r->load, u.spec).mean_ratio / double(dec.size());
        std::printf("active %d/GPU (%d slots): floor (any placement) in %.4f", active, u.spec.num_slots, floor_in);
        for (const char* pol : {"eplb_global", "joint_minmax", "tree_partition", "replica_ring"}) {
            if (active != 2 && std::string(pol) == "tree_partition") continue; // joint_minmax there
            if (active == 2 && std::string(pol) == "replica_ring") continue;   // tree_partition there
            double in = 0, out = 0;
            int pairs = 0;
            for (const Run* a : dec) {
                const bal::Placement p = bal::find_placement_policy(pol).place(a->load, u.spec);
                in += mm(p, u.spec, a->load) / double(dec.size());
                for (const Run* b : dec)
                    if (a != b) out += mm(p, u.spec, b->load), ++pairs;
            }
            std::printf("; %s in %.4f out %.4f", pol, in, out / pairs);
        }
        std::printf("\n");
        for (int hosted : {4, 6, 8, 16}) {
            if (hosted <= active) continue;
            const bal::PlacementSpec hs = bal::hosted_spec(u.spec, hosted);
            double in = 0, out = 0, sampled[3] = {0, 0, 0};
            int pairs        = 0;
            double select_ms = 0;
            for (const Run* a : dec) {
                const bal::Placement base = bal::find_placement_policy("eplb_global").place(a->load, u.spec);
                const bal::Placement hp   = bal::place_hosted(base, u.spec, hs, a->load);
                in += mm(bal::select_active(hp, hs, u.spec, a->load), u.spec, a->load) / double(dec.size());
                for (const Run* b : dec) {
                    if (a == b) continue;
                    const double t0 = cpu_ms();
                    out += mm(bal::select_active(hp, hs, u.spec, b->load), u.spec, b->load);
                    select_ms = std::max(select_ms, cpu_ms() - t0);
                    for (int i = 0; i < 3; ++i) {
                        bal::RecentLoadSpec rs;
                        rs.steps                      = steps[i];
                        const moetwin::ExpertLoad obs = bal::sample_recent_load(b->load, rs);
                        sampled[i] += mm(bal::select_active(hp, hs, u.spec, obs), u.spec, b->load);
                    }
                    ++pairs;
                }
            }
            std::printf("  hosted %2d: in %.4f; out N=inf %.4f, N=1 %.4f, N=10 %.4f, N=100 %.4f (select %.0f ms)\n",
                        hosted, in, out / pairs, sampled[0] / pairs, sampled[1] / pairs, sampled[2] / pairs, select_ms);
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    // --quick: the floor rows and the decode active sweep only (skips the policy table and counts floors).
    const bool quick = argc > 1 && std::string(argv[argc - 1]) == "--quick";
    const int nargs  = quick ? argc - 1 : argc;
    const std::filesystem::path dir =
        nargs > 1 ? std::filesystem::path(argv[1]) : std::filesystem::path(MOETWIN_SHARED_DIR) / "data/expert_load";
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
            if (quick) break;
            if (pol.name == "none" || pol.name == "replicate_hottest") continue;
            try {
                evaluate(u, pol, runs);
            } catch (const std::exception& e) {
                std::printf("%-8s %-22s (%s)\n", u.name, std::string(pol.name).c_str(), e.what());
            }
        }
    for (const Unit& u : units)
        floor_row(u, runs);
    if (quick) {
        decode_active_sweep(runs);
        return 0;
    }
    counts_floor(units[0], runs, "decode", 1.10);
    counts_floor(units[1], runs, "prefill", 1.05);
    counts_floor_loo(units[0], runs, "decode");
    for (const Unit& u : units)
        for (int h : {u.spec.max_slots_per_gpu() + 1, 2 * u.spec.max_slots_per_gpu(), 16})
            for (const char* pol : {"eplb_global", "lpt_swap"})
                evaluate_dynamic(u, bal::find_placement_policy(pol), h, runs);
    decode_active_sweep(runs);
    return 0;
}
