// SPDX-License-Identifier: Apache-2.0
// SYNTHETIC result generator (tests and demo pictures only; see the header).
#include "synthetic_result.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace moetwin::test {
namespace {

struct Rng { // splitmix64: deterministic across platforms
    uint64_t s;
    uint64_t next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z          = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }
    double around(double mean, double rel) { return mean * (1.0 + rel * (2.0 * uniform() - 1.0)); }
};

using Vec = std::vector<double>;

// Expert tokens of one MoE layer: Zipf over a random permutation of the experts.
std::vector<int64_t> expert_tokens(const SyntheticSpec& s, int64_t selections, Rng& rng) {
    std::vector<int> perm(size_t(s.num_experts));
    std::iota(perm.begin(), perm.end(), 0);
    for (size_t i = perm.size(); i > 1; --i)
        std::swap(perm[i - 1], perm[size_t(rng.next() % i)]);
    Vec w(perm.size());
    double sum = 0;
    for (size_t r = 0; r < w.size(); ++r)
        sum += w[size_t(perm[r])] = std::pow(double(r + 1), -s.zipf_s) * rng.around(1.0, 0.2);
    std::vector<int64_t> t(w.size());
    for (size_t x = 0; x < w.size(); ++x)
        t[x] = int64_t(std::llround(double(selections) * w[x] / sum));
    return t;
}

// EPLB-like placement fitted on noisy loads: extra replicas to the hottest experts, then each replica (heaviest
// first) to the least-loaded GPU with a free slot. Returns phy2log [num_gpus * slots].
std::vector<int32_t> place(const SyntheticSpec& s, const std::vector<int64_t>& tokens, int num_gpus, Rng& rng) {
    const int slots = (s.num_experts + s.redundant_experts) / num_gpus;
    Vec fitted(tokens.size());
    for (size_t x = 0; x < tokens.size(); ++x)
        fitted[x] = double(tokens[x]) * rng.around(1.0, 0.35); // history differs from this step
    std::vector<int> replicas(tokens.size(), 1);
    for (int k = 0; k < s.redundant_experts; ++k) {
        size_t best = 0;
        for (size_t x = 1; x < fitted.size(); ++x)
            if (fitted[x] / replicas[x] > fitted[best] / replicas[best]) best = x;
        ++replicas[best];
    }
    std::vector<std::pair<double, int>> items;
    for (size_t x = 0; x < fitted.size(); ++x)
        for (int k = 0; k < replicas[x]; ++k)
            items.push_back({fitted[x] / replicas[x], int(x)});
    std::stable_sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.first > b.first; });
    Vec load(size_t(num_gpus), 0.0);
    std::vector<int> used(size_t(num_gpus), 0);
    std::vector<int32_t> phy2log(size_t(num_gpus) * size_t(slots), 0);
    std::vector<size_t> order(load.size()); // GPUs in a random order per layer, so ties do not favour GPU 0
    std::iota(order.begin(), order.end(), size_t(0));
    for (size_t i = order.size(); i > 1; --i)
        std::swap(order[i - 1], order[size_t(rng.next() % i)]);
    for (const auto& [w, x] : items) {
        size_t g = SIZE_MAX;
        for (const size_t i : order)
            if (used[i] < slots && (g == SIZE_MAX || load[i] < load[g])) g = i;
        phy2log[g * size_t(slots) + size_t(used[g]++)] = x;
        load[g] += w;
    }
    return phy2log;
}

} // namespace

SyntheticSpec synthetic_ep320() {
    return {};
}

SyntheticSpec synthetic_ep32() {
    SyntheticSpec s;
    s.name              = "synthetic_ep32_decode";
    s.num_nodes         = 4;
    s.redundant_experts = 32;
    return s;
}

SyntheticSpec synthetic_small() {
    SyntheticSpec s;
    s.name              = "synthetic_ep16_decode";
    s.num_nodes         = 2;
    s.num_dense_layers  = 1;
    s.num_moe_layers    = 7;
    s.num_experts       = 64;
    s.redundant_experts = 16;
    s.requests_per_gpu  = 64;
    return s;
}

void add_timing_and_links(const SyntheticSpec& s, RunResult& r); // synthetic_timing.cpp

RunResult make_synthetic_result(const SyntheticSpec& s) {
    RunResult r;
    Rng rng{s.seed};
    RunMeta& m          = r.meta;
    m.moetwin_version   = "0.1.0";
    m.scenario          = s.name;
    m.model             = "deepseek_v3";
    m.phase             = "decode";
    m.seed              = s.seed;
    m.num_nodes         = s.num_nodes;
    m.gpus_per_node     = s.gpus_per_node;
    m.num_gpus          = s.num_nodes * s.gpus_per_node;
    m.num_layers        = s.num_dense_layers + s.num_moe_layers;
    m.num_micro_batches = s.micro_batches;
    m.compute_source    = "roofline";
    m.network_model     = "CM02";
    m.notes             = {"SYNTHETIC: made by tests/gui/synthetic_result.cpp for GUI tests and pictures; "
                                       "not a simulation"};
    if (!s.timing) m.notes.push_back("timing not simulated (synthetic loads-only result)");

    const int G              = m.num_gpus;
    const int64_t selections = int64_t(G) * s.requests_per_gpu * s.top_k;
    r.experts.num_experts    = s.num_experts;
    r.experts.slots_per_gpu  = (s.num_experts + s.redundant_experts) / G;
    r.layer_gpu.tokens_received.assign(size_t(m.num_layers), std::vector<int64_t>(size_t(G), 0));
    r.layer_gpu.compute_ns.assign(size_t(m.num_layers), std::vector<int64_t>(size_t(G), 0));
    r.experts.tokens.assign(size_t(m.num_layers), {});
    r.experts.phy2log.assign(size_t(m.num_layers), {});
    for (int l = s.num_dense_layers; l < m.num_layers; ++l) {
        auto& tokens  = r.experts.tokens[size_t(l)];
        auto& phy2log = r.experts.phy2log[size_t(l)];
        tokens        = expert_tokens(s, selections, rng);
        phy2log       = place(s, tokens, G, rng);
        std::vector<int> replicas(size_t(s.num_experts), 0);
        for (const int x : phy2log)
            ++replicas[size_t(x)];
        for (size_t slot = 0; slot < phy2log.size(); ++slot) {
            const size_t x = size_t(phy2log[slot]);
            r.layer_gpu.tokens_received[size_t(l)][slot / size_t(r.experts.slots_per_gpu)] += tokens[x] / replicas[x];
        }
    }
    for (int g = 0; g < G; ++g) {
        GpuCounters c;
        c.gpu        = g;
        c.node       = g / s.gpus_per_node;
        c.local_rank = g % s.gpus_per_node;
        for (int l = 0; l < m.num_layers; ++l)
            c.tokens_received += r.layer_gpu.tokens_received[size_t(l)][size_t(g)];
        c.expert_selections = c.tokens_received;
        c.tokens_sent       = int64_t(s.requests_per_gpu) * s.num_moe_layers;
        c.bytes_sent        = c.tokens_sent * s.top_k * (7408 + 14336) / 2;
        c.bytes_received    = c.tokens_received * (7408 + 14336) / 2;
        c.hbm_used_bytes    = int64_t(rng.around(72e9, 0.03));
        r.gpus.push_back(c);
    }
    r.summary.tokens_per_step  = int64_t(G) * s.requests_per_gpu;
    r.summary.timing_simulated = s.timing;
    add_timing_and_links(s, r);
    fill_summary(r);
    validate(r);
    return r;
}

} // namespace moetwin::test
