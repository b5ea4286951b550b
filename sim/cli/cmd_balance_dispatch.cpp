// SPDX-License-Identifier: Apache-2.0
// `moetwin balance dispatch [SCENARIO…]`: every token-to-replica dispatch policy in whole steps of
// the given scenarios (default: the production decode and prefill units): the busiest GPU's
// receive load over the mean, remote nodes per token, the policy's own cost and the step time.
#include "sim/balancer/dispatch.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/run.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace moetwin::cli {
namespace {

// One step in a forked child (one SimGrid engine per process), as text: busiest/mean pairs,
// busiest/mean distinct tokens received, remote nodes per token, mean replica-choice seconds per
// dispatch, plan wall seconds, pairs routed, step seconds, tokens/s per GPU.
std::string measure(const Scenario& s) {
    return run_in_child([&s] {
        const auto t0                          = std::chrono::steady_clock::now();
        RunPlan plan                           = plan_run(s);
        const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
        const step::StepPlan& p                = plan.step;
        const balancer::PlacementSpec& spec    = p.placement_spec;
        double pair_ratio = 0, token_ratio = 0, remote = 0, tokens = 0, pairs = 0;
        for (const step::LayerRouting& r : p.routing) {
            std::vector<double> sel(std::size_t(p.num_gpus), 0), recv(std::size_t(p.num_gpus), 0);
            for (int sl = 0; sl < spec.num_slots; ++sl)
                sel[std::size_t(spec.gpu_of_slot(sl))] += double(r.slot_selections[std::size_t(sl)]);
            for (int a = 0; a < p.num_gpus; ++a) {
                for (int b = 0; b < p.num_gpus; ++b)
                    recv[std::size_t(b)] += double(r.traffic.tokens_at(a, b));
                for (int m = 0; m < r.traffic.num_nodes(); ++m)
                    if (m != a / p.gpus_per_node) remote += double(r.traffic.node_tokens_at(a, m));
            }
            const auto ratio = [](const std::vector<double>& v) {
                double sum = 0;
                for (double x : v)
                    sum += x;
                return sum > 0 ? *std::max_element(v.begin(), v.end()) * double(v.size()) / sum : 0.0;
            };
            pair_ratio += ratio(sel) / double(p.routing.size());
            token_ratio += ratio(recv) / double(p.routing.size());
            tokens += double(r.num_tokens);
            for (double x : sel)
                pairs += x;
        }
        double choice_s = 0;
        for (double x : p.replica_choice_s)
            choice_s += x / double(p.replica_choice_s.size());
        const RunResult res = assemble_run(plan, execute_run(plan));
        char buf[256];
        std::snprintf(buf, sizeof buf, "%.6f %.6f %.6f %.9f %.6f %.0f %.9f %.3f", pair_ratio, token_ratio,
                      tokens > 0 ? remote / tokens : 0.0, choice_s, dt.count(), pairs,
                      double(res.summary.step_time_ns) * 1e-9, res.summary.tokens_per_s_per_gpu);
        return std::string(buf);
    });
}

void run_dispatch_compare(const std::vector<std::string>& paths, const std::vector<std::string>& policies) {
    std::printf("%-40s %-16s %9s %9s %9s %10s %8s %10s %10s\n", "scenario", "dispatch", "pairs b/m", "recv b/m",
                "IB nodes", "choice us", "plan s", "step ms", "tok/s/GPU");
    for (const std::string& path : paths) {
        Scenario s                     = load_scenario_arg(path);
        std::vector<std::string> names = policies;
        if (names.empty())
            for (const auto& d : balancer::dispatch_policies())
                names.emplace_back(d.name);
        for (const std::string& name : names) {
            (void)balancer::find_dispatch_policy(name); // ConfigError lists the names
            s.routing.replica_policy = name;
            std::istringstream in(measure(s));
            double pr, tr, rn, cs, ps, pairs, st, tps;
            in >> pr >> tr >> rn >> cs >> ps >> pairs >> st >> tps;
            std::printf("%-40s %-16s %9.4f %9.4f %9.3f %10.1f %8.2f %10.3f %10.1f\n", s.name.c_str(), name.c_str(), pr,
                        tr, rn, cs * 1e6, ps, st * 1e3, tps);
        }
    }
    std::printf("pairs b/m: busiest GPU's (token, expert) pairs over the mean, mean over MoE layers and micro-batches; "
                "recv b/m: the same for distinct tokens received; IB nodes: remote nodes per token per layer; "
                "choice us: the policy's modelled cost before each dispatch (per-expert counts all-gather + solve, "
                "sim/balancer/dispatch/replica_choice_cost.hpp); plan s: wall time of planning (routing with the "
                "policy)\n");
}

} // namespace

void add_balance_dispatch_command(CLI::App& parent) {
    auto paths    = std::make_shared<std::vector<std::string>>();
    auto policies = std::make_shared<std::vector<std::string>>();
    auto* cmd     = parent.add_subcommand("dispatch", "every replica-dispatch policy in whole steps of scenarios");
    cmd->add_option("scenarios", *paths,
                    "scenario files (default: the embedded decode default and "
                    "scenarios/deepseek_v3_prefill_ep32.json)");
    cmd->add_option("--policy", *policies, "dispatch policy, repeatable (default: all)");
    cmd->callback([paths, policies] {
        run_dispatch_compare(paths->empty() ? std::vector<std::string>{"", "scenarios/deepseek_v3_prefill_ep32.json"}
                                            : *paths,
                             *policies);
    });
}

} // namespace moetwin::cli
