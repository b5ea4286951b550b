// SPDX-License-Identifier: Apache-2.0
// `moetwin balance`: expert-placement policies on recorded DeepSeek-V3 expert loads (issue 5), plus
// `balance bias` (router-bias trajectory), `balance drift` (dynamic rebalancing) and `balance dp`.
#include "sim/cli/commands.hpp"

#include "common/rng.hpp"
#include "moe/expert_load_json.hpp"
#include "sim/balancer/balance_report.hpp"
#include "sim/balancer/dp_balancer.hpp"
#include "sim/balancer/dynamic_rebalance.hpp"
#include "sim/balancer/router_bias.hpp"

#include "common/atomic_file.hpp"
#include "common/checked_int.hpp"
#include "common/errors.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

namespace moetwin::cli {
namespace {

namespace bal = moetwin::balancer;

struct BalanceOptions {
    std::string loads, fit, eval, csv, layers_csv, dispatch = "same_node_first";
    std::vector<std::string> policies;
    int gpus = 32, nodes = 4, slots = 288, groups = 8, tokens_per_gpu = 128, repeats = 3;
    std::uint64_t seed = 1;
    bool list          = false;
};

void add_cluster_options(CLI::App& cmd, BalanceOptions& o) {
    cmd.add_option("--gpus", o.gpus, "GPUs in the expert-parallel group (default 32: the prefill unit, reference §3)");
    cmd.add_option("--nodes", o.nodes, "nodes (default 4)");
    cmd.add_option("--slots", o.slots, "physical expert slots per layer: logical + redundant (default 288)");
    cmd.add_option("--groups", o.groups, "gate expert groups (default 8, reference §1.1)");
}

bal::PlacementSpec spec_of(const BalanceOptions& o) {
    return {o.slots, o.groups, o.nodes, o.gpus};
}

// Tokens sampled per layer, --tokens-per-gpu × --gpus, computed in 64 bits and checked against the sampler's
// int count before narrowing (issue 15 item 12: 100000000 × 32 wrapped negative and blamed num_tokens).
int sampled_tokens(const BalanceOptions& o) {
    if (o.tokens_per_gpu < 1)
        throw ConfigError("balance: --tokens-per-gpu: expected an integer >= 1, got " +
                          std::to_string(o.tokens_per_gpu));
    if (o.gpus < 1) throw ConfigError("balance: --gpus: expected an integer >= 1, got " + std::to_string(o.gpus));
    const auto n = checked_mul(o.tokens_per_gpu, o.gpus);
    if (!n || *n > INT32_MAX)
        throw ConfigError("balance: --tokens-per-gpu " + std::to_string(o.tokens_per_gpu) + " × --gpus " +
                          std::to_string(o.gpus) + " = " + (n ? std::to_string(*n) : std::string("more than 2^63")) +
                          " sampled tokens per layer: expected at most " + std::to_string(INT32_MAX));
    return int(*n);
}

void run_balance(const BalanceOptions& o) {
    if (o.list) {
        for (const auto& p : bal::placement_policies())
            std::cout << p.name << ": " << p.intent << '\n';
        for (const auto& d : bal::dispatch_policies())
            std::cout << "dispatch " << d.name << ": " << d.intent << '\n';
        return;
    }
    const bool split = !o.fit.empty() || !o.eval.empty();
    if (split == !o.loads.empty() || (split && (o.fit.empty() || o.eval.empty())))
        throw ConfigError("balance: give either --loads FILE, or both --fit FILE and --eval FILE");
    bal::BalanceRequest req;
    req.fit               = moetwin::load_expert_load(split ? o.fit : o.loads);
    req.eval              = split ? moetwin::load_expert_load(o.eval) : req.fit;
    req.spec              = spec_of(o);
    req.gate.num_experts  = req.fit.num_experts;
    req.gate.num_groups   = o.groups;
    req.tokens.num_tokens = sampled_tokens(o);
    req.tokens.seed       = o.seed;
    req.dispatch          = o.dispatch;
    req.policies          = o.policies;
    req.timing_repeats    = o.repeats;
    const auto results    = bal::evaluate_policies(req);
    std::cout << "loads: " << (split ? "fit " + o.fit + ", eval " + o.eval : o.loads) << "; " << req.spec << '\n';
    bal::print_balance_table(results, req, std::cout);
    if (!o.csv.empty()) write_file_atomic(o.csv, [&](std::ostream& out) { bal::write_balance_csv(results, out); });
    if (!o.layers_csv.empty())
        write_file_atomic(o.layers_csv, [&](std::ostream& out) { bal::write_balance_layers_csv(results, out); });
}

void add_bias_command(CLI::App& parent) {
    auto cfg  = std::make_shared<bal::RouterBiasConfig>();
    auto csv  = std::make_shared<std::string>();
    auto* cmd = parent.add_subcommand("bias", "router-bias balancing (tech report eq. 12-16): bias trajectory");
    cmd->add_option("--gamma", cfg->gamma, "bias update speed γ (default 0.001, tech report §4.2)");
    cmd->add_option("--steps", cfg->num_steps, "update steps (default 300)");
    cmd->add_option("--tokens", cfg->tokens_per_step, "tokens per step (default 1024)");
    cmd->add_option("--skew", cfg->skew, "σ of expert popularity offsets in logit units (default 1)");
    cmd->add_option("--seed", cfg->seed, "seed (default 1)");
    cmd->add_option("--csv", *csv, "write step,expert,load,bias for every step and expert");
    cmd->callback([cfg, csv] {
        const auto t = bal::simulate_router_bias(*cfg);
        std::cout << *cfg << "\nstep  busiest/mean expert load\n";
        for (int s = 0; s < t.num_steps; s += std::max(1, t.num_steps / 10))
            std::printf("%4d  %.3f\n", s, t.max_over_mean[s]);
        std::printf("%4d  %.3f\n", t.num_steps - 1, t.max_over_mean.back());
        if (!csv->empty()) write_file_atomic(*csv, [&](std::ostream& out) { bal::write_router_bias_csv(t, out); });
    });
}

void add_drift_command(CLI::App& parent) {
    auto o      = std::make_shared<BalanceOptions>();
    auto drift  = std::make_shared<bal::DriftSpec>();
    auto rs     = std::make_shared<bal::RebalanceSpec>();
    auto policy = std::make_shared<std::string>("lpt_swap");
    auto* cmd   = parent.add_subcommand("drift", "dynamic rebalancing on loads that drift from a recorded run");
    cmd->add_option("--loads", o->loads, "expert-load JSON the drift starts from")->required();
    cmd->add_option("--policy", *policy, "placement policy (default lpt_swap)");
    add_cluster_options(*cmd, *o);
    cmd->add_option("--minutes", drift->num_minutes, "minutes simulated (default 120)");
    cmd->add_option("--drift", drift->drift_sigma, "log-popularity random-walk step per minute (default 0.05)");
    cmd->add_option("--interval", rs->interval_minutes, "re-place every N minutes (default 10)");
    cmd->add_option("--window", rs->window_minutes, "moving-average window in minutes (default 10)");
    cmd->add_flag("--incremental", rs->incremental, "re-place from the placement in force (moves fewer experts)");
    cmd->add_option("--seed", drift->seed, "seed (default 1)");
    cmd->add_option("--csv", o->csv, "write the per-minute timeline");
    cmd->callback([o, drift, rs, policy] {
        rs->place           = bal::find_placement_policy(*policy).place;
        const auto base     = moetwin::drop_empty_layers(moetwin::load_expert_load(o->loads));
        const auto minutes  = bal::drifting_loads(base, *drift);
        const auto timeline = bal::simulate_rebalancing(base, spec_of(*o), minutes, *rs);
        double st = 0, dy = 0, bytes = 0, worst_s = 0;
        for (const auto& m : timeline)
            st += m.static_ratio, dy += m.dynamic_ratio, bytes += m.moved.bytes,
                worst_s = std::max(worst_s, m.moved.time_s);
        std::cout << *drift << "\n"
                  << *rs << "\npolicy " << *policy << ": busiest/mean averaged over " << timeline.size()
                  << " minutes: static " << st / timeline.size() << ", rebalanced " << dy / timeline.size()
                  << "; moved " << bytes / 1e9 << " GB in all, slowest migration " << worst_s << " s\n";
        const bal::MigrationCharge ch = bal::charge_migrations(timeline);
        std::cout << "migrations charged as pauses: " << ch.pause_s << " s over " << ch.replacements
                  << " re-placements, step time +" << 100 * (ch.step_factor - 1)
                  << " % amortised (sim/balancer/dynamic_rebalance.hpp)\n";
        if (!o->csv.empty())
            write_file_atomic(o->csv, [&](std::ostream& out) { bal::write_rebalance_csv(timeline, out); });
    });
}

// Synthetic requests (ours, stated): log-normal lengths, median 1024 input / 2048 KV tokens, σ = 1.
void add_dp_command(CLI::App& parent) {
    auto gpus = std::make_shared<int>(32), requests = std::make_shared<int>(512);
    auto seed = std::make_shared<std::uint64_t>(1);
    auto* cmd = parent.add_subcommand("dp", "prefill and decode DP balancers vs round-robin on synthetic requests");
    cmd->add_option("--gpus", *gpus, "data-parallel attention GPUs (default 32)");
    cmd->add_option("--requests", *requests, "requests per batch (default 512)");
    cmd->add_option("--seed", *seed, "seed (default 1)");
    cmd->callback([gpus, requests, seed] {
        if (*gpus < 1 || *requests < 1) throw ConfigError("balance dp: --gpus and --requests must be ≥ 1");
        Rng rng(*seed);
        std::vector<bal::PrefillRequest> prefill(*requests);
        std::vector<bal::DecodeRequest> decode(*requests);
        for (auto& r : prefill) {
            r.input_tokens  = std::llround(1024 * std::exp(rng.normal())) + 1;
            r.cached_tokens = std::llround(r.input_tokens * rng.uniform() * 0.5);
        }
        for (auto& r : decode)
            r.kv_tokens = std::llround(2048 * std::exp(rng.normal())) + 1;
        std::vector<bal::DecodeGpuState> idle(*gpus);
        std::printf("%d synthetic requests over %d DP attention GPUs (Day-6's balancers, reference §3). Columns: the\n"
                    "busiest GPU over the mean GPU of\n"
                    "  attention|KV  prefill: core-attention (query, key) pairs; decode: KV-cache tokens held\n"
                    "  tokens|reqs   prefill: input tokens; decode: requests\n"
                    "1.000 is perfect balance.\n\n",
                    *requests, *gpus);
        std::printf("%-8s %-12s %18s %18s\n", "phase", "policy", "attention|KV max/mean", "tokens|reqs max/mean");
        for (const auto& p : bal::prefill_dp_policies()) {
            const auto b = bal::prefill_balance(prefill, p.assign(prefill, *gpus), *gpus);
            std::printf("%-8s %-12s %18.3f %18.3f\n", "prefill", std::string(p.name).c_str(), b.attention_or_kv_ratio,
                        b.tokens_or_count_ratio);
        }
        for (const auto& p : bal::decode_dp_policies()) {
            const auto b = bal::decode_balance(decode, idle, p.assign(decode, idle));
            std::printf("%-8s %-12s %18.3f %18.3f\n", "decode", std::string(p.name).c_str(), b.attention_or_kv_ratio,
                        b.tokens_or_count_ratio);
        }
    });
}

} // namespace

void add_balance_command(CLI::App& app) {
    auto o    = std::make_shared<BalanceOptions>();
    auto* cmd = app.add_subcommand("balance", "expert-parallel load balancers on recorded expert loads");
    cmd->add_option("--loads", o->loads, "expert-load JSON (../shared/data/expert_load/*.json): fit and evaluate");
    cmd->add_option("--fit", o->fit, "place from this recorded run ...");
    cmd->add_option("--eval", o->eval, "... and evaluate on this one");
    cmd->add_option("--policy", o->policies, "placement policy, repeatable (default: all; --list)");
    add_cluster_options(*cmd, *o);
    cmd->add_option("--dispatch", o->dispatch, "token-to-replica dispatch (default same_node_first)");
    cmd->add_option("--tokens-per-gpu", o->tokens_per_gpu, "sampled tokens per GPU per layer (default 128)");
    cmd->add_option("--seed", o->seed, "token-sample seed (default 1)");
    cmd->add_option("--repeats", o->repeats, "time each policy this many times, report the fastest (default 3)");
    cmd->add_option("--csv", o->csv, "write one CSV row per policy");
    cmd->add_option("--layers-csv", o->layers_csv, "write one CSV row per policy and layer");
    cmd->add_flag("--list", o->list, "list the policies and exit");
    cmd->require_subcommand(0, 1);
    add_bias_command(*cmd);
    add_drift_command(*cmd);
    add_dp_command(*cmd);
    add_balance_dispatch_command(*cmd);
    add_balance_cross_commands(*cmd);
    add_balance_step_command(*cmd);
    cmd->callback([o, cmd] {
        if (cmd->get_subcommands().empty()) run_balance(*o);
    });
}

} // namespace moetwin::cli
