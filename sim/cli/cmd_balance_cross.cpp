// SPDX-License-Identifier: Apache-2.0
// `moetwin balance cross`: every placement policy fitted on one recorded run and judged on the others
// (ordered pairs and leave-one-out), for the production decode and prefill units; `moetwin balance
// mix`: a placement going stale while one recorded run turns into another, against re-placing every
// N minutes with its migration traffic (issue 16 item 4); `moetwin balance place`: a policy's
// placement as the JSON balancer.policy "file" reads, and the request a placement command reads (item 5).
#include "sim/cli/commands.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "moe/expert_load_json.hpp"
#include "sim/balancer/cross_eval.hpp"
#include "sim/balancer/dynamic_rebalance.hpp"
#include "sim/balancer/external/placement_command.hpp"
#include "sim/balancer/external/placement_json.hpp"
#include "sim/balancer/load_mix.hpp"
#include "sim/balancer/partition_lp_floor.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

namespace moetwin::cli {
namespace {

namespace bal = moetwin::balancer;
namespace fs  = std::filesystem;
using nlohmann::json;

// The production units (reference §3, Day-6 overview): decode 18 nodes / EP144, prefill 4 nodes /
// EP32, both 256 + 32 redundant = 288 expert slots; 8 gate groups (reference §1.2).
struct Unit {
    const char* name;
    bal::PlacementSpec spec;
};
constexpr Unit kUnits[] = {{"decode", {288, 8, 18, 144}}, {"prefill", {288, 8, 4, 32}}};

const Unit& unit_named(const std::string& n) {
    for (const Unit& u : kUnits)
        if (n == u.name) return u;
    throw ConfigError("balance: --unit: expected decode or prefill, got \"" + n + "\"");
}

// Every *.json of `dir`, sorted by name, MoE layers only.
std::vector<bal::RecordedRun> read_runs(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw ConfigError("balance cross: --data: \"" + dir.string() + "\" is no folder");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<bal::RecordedRun> runs;
    for (const auto& f : files)
        runs.push_back({f.stem().string(), drop_empty_layers(load_expert_load(f))});
    return runs;
}

std::vector<bal::Placer> placers_of(const std::vector<std::string>& policies, const std::string& command,
                                    double timeout_s) {
    std::vector<bal::Placer> out =
        policies.size() == 1 && policies[0] == "-" ? std::vector<bal::Placer>{} : bal::registered_placers(policies);
    if (!command.empty()) {
        bal::CommandSpec cmd;
        std::istringstream in(command);
        for (std::string a; in >> a;)
            cmd.argv.push_back(a);
        cmd.timeout_s = timeout_s;
        cmd.validate();
        out.push_back({"command", [cmd](const ExpertLoad& l, const bal::PlacementSpec& s) {
                           return bal::place_with_command(cmd, l, s);
                       }});
    }
    return out;
}

json pairs_json(const std::vector<bal::PairRatio>& v) {
    json a = json::array();
    for (const auto& p : v)
        a.push_back({{"fit", p.fit}, {"eval", p.eval}, {"busiest_over_mean", p.ratio}});
    return a;
}

// Out-of-sample mean per (fit phase -> eval phase), e.g. "prefill->decode 1.71 (12)", then
// leave-one-out per held-out phase ("LOO->decode").
std::string phase_pairs(const bal::CrossResult& r) {
    std::vector<std::pair<std::string, std::pair<double, int>>> acc;
    const auto phase                = [](const std::string& run) { return run.substr(0, run.find('_')); };
    std::vector<bal::PairRatio> all = r.out;
    for (bal::PairRatio p : r.loo)
        all.push_back({"LOO", p.eval, p.ratio});
    for (const auto& p : all) {
        const std::string key = phase(p.fit) + "->" + phase(p.eval);
        auto it               = std::find_if(acc.begin(), acc.end(), [&](const auto& a) { return a.first == key; });
        if (it == acc.end()) it = acc.insert(acc.end(), {key, {0.0, 0}});
        it->second.first += p.ratio, ++it->second.second;
    }
    std::string out;
    for (const auto& [key, v] : acc) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%s%s %.4f (%d)", out.empty() ? "" : ", ", key.c_str(), v.first / v.second,
                      v.second);
        out += buf;
    }
    return out;
}

// A floor row (floor_result): no placement, so no split; it bounds every split alike.
bool is_floor(const bal::CrossResult& r) {
    return r.policy == bal::kFloorRowName || r.policy == bal::kLpFloorRowName;
}

void print_cross(const Unit& u, const std::string& phase, std::vector<bal::CrossResult> rs,
                 const std::vector<bal::CrossResult>& floors, std::size_t n, double drift_sigma) {
    rs.insert(rs.end(), floors.begin(), floors.end());
    std::cout << "\nunit " << u.name << ": " << u.spec << "; runs of phase " << (phase.empty() ? "any" : phase) << ": "
              << n << " (" << n * (n - 1) << " ordered pairs)\n";
    const std::string eplb = u.spec.num_groups % u.spec.num_nodes == 0 ? "eplb_hierarchical" : "eplb_global";
    double eplb_out        = 0;
    for (const auto& r : rs)
        if (r.policy == eplb && r.skipped.empty()) eplb_out = r.out_mean();
    const bool drift = drift_sigma > 0;
    std::printf("%-21s %-6s %9s %9s %9s %8s %9s %9s  %-44s %8s %8s%s\n", "policy", "split", "in-sample", "out mean",
                "out worst", "vs EPLB", "LOO mean", "LOO worst", "worst pair (fit -> eval)", "fit ms", "max ms",
                drift ? "  drift mean drift worst" : "");
    for (const auto& r : rs) {
        if (!r.skipped.empty()) {
            std::printf("%-21s skipped: %s\n", r.policy.c_str(), r.skipped.c_str());
            continue;
        }
        char gain[16] = "-";
        if (eplb_out > 0) std::snprintf(gain, sizeof gain, "%+.1f%%", 100 * (r.out_mean() / eplb_out - 1));
        const auto* w           = r.worst_pair();
        const std::string split = is_floor(r) ? "-" : std::string(table_name(bal::kReplicaSplitNames, r.split));
        std::printf("%-21s %-6s %9.4f %9.4f %9.4f %8s %9.4f %9.4f  %-44s %8.2f %8.2f", r.policy.c_str(), split.c_str(),
                    r.in_mean(), r.out_mean(), r.out_worst(), gain, r.loo_mean(), r.loo_worst(),
                    (w->fit + " -> " + w->eval).c_str(), r.fit_median_s() * 1e3, r.fit_max_s() * 1e3);
        if (drift && !r.drift.empty()) std::printf("  %10.4f %11.4f", r.drift_mean(), r.drift_worst());
        std::printf("\n");
    }
    if (phase.empty()) {
        std::cout << "out of sample by phase (fit -> eval: mean (pairs)):\n";
        for (const auto& r : rs)
            if (r.skipped.empty()) std::printf("  %-21s %s\n", r.policy.c_str(), phase_pairs(r).c_str());
    }
    std::cout << "floor (any placement): a lower bound on busiest/mean that no placement of this unit's slots reaches "
                 "below, whatever its replica counts, pairing and split, on each evaluated run's own loads "
                 "(sim/balancer/placement_floor.hpp); a policy's gap to it is what placement can still gain\n";
    if (floors.size() > 1)
        std::cout << "LP floor (2 slots): the configuration-LP bound of the exact 2-slot problem (a partition of "
                     "the experts into E - G groups; sim/balancer/partition_lp_floor.hpp), never below the floor "
                     "above: no placement reaches below it either\n";
    if (drift)
        std::printf("drift: fitted on a run, measured on that run with every expert's load drifted by a log-normal "
                    "factor of σ = %g (same in expectation), mean over the seeded draws; mean and worst over runs\n",
                    drift_sigma);
}

void run_cross(const std::string& data, const std::string& scope, const std::vector<std::string>& units,
               const std::vector<std::string>& policies, const std::string& command, double timeout_s, int repeats,
               const std::string& split, const std::string& pool, double drift_sigma, int drift_draws, bool lp_floor,
               const std::string& json_path) {
    // "policy": each placer under the split its placement is built for (CrossSpec::split unset).
    const std::optional<bal::ReplicaSplitModel> model =
        split == "policy" ? std::nullopt
                          : std::optional(table_parse(bal::kReplicaSplitNames, split, "balance cross --split"));
    const bal::PoolRule pool_rule = table_parse(bal::kPoolRuleNames, pool, "balance cross --pool");
    if (scope != "phase" && scope != "all")
        throw ConfigError("balance cross: --scope: expected phase or all, got \"" + scope + "\"");
    const auto runs    = read_runs(data);
    const auto placers = placers_of(policies, command, timeout_s);
    json out           = {{"data", data}, {"scope", scope}, {"split", split}, {"pool", pool}, {"units", json::array()}};
    std::cout
        << "busiest GPU / mean GPU load (split \"" << split << "\": "
        << (model ? std::string(table_entry(bal::kReplicaSplitNames, *model).description)
                  : "each policy under the split its placement is built for: even (each replica carries load / "
                    "replica count: round_robin, EPLB's model) for EPLB's policies and a placement command, "
                    "minmax (load_aware's exact min-max split) for the policies placed for it")
        << "), mean over MoE layers.\n"
           "in-sample: fitted and measured on the same run; out: fitted on one run, measured on another, mean "
           "and worst over ordered pairs; LOO: fitted on the other runs of the scope pooled (each normalised; --pool), "
           "measured on the held-out one; vs EPLB: out mean relative to deepseek-ai/EPLB's choice; fit ms: "
           "median and max over runs of one placement of all MoE layers (fastest of "
        << repeats << ")\n";
    for (const std::string& un : units) {
        const Unit& u = unit_named(un);
        bal::CrossSpec cs{u.name,  u.spec, scope == "phase" ? std::string(u.name) : std::string(),
                          repeats, model,  pool_rule};
        cs.drift_sigma = drift_sigma, cs.drift_draws = drift_draws;
        const auto rs             = bal::cross_evaluate(runs, placers, cs);
        const bal::CrossResult fl = bal::floor_result(runs, cs);
        std::vector<bal::CrossResult> floors{fl};
        const bool lp = lp_floor && bal::lp_floor_applies(cs.spec, runs.empty() ? 0 : runs[0].load.num_experts);
        if (lp) floors.push_back(bal::floor_result(runs, cs, true));
        std::size_t n = 0;
        json names    = json::array();
        for (const auto& r : runs)
            if (cs.phase.empty() || r.phase() == cs.phase) ++n, names.push_back(r.name);
        print_cross(u, cs.phase, rs, floors, n, drift_sigma);
        json ju = {{"unit", u.name},
                   {"num_slots", u.spec.num_slots},
                   {"num_gpus", u.spec.num_gpus},
                   {"num_nodes", u.spec.num_nodes},
                   {"num_groups", u.spec.num_groups},
                   {"runs", names},
                   {"floor",
                    {{"in_sample", {{"mean", fl.in_mean()}, {"runs", pairs_json(fl.in)}}},
                     {"out_of_sample", {{"mean", fl.out_mean()}, {"worst", fl.out_worst()}}},
                     {"leave_one_out", {{"mean", fl.loo_mean()}, {"worst", fl.loo_worst()}}}}},
                   {"policies", json::array()}};
        if (lp) {
            const bal::CrossResult& l = floors.back();
            ju["lp_floor"]            = {{"in_sample", {{"mean", l.in_mean()}, {"runs", pairs_json(l.in)}}},
                                         {"out_of_sample", {{"mean", l.out_mean()}, {"worst", l.out_worst()}}},
                                         {"leave_one_out", {{"mean", l.loo_mean()}, {"worst", l.loo_worst()}}}};
        }
        if (drift_sigma > 0) {
            ju["drift"]          = {{"sigma", drift_sigma}, {"draws", drift_draws}};
            ju["floor"]["drift"] = {
                {"mean", fl.drift_mean()}, {"worst", fl.drift_worst()}, {"runs", pairs_json(fl.drift)}};
        }
        for (const auto& r : rs) {
            json jp = {{"policy", r.policy}, {"split", table_name(bal::kReplicaSplitNames, r.split)}};
            if (!r.skipped.empty()) {
                jp["skipped"] = r.skipped;
            } else {
                jp["in_sample"]     = {{"mean", r.in_mean()}, {"runs", pairs_json(r.in)}};
                jp["out_of_sample"] = {{"mean", r.out_mean()}, {"worst", r.out_worst()}, {"pairs", pairs_json(r.out)}};
                jp["leave_one_out"] = {{"mean", r.loo_mean()}, {"worst", r.loo_worst()}, {"runs", pairs_json(r.loo)}};
                jp["fit_s"]         = {{"median", r.fit_median_s()}, {"max", r.fit_max_s()}, {"runs", r.fit_s}};
                if (drift_sigma > 0)
                    jp["drift"] = {{"mean", r.drift_mean()}, {"worst", r.drift_worst()}, {"runs", pairs_json(r.drift)}};
            }
            ju["policies"].push_back(jp);
        }
        out["units"].push_back(ju);
    }
    if (!json_path.empty()) write_file_atomic(json_path, out.dump(1) + "\n");
}

void run_mix(const std::string& from, const std::string& to, const std::string& unit, const std::string& policy,
             std::vector<int> intervals, bool incremental, const std::string& split, const bal::MixSpec& mix,
             const std::string& json_path) {
    const Unit& u                   = unit_named(unit);
    const bal::PlacementPolicy& pol = bal::find_placement_policy(policy);
    // "policy": the split the policy's placement is built for, as in balance cross.
    const bal::ReplicaSplitModel model =
        split == "policy" ? (pol.min_max_split ? bal::ReplicaSplitModel::MinMax : bal::ReplicaSplitModel::Even)
                          : table_parse(bal::kReplicaSplitNames, split, "balance mix --split");
    const ExpertLoad a     = drop_empty_layers(load_expert_load(from));
    const ExpertLoad b     = drop_empty_layers(load_expert_load(to));
    const auto minutes     = bal::mixed_loads(a, b, mix);
    const bal::PlaceFn fit = pol.place;
    if (intervals.empty()) intervals = {5, 10, 20, 30};
    std::cout << "loads: " << from << " turning into " << to << " over " << mix.num_minutes << " minutes; " << mix
              << "\nunit " << u.name << ": " << u.spec << "; policy " << policy << (incremental ? " (incremental)" : "")
              << ", fitted at minute 0 on " << from
              << "; re-placing every N minutes on the loads observed since; split "
              << table_name(bal::kReplicaSplitNames, model) << "\n";
    std::printf("%-22s %10s %10s %10s %10s %10s %10s %10s %9s %10s\n", "placement", "mean b/m", "worst min", "last min",
                "moved GB", "IB GB", "slowest s", "pause s", "step +%", "b/m×pause");
    json out         = {{"from", from},
                        {"to", to},
                        {"unit", u.name},
                        {"policy", policy},
                        {"split", table_name(bal::kReplicaSplitNames, model)},
                        {"minutes", mix.num_minutes},
                        {"timelines", json::array()}};
    bool static_done = false;
    for (int n : intervals) {
        bal::RebalanceSpec rs;
        rs.interval_minutes = n;
        rs.window_minutes   = n;
        rs.place            = fit;
        rs.incremental      = incremental;
        rs.split            = model;
        const auto tl       = bal::simulate_rebalancing(a, u.spec, minutes, rs);
        const auto report   = [&](const std::string& label, bool dynamic) {
            double mean = 0, worst = 0, gb = 0, ib = 0, slow = 0;
            json ratios = json::array();
            for (const auto& m : tl) {
                const double r = dynamic ? m.dynamic_ratio : m.static_ratio;
                mean += r / double(tl.size());
                worst = std::max(worst, r);
                ratios.push_back(r);
                if (dynamic)
                    gb += m.moved.bytes / 1e9, ib += m.moved.bytes_ib / 1e9, slow = std::max(slow, m.moved.time_s);
            }
            const double last             = dynamic ? tl.back().dynamic_ratio : tl.back().static_ratio;
            const bal::MigrationCharge ch = dynamic ? bal::charge_migrations(tl) : bal::MigrationCharge{};
            std::printf("%-22s %10.4f %10.4f %10.4f %10.2f %10.2f %10.3f %10.3f %9.4f %10.4f\n", label.c_str(), mean,
                          worst, last, gb, ib, slow, ch.pause_s, 100 * (ch.step_factor - 1), mean * ch.step_factor);
            out["timelines"].push_back({{"interval_minutes", dynamic ? n : 0},
                                        {"mean_busiest_over_mean", mean},
                                        {"worst_minute", worst},
                                        {"moved_GB", gb},
                                        {"moved_ib_GB", ib},
                                        {"slowest_migration_s", slow},
                                        {"migration_pause_s", ch.pause_s},
                                        {"step_time_factor", ch.step_factor},
                                        {"busiest_over_mean", ratios}});
        };
        if (!static_done) {
            report("static (minute 0)", false);
            static_done       = true;
            std::string curve = "  static placement going stale, b/m at minute";
            for (int k = 0; k < int(tl.size()); k += std::max(1, int(tl.size()) / 6))
                curve += " " + std::to_string(k) + ": " + std::to_string(tl[std::size_t(k)].static_ratio).substr(0, 6);
            std::cout << curve << ", " << tl.size() - 1 << ": " << std::to_string(tl.back().static_ratio).substr(0, 6)
                      << '\n';
        }
        report("every " + std::to_string(n) + " min", true);
    }
    std::cout
        << "b/m: busiest GPU / mean GPU load, mean over MoE layers, per minute (mean, worst, last minute); moved: "
           "expert weights copied in all re-placements (FP8, 44 MB each), IB: of which over InfiniBand; slowest: "
           "the longest migration (busiest GPU's copies, sim/balancer/migration.hpp); pause: all migrations charged as "
           "pauses of the unit (sim/balancer/dynamic_rebalance.hpp says why not overlapped), step +%: the amortised "
           "step-time increase they cause (pause / serving time); b/m×pause: mean b/m × (1 + that), the busiest GPU's "
           "time per unit of work with the pauses\n";
    if (!json_path.empty()) write_file_atomic(json_path, out.dump(1) + "\n");
}

} // namespace

void add_balance_cross_commands(CLI::App& parent) {
    struct CrossOptions {
        std::string data = "../shared/data/expert_load", scope = "phase", command, json, split = "policy",
                    pool               = "mean";
        std::vector<std::string> units = {"decode", "prefill"}, policies;
        double timeout_s = 60, drift = 0;
        int repeats = 3, drift_draws = 4;
        bool lp_floor = false;
    };
    auto o    = std::make_shared<CrossOptions>();
    auto* cmd = parent.add_subcommand("cross", "every placement policy fitted on one recorded run, judged on others");
    cmd->add_option("--data", o->data, "folder of expert-load JSON runs (default ../shared/data/expert_load)");
    cmd->add_option("--scope", o->scope,
                    "phase (default): a unit is judged on its own phase's runs (decode_* / prefill_*); all: every run");
    cmd->add_option("--unit", o->units, "decode and/or prefill (default both)");
    cmd->add_option("--policy", o->policies,
                    "placement policy, repeatable (default: all; \"-\": none, with --command)");
    cmd->add_option("--command", o->command, "also judge a placement command (argv split on spaces; no shell)");
    cmd->add_option("--command-timeout", o->timeout_s, "seconds before the command is killed (default 60)");
    cmd->add_option("--repeats", o->repeats, "fitting time: fastest of this many fits (default 3)");
    cmd->add_option("--json", o->json, "write every ratio (per pair, per run) as JSON");
    cmd->add_option("--split", o->split,
                    "how replicas share an expert's load when measured: policy (default: each policy under the "
                    "split it is built for, shown in the table's split column), even (round_robin, EPLB's model) or "
                    "minmax (the load_aware dispatch's exact min-max split) for all");
    cmd->add_option("--pool", o->pool,
                    "leave-one-out fitting load from the other runs: mean (default; their normalised sum) or max "
                    "(per expert, the largest share any of them gave it)");
    cmd->add_option("--drift", o->drift,
                    "also measure each placement on its own run with every expert's load drifted by a log-normal "
                    "factor of this relative σ (e.g. 0.02), same in expectation: how much of the in-sample figure "
                    "survives a run that differs by that much (default 0: not measured)");
    cmd->add_option("--drift-draws", o->drift_draws, "seeded drifted copies per run, averaged (default 4)");
    cmd->add_flag("--lp-floor", o->lp_floor,
                  "also the configuration-LP floor of units with exactly 2 slots per GPU (the decode unit): far "
                  "tighter than the floor row, about a second per layer and run");
    cmd->callback([o] {
        run_cross(o->data, o->scope, o->units, o->policies, o->command, o->timeout_s, o->repeats, o->split, o->pool,
                  o->drift, o->drift_draws, o->lp_floor, o->json);
    });

    struct MixOptions {
        std::string from, to, unit = "decode", policy = "eplb", json, split = "policy";
        std::vector<int> intervals;
        bool incremental = false;
        bal::MixSpec mix;
    };
    auto m   = std::make_shared<MixOptions>();
    auto* mc = parent.add_subcommand("mix", "a placement going stale as one recorded run turns into another; "
                                            "re-placing every N minutes");
    mc->add_option("--from", m->from, "expert-load JSON of minute 0 (the placement is fitted on it)")->required();
    mc->add_option("--to", m->to, "expert-load JSON of the last minute")->required();
    mc->add_option("--unit", m->unit, "decode (default) or prefill");
    mc->add_option("--policy", m->policy, "placement policy (default eplb)");
    mc->add_option("--interval", m->intervals, "re-place every N minutes, repeatable (default 5 10 20 30)");
    mc->add_flag("--incremental", m->incremental, "re-place from the placement in force (moves fewer experts)");
    mc->add_option("--minutes", m->mix.num_minutes, "simulated minutes (default 60)");
    mc->add_option("--tokens-per-minute", m->mix.tokens_per_minute, "tokens per MoE layer per minute (default 1e6)");
    mc->add_option("--seed", m->mix.seed, "sampling-noise seed (default 1)");
    mc->add_option("--json", m->json, "write every minute's busiest/mean per interval as JSON");
    mc->add_option("--split", m->split,
                   "how replicas share an expert's load when measured: policy (default: the split the policy's "
                   "placement is built for), even or minmax");
    mc->callback(
        [m] { run_mix(m->from, m->to, m->unit, m->policy, m->intervals, m->incremental, m->split, m->mix, m->json); });

    struct PlaceOptions {
        std::string loads, unit = "prefill", policy = "eplb", out, request;
    };
    auto p   = std::make_shared<PlaceOptions>();
    auto* pc = parent.add_subcommand("place", "write a policy's placement (balancer.policy \"file\") and/or the "
                                              "loads request a placement command reads");
    pc->add_option("--loads", p->loads, "expert-load JSON (dense layers dropped)")->required();
    pc->add_option("--unit", p->unit, "prefill (default) or decode: the production unit's slots, GPUs and nodes");
    pc->add_option("--policy", p->policy, "placement policy (default eplb)");
    pc->add_option("-o,--out", p->out, "write the placement JSON {\"phy2log\": [[…] × layers]} here");
    pc->add_option("--request", p->request, "write the request JSON a placement command reads on stdin here");
    pc->callback([p] {
        if (p->out.empty() && p->request.empty()) throw ConfigError("balance place: give --out and/or --request");
        const Unit& u          = unit_named(p->unit);
        const ExpertLoad loads = drop_empty_layers(load_expert_load(p->loads));
        u.spec.validate(loads.num_experts);
        if (!p->request.empty()) write_file_atomic(p->request, bal::placement_request_json(loads, u.spec));
        if (p->out.empty()) return;
        const bal::Placement pl = bal::find_placement_policy(p->policy).place(loads, u.spec);
        bal::check_placement(pl, u.spec);
        write_file_atomic(p->out, bal::placement_json(pl));
        std::cout << "wrote " << p->out << ": " << p->policy << " on " << p->loads << ", " << loads.num_layers
                  << " MoE layers, unit " << u.name << " " << u.spec << '\n';
    });
}

} // namespace moetwin::cli
