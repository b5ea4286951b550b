// SPDX-License-Identifier: Apache-2.0
// Evaluation of placement policies on recorded loads, and its table and CSV output.
#include "sim/balancer/balance_report.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace moetwin::balancer {

void BalanceRequest::validate() const {
    fit.validate();
    eval.validate();
    if (fit.num_layers != eval.num_layers || fit.num_experts != eval.num_experts)
        throw ConfigError("balance: the fit load is " + std::to_string(fit.num_layers) + " layers × " +
                          std::to_string(fit.num_experts) + " experts but the eval load is " +
                          std::to_string(eval.num_layers) + " × " + std::to_string(eval.num_experts));
    spec.validate(fit.num_experts);
    gate.validate();
    if (gate.num_experts != fit.num_experts)
        throw ConfigError("balance: the gate has " + std::to_string(gate.num_experts) + " experts, the loads " +
                          std::to_string(fit.num_experts));
    tokens.validate();
    bytes.validate();
    find_dispatch_policy(dispatch);
    for (const auto& p : policies)
        find_placement_policy(p);
    if (timing_repeats < 1) throw ConfigError("balance: timing_repeats must be ≥ 1");
}

std::ostream& operator<<(std::ostream& os, const BalanceRequest& r) {
    os << "BalanceRequest{fit=" << r.fit << ", eval=" << r.eval << ", " << r.spec << ", " << r.gate << ", " << r.tokens
       << ", " << r.bytes << ", dispatch=" << r.dispatch << ", policies=[";
    for (const auto& p : r.policies)
        os << p << (&p == &r.policies.back() ? "" : ",");
    return os << "], timing_repeats=" << r.timing_repeats << "}";
}

std::string eplb_choice(const PlacementSpec& spec) {
    return spec.num_groups % spec.num_nodes == 0 ? "eplb_hierarchical" : "eplb_global";
}

std::vector<PolicyResult> evaluate_policies(const BalanceRequest& request) {
    request.validate();
    std::vector<int> kept;
    const ExpertLoad fit = drop_empty_layers(request.fit, &kept);
    if (fit.num_layers == 0) throw ConfigError("balance: every layer of the fit load is zero");
    const ExpertLoad eval     = select_layers(request.eval, kept);
    const TokenSample sample  = sample_tokens(eval, request.gate, request.tokens);
    const DispatchFn dispatch = find_dispatch_policy(request.dispatch).dispatch;

    std::vector<std::string> names = request.policies;
    if (names.empty())
        for (const auto& p : placement_policies())
            names.emplace_back(p.name);
    std::vector<PolicyResult> out;
    for (const auto& name : names) {
        const PlacementPolicy& policy = find_placement_policy(name);
        PolicyResult r;
        r.policy = name;
        r.layers = kept;
        Placement placement;
        r.run_time_s = 1e300;
        try {
            for (int rep = 0; rep < request.timing_repeats; ++rep) {
                const auto t0                          = std::chrono::steady_clock::now();
                placement                              = policy.place(fit, request.spec);
                const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
                r.run_time_s                           = std::min(r.run_time_s, dt.count());
            }
        } catch (const ConfigError& e) {
            r.skipped    = e.what();
            r.run_time_s = 0;
            out.push_back(r);
            continue;
        }
        check_placement(placement, request.spec);
        r.balance = busiest_over_mean(placement, request.spec, eval);
        r.traffic = measure_traffic(placement, request.spec, sample, dispatch, request.bytes);
        out.push_back(std::move(r));
    }
    return out;
}

void print_balance_table(const std::vector<PolicyResult>& results, const BalanceRequest& request, std::ostream& out) {
    const std::string eplb = eplb_choice(request.spec);
    double eplb_mean       = 0;
    for (const auto& r : results)
        if (r.policy == eplb && r.skipped.empty()) eplb_mean = r.balance.mean_ratio;
    char line[256];
    std::snprintf(line, sizeof line, "%-18s %9s %9s %8s %10s %10s %8s %10s %9s\n", "policy", "busy/mean", "worst",
                  "vs EPLB", "max recv", "worst recv", "IB nodes", "IB KB/tok", "run ms");
    out << line;
    for (const auto& r : results) {
        if (!r.skipped.empty()) {
            out << r.policy << std::string(r.policy.size() < 19 ? 19 - r.policy.size() : 1, ' ')
                << "skipped: " << r.skipped << '\n';
            continue;
        }
        char gain[16] = "-";
        if (eplb_mean > 0) {
            const double pct = 100 * (r.balance.mean_ratio / eplb_mean - 1);
            std::snprintf(gain, sizeof gain, "%+.1f%%", std::abs(pct) < 0.05 ? 0.0 : pct);
        }
        std::snprintf(line, sizeof line, "%-18s %9.4f %9.4f %8s %10.1f %10d %8.3f %10.2f %9.2f\n", r.policy.c_str(),
                      r.balance.mean_ratio, r.balance.worst_ratio, gain, r.traffic.mean_max_recv_tokens,
                      r.traffic.worst_max_recv_tokens, r.traffic.remote_nodes_per_token,
                      r.traffic.ib_bytes_per_token / 1e3, r.run_time_s * 1e3);
        out << line;
    }
    out << "busy/mean: busiest GPU / mean GPU load (each replica carries load / replica count), mean and worst over "
           "MoE layers; vs EPLB: busy/mean relative to "
        << eplb << " (deepseek-ai/EPLB's choice here)\n"
        << "max recv: tokens the busiest GPU receives in dispatch (mean and worst over layers) for "
        << request.tokens.num_tokens << " sampled tokens, dispatch " << request.dispatch
        << "; IB nodes: remote nodes per token per layer; IB KB/tok: dispatch (FP8) + combine (BF16) bytes per token "
           "per layer; run ms: fastest of "
        << request.timing_repeats << " runs\n"
        << "node limit: the gate sampler keeps the top " << request.gate.topk_groups << " of "
        << request.gate.num_groups
        << " expert groups per token (model.py's group limit) and applies no node limit of its own; the group limit "
           "is the tech report's node limit (M = 4 nodes per token, reference §1.2) only when each group sits on one "
           "node";
    if (request.spec.num_nodes > request.gate.num_groups)
        out << ": here " << request.gate.num_groups << " groups spread over " << request.spec.num_nodes
            << " nodes, so a token's experts may reach more than " << request.gate.topk_groups
            << " nodes, as the IB nodes column shows (expected: no placement confines a group to one node)";
    out << '\n';
}

void write_balance_csv(const std::vector<PolicyResult>& results, std::ostream& out) {
    out << "policy,skipped,busiest_over_mean_mean,busiest_over_mean_worst,worst_layer,max_recv_tokens_mean,"
           "max_recv_tokens_worst,busiest_over_mean_pairs_sampled,remote_nodes_per_token,ib_bytes_per_token,"
           "run_time_s\n";
    for (const auto& r : results) {
        std::string why = r.skipped;
        std::replace(why.begin(), why.end(), ',', ';');
        out << r.policy << ',' << why << ',' << r.balance.mean_ratio << ',' << r.balance.worst_ratio << ','
            << (r.skipped.empty() ? r.layers[r.balance.worst_layer] : -1) << ',' << r.traffic.mean_max_recv_tokens
            << ',' << r.traffic.worst_max_recv_tokens << ',' << r.traffic.mean_pair_ratio << ','
            << r.traffic.remote_nodes_per_token << ',' << r.traffic.ib_bytes_per_token << ',' << r.run_time_s << '\n';
    }
}

void write_balance_layers_csv(const std::vector<PolicyResult>& results, std::ostream& out) {
    out << "policy,layer,busiest_over_mean,max_recv_tokens,mean_recv_tokens,ib_transfers\n";
    for (const auto& r : results) {
        if (!r.skipped.empty()) continue;
        for (std::size_t l = 0; l < r.balance.layer_ratio.size(); ++l) {
            const auto& t = r.traffic.layers[l];
            out << r.policy << ',' << r.layers[l] << ',' << r.balance.layer_ratio[l] << ',' << t.max_recv_tokens << ','
                << t.mean_recv_tokens << ',' << t.ib_transfers << '\n';
        }
    }
}

} // namespace moetwin::balancer
