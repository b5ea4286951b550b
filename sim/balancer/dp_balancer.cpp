// SPDX-License-Identifier: Apache-2.0
// DP balancer measures (busiest / mean per GPU) and the policy lists.
#include "sim/balancer/dp_balancer.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace moetwin::balancer {
namespace {

double max_over_mean(const std::vector<double>& v) {
    double sum = 0, mx = 0;
    for (double x : v)
        sum += x, mx = std::max(mx, x);
    return sum > 0 ? mx / (sum / v.size()) : 1.0;
}

void check(std::span<const int> gpu_of, std::size_t n, int num_gpus) {
    if (gpu_of.size() != n)
        throw ConfigError("DP balance: " + std::to_string(gpu_of.size()) + " assignments for " + std::to_string(n) +
                          " requests");
    if (num_gpus < 1) throw ConfigError("DP balance: num_gpus must be ≥ 1");
    for (int g : gpu_of)
        if (g < 0 || g >= num_gpus) throw ConfigError("DP balance: GPU index " + std::to_string(g) + " out of range");
}

constexpr std::array kPrefill = {PrefillDpPolicy{"round_robin", &prefill_dp_round_robin},
                                 PrefillDpPolicy{"balanced", &prefill_dp_balanced}};
constexpr std::array kDecode  = {DecodeDpPolicy{"round_robin", &decode_dp_round_robin},
                                 DecodeDpPolicy{"balanced", &decode_dp_balanced}};

} // namespace

double core_attention_pairs(const PrefillRequest& r) {
    const double n = static_cast<double>(r.input_tokens), c = static_cast<double>(r.cached_tokens);
    return n * c + n * (n + 1) / 2;
}

DpBalance prefill_balance(std::span<const PrefillRequest> batch, std::span<const int> gpu_of, int num_gpus) {
    check(gpu_of, batch.size(), num_gpus);
    std::vector<double> work(num_gpus, 0.0), tokens(num_gpus, 0.0);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        work[gpu_of[i]] += core_attention_pairs(batch[i]);
        tokens[gpu_of[i]] += static_cast<double>(batch[i].input_tokens);
    }
    return {max_over_mean(work), max_over_mean(tokens)};
}

DpBalance decode_balance(std::span<const DecodeRequest> arrivals, std::span<const DecodeGpuState> initial,
                         std::span<const int> gpu_of) {
    const int G = static_cast<int>(initial.size());
    check(gpu_of, arrivals.size(), G);
    std::vector<double> kv(G), count(G);
    for (int g = 0; g < G; ++g)
        kv[g] = static_cast<double>(initial[g].kv_tokens), count[g] = initial[g].num_requests;
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
        kv[gpu_of[i]] += static_cast<double>(arrivals[i].kv_tokens);
        count[gpu_of[i]] += 1;
    }
    return {max_over_mean(kv), max_over_mean(count)};
}

std::span<const PrefillDpPolicy> prefill_dp_policies() {
    return kPrefill;
}
std::span<const DecodeDpPolicy> decode_dp_policies() {
    return kDecode;
}

} // namespace moetwin::balancer
