// SPDX-License-Identifier: Apache-2.0
// `moetwin balance step [SCENARIO…]`: every placement policy in whole simulated steps of the
// production prefill and decode scenarios, so a balance gain is shown to become (or not) a step-time
// gain (issue 16 item 4). Each step runs in a forked child (one SimGrid engine per process).
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/run.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace moetwin::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct StepRow {
    std::string scenario, policy, skipped;
    double pairs_ratio = 0, step_s = 0, tokens_per_s_per_gpu = 0;
};

// One step in a forked child, as text: busiest/mean (token, expert) pairs per GPU (mean over MoE
// layers and micro-batches), step seconds, tokens/s per GPU.
std::string measure(const Scenario& s) {
    return run_in_child([&s] {
        RunPlan plan                        = plan_run(s);
        const step::StepPlan& p             = plan.step;
        const balancer::PlacementSpec& spec = p.placement_spec;
        double ratio                        = 0;
        for (const step::LayerRouting& r : p.routing) {
            std::vector<double> sel(std::size_t(p.num_gpus), 0);
            for (int sl = 0; sl < spec.num_slots; ++sl)
                sel[std::size_t(spec.gpu_of_slot(sl))] += double(r.slot_selections[std::size_t(sl)]);
            double sum = 0;
            for (double x : sel)
                sum += x;
            if (sum > 0) ratio += *std::max_element(sel.begin(), sel.end()) * double(sel.size()) / sum;
        }
        ratio /= double(std::max<std::size_t>(1, p.routing.size()));
        const RunResult res = assemble_run(plan, execute_run(plan));
        char buf[128];
        std::snprintf(buf, sizeof buf, "%.9f %.9f %.6f", ratio, double(res.summary.step_time_ns) * 1e-9,
                      res.summary.tokens_per_s_per_gpu);
        return std::string(buf);
    });
}

struct StepOptions {
    std::vector<std::string> scenarios, policies;
    std::string fit_loads, command, json, replica_policy;
    double timeout_s = 60;
};

std::vector<StepRow> run_step_compare(const StepOptions& o) {
    const std::vector<std::string> paths =
        o.scenarios.empty() ? std::vector<std::string>{"scenarios/deepseek_v3_prefill_ep32.json",
                                                       "scenarios/deepseek_v3_decode_ep144.json",
                                                       "scenarios/deepseek_v3_decode_ep144_recorded_loads.json"}
                            : o.scenarios;
    if (!o.replica_policy.empty()) (void)balancer::find_dispatch_policy(o.replica_policy); // ConfigError lists them
    std::vector<std::string> names = o.policies;
    if (names.empty())
        for (const auto& p : balancer::placement_policies())
            names.emplace_back(p.name);
    if (names.size() == 1 && names[0] == "-") names.clear();
    if (!o.command.empty()) names.emplace_back("command");
    std::vector<StepRow> rows;
    std::printf("%-48s %-18s %9s %10s %8s %10s\n", "scenario", "policy", "pairs b/m", "step ms", "vs EPLB",
                "tok/s/GPU");
    for (const std::string& path : paths) {
        const Scenario base = load_scenario_arg(path);
        json j              = json::parse(scenario_to_json(base));
        if (!o.replica_policy.empty()) j["routing"]["replica_policy"] = o.replica_policy;
        double eplb_s = 0;
        for (const std::string& name : names) {
            StepRow row{base.name, name, "", 0, 0, 0};
            j["balancer"] = {{"policy", name}};
            // Dynamic redundancy is the scenario's, not the policy's: kept for every policy.
            if (base.balancer.hosted_experts_per_gpu > 0)
                j["balancer"]["hosted_experts_per_gpu"] = base.balancer.hosted_experts_per_gpu;
            if (base.balancer.active_set_sample_steps > 0)
                j["balancer"]["active_set_sample_steps"] = base.balancer.active_set_sample_steps;
            if (!o.fit_loads.empty()) j["balancer"]["fit_loads_path"] = fs::absolute(o.fit_loads).string();
            if (name == "command") {
                std::istringstream in(o.command);
                json argv = json::array();
                for (std::string a; in >> a;)
                    argv.push_back(a);
                j["balancer"]["command"]           = argv;
                j["balancer"]["command_timeout_s"] = o.timeout_s;
            }
            try {
                const Scenario s =
                    parse_scenario(j.dump(), base.source.string() + " with balancer.policy " + name, ".");
                std::istringstream in(measure(s));
                in >> row.pairs_ratio >> row.step_s >> row.tokens_per_s_per_gpu;
            } catch (const ConfigError& e) {
                row.skipped = e.what();
            }
            rows.push_back(row);
        }
        for (std::size_t i = rows.size() - names.size(); i < rows.size(); ++i) // this scenario's rows
            if (rows[i].policy == "eplb" && rows[i].skipped.empty()) eplb_s = rows[i].step_s;
        for (std::size_t i = rows.size() - names.size(); i < rows.size(); ++i) {
            const StepRow& row = rows[i];
            if (!row.skipped.empty()) {
                std::printf("%-48s %-18s skipped: %s\n", row.scenario.c_str(), row.policy.c_str(), row.skipped.c_str());
                continue;
            }
            char gain[16] = "-";
            if (eplb_s > 0) std::snprintf(gain, sizeof gain, "%+.2f%%", 100 * (row.step_s / eplb_s - 1));
            std::printf("%-48s %-18s %9.4f %10.3f %8s %10.1f\n", row.scenario.c_str(), row.policy.c_str(),
                        row.pairs_ratio, row.step_s * 1e3, gain, row.tokens_per_s_per_gpu);
        }
        std::fflush(stdout);
    }
    std::printf(
        "pairs b/m: the busiest GPU's routed (token, expert) pairs over the mean GPU's in the simulated step, mean "
        "over MoE layers and micro-batches; vs EPLB: step time relative to policy eplb (deepseek-ai/EPLB's "
        "choice) in the same scenario; placement fitted on %s; replica dispatch %s\n",
        o.fit_loads.empty() ? "the scenario's own popularity (in sample)" : o.fit_loads.c_str(),
        o.replica_policy.empty() ? "the scenario's (routing.replica_policy)" : o.replica_policy.c_str());
    return rows;
}

} // namespace

void add_balance_step_command(CLI::App& parent) {
    auto o    = std::make_shared<StepOptions>();
    auto* cmd = parent.add_subcommand("step", "every placement policy in whole simulated steps: step time per policy");
    cmd->add_option("scenarios", o->scenarios,
                    "scenario files (default: scenarios/deepseek_v3_prefill_ep32.json, deepseek_v3_decode_ep144.json, "
                    "deepseek_v3_decode_ep144_recorded_loads.json)");
    cmd->add_option("--policy", o->policies,
                    "placement policy, repeatable (default: all; \"-\": none, with --command)");
    cmd->add_option("--fit-loads", o->fit_loads,
                    "fit every placement on this expert-load JSON (balancer.fit_loads_path): out of sample");
    cmd->add_option("--replica-policy", o->replica_policy,
                    "token-to-replica dispatch for every scenario (routing.replica_policy: round_robin, least_loaded, "
                    "same_node_first, load_aware; default: each scenario's own)");
    cmd->add_option("--command", o->command,
                    "also a placement command (balancer.policy command; argv split on spaces)");
    cmd->add_option("--command-timeout", o->timeout_s, "seconds before the command is killed (default 60)");
    cmd->add_option("--json", o->json, "write the rows as JSON");
    cmd->callback([o] {
        const auto rows = run_step_compare(*o);
        if (o->json.empty()) return;
        json out = json::array();
        for (const auto& r : rows) {
            json jr = {{"scenario", r.scenario}, {"policy", r.policy}};
            if (!r.skipped.empty())
                jr["skipped"] = r.skipped;
            else
                jr.update({{"busiest_over_mean_pairs", r.pairs_ratio},
                           {"step_time_s", r.step_s},
                           {"tokens_per_s_per_gpu", r.tokens_per_s_per_gpu}});
            out.push_back(jr);
        }
        write_file_atomic(
            o->json,
            json{{"fit_loads", o->fit_loads}, {"replica_policy", o->replica_policy}, {"rows", out}}.dump(1) + "\n");
    });
}

} // namespace moetwin::cli
