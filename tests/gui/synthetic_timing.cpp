// SPDX-License-Identifier: Apache-2.0
// SYNTHETIC spans and links for synthetic_result.cpp (tests and demo pictures only): a DeepSeek-like
// two-micro-batch decode layer (attention of one micro-batch overlaps the other's all-to-all), with
// all-to-all barriers so lightly loaded GPUs wait for the stragglers. The numbers are plausible, not measured.
#include "synthetic_result.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace moetwin::test {
namespace {

struct Rng { // same splitmix64 as synthetic_result.cpp
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

using Times = std::vector<int64_t>; // one per GPU

struct Builder {
    RunResult& r;
    int G;
    Times compute_free, dispatch_free, combine_free;

    // Appends a span on `lane` of every GPU starting no earlier than ready[g] and the lane's free time.
    Times run(Lane lane, const char* op, int layer, int mb, const Times& ready, const std::vector<double>& dur_ns) {
        Times& free = lane == Lane::Compute ? compute_free : lane == Lane::Dispatch ? dispatch_free : combine_free;
        const uint16_t opi = intern_op(r, op);
        Times end(static_cast<size_t>(G));
        for (int g = 0; g < G; ++g) {
            const int64_t b = std::max(ready[size_t(g)], free[size_t(g)]);
            const int64_t e = b + std::max<int64_t>(1, int64_t(std::llround(dur_ns[size_t(g)])));
            r.spans.push_back(Span{b, e, g, lane, int16_t(layer), int8_t(mb), opi});
            free[size_t(g)] = end[size_t(g)] = e;
            if (lane == Lane::Compute && layer >= 0) r.layer_gpu.compute_ns[size_t(layer)][size_t(g)] += e - b;
        }
        return end;
    }
    // An all-to-all: every GPU transfers once the last sender is ready and finishes after its own receive time.
    Times all_to_all(Lane lane, const char* op, int layer, int mb, const Times& ready,
                     const std::vector<double>& recv_ns) {
        Times& free     = lane == Lane::Dispatch ? dispatch_free : combine_free;
        int64_t barrier = 0;
        for (int g = 0; g < G; ++g)
            barrier = std::max(barrier, std::max(ready[size_t(g)], free[size_t(g)]));
        const uint16_t opi = intern_op(r, op);
        Times end(static_cast<size_t>(G));
        for (int g = 0; g < G; ++g) {
            const int64_t b = barrier; // waiting for the last sender is idle time, not transfer
            const int64_t e = barrier + int64_t(std::llround(recv_ns[size_t(g)]));
            r.spans.push_back(Span{b, e, g, lane, int16_t(layer), int8_t(mb), opi});
            free[size_t(g)] = end[size_t(g)] = e;
        }
        return end;
    }
};

std::vector<double> noisy(int G, double mean, double rel, Rng& rng) {
    std::vector<double> v(static_cast<size_t>(G));
    for (double& x : v)
        x = rng.around(mean, rel);
    return v;
}

void add_links(const SyntheticSpec& s, RunResult& r) {
    const int G = r.meta.num_gpus;
    for (int g = 0; g < G; ++g) {
        const int n = g / s.gpus_per_node, l = g % s.gpus_per_node;
        const GpuCounters& c   = r.gpus[size_t(g)];
        const std::string gpu  = "node" + std::to_string(n) + "/gpu" + std::to_string(l);
        const std::string sw   = "node" + std::to_string(n) + "/nvswitch";
        const std::string nic  = "node" + std::to_string(n) + "/nic" + std::to_string(l);
        const std::string leaf = "ib/plane" + std::to_string(l) + "/leaf" + std::to_string(n / 16);
        const double intra     = s.num_nodes > 1 ? 0.3 : 1.0; // node-limited routing keeps ~30 % inside the node
        const auto add         = [&](std::string name, const char* kind, std::string src, std::string dst, double cap,
                             double bytes) {
            const int64_t b    = int64_t(bytes);
            const int64_t busy = std::min<int64_t>(int64_t(double(b) / cap * 1e9), r.summary.step_time_ns);
            r.links.push_back({std::move(name), kind, std::move(src), std::move(dst), cap, b, busy, 0});
        };
        const std::string p = "n" + std::to_string(n);
        add(p + ".gpu" + std::to_string(l) + "->nvswitch", "nvlink", gpu, sw, 160e9, double(c.bytes_sent) * intra);
        add(p + ".nvswitch->gpu" + std::to_string(l), "nvlink", sw, gpu, 160e9, double(c.bytes_received) * intra);
        if (s.num_nodes == 1) continue;
        add(p + ".gpu" + std::to_string(l) + "->nic" + std::to_string(l), "pcie", gpu, nic, 64e9,
            double(c.bytes_sent) * (1 - intra));
        add(p + ".nic" + std::to_string(l) + "->leaf", "ib", nic, leaf, 50e9, double(c.bytes_sent) * (1 - intra));
        add(p + ".leaf->nic" + std::to_string(l), "ib", leaf, nic, 50e9, double(c.bytes_received) * (1 - intra));
    }
}

} // namespace

void add_timing(const SyntheticSpec& s, RunResult& r, uint64_t seed);

void add_timing_and_links(const SyntheticSpec& s, RunResult& r) {
    if (s.timing) add_timing(s, r, s.seed * 7919 + 17);
    add_links(s, r);
}

void add_timing(const SyntheticSpec& s, RunResult& r, uint64_t seed) {
    Rng rng{seed};
    const int G  = r.meta.num_gpus;
    const int MB = s.micro_batches;
    Builder b{r, G, Times(size_t(G), 0), Times(size_t(G), 0), Times(size_t(G), 0)};
    const double tokens_per_mb = double(s.requests_per_gpu) / MB;
    const auto attn            = noisy(G, 900.0 * tokens_per_mb, 0.15, rng); // MLA decode: contexts differ per GPU

    Times ready = b.run(Lane::Compute, "embed", -1, -1, Times(size_t(G), 0), noisy(G, 6000, 0.05, rng));
    std::vector<Times> mb_ready(size_t(MB), ready);
    for (int l = 0; l < r.meta.num_layers; ++l) {
        const bool moe = l >= s.num_dense_layers;
        std::vector<Times> gate_done(static_cast<size_t>(MB));
        for (int mb = 0; mb < MB; ++mb) {
            Times t = b.run(Lane::Compute, "attn_norm", l, mb, mb_ready[size_t(mb)], noisy(G, 1500, 0.1, rng));
            t       = b.run(Lane::Compute, "mla", l, mb, t, attn);
            if (!moe) {
                mb_ready[size_t(mb)] = b.run(Lane::Compute, "dense_ffn", l, mb, t, noisy(G, 30000, 0.05, rng));
                continue;
            }
            gate_done[size_t(mb)] = b.run(Lane::Compute, "moe_gate", l, mb, t, noisy(G, 2500, 0.1, rng));
        }
        if (!moe) continue;
        std::vector<double> recv(static_cast<size_t>(G)), expert(static_cast<size_t>(G)), back(static_cast<size_t>(G));
        for (int g = 0; g < G; ++g) {
            const double tok  = double(r.layer_gpu.tokens_received[size_t(l)][size_t(g)]) / MB;
            recv[size_t(g)]   = 3000 + tok * 7408 / 50.0;                      // FP8 dispatch at ~50 GB/s effective
            expert[size_t(g)] = 9000 + tok * 55.0;                             // grouped GEMM
            back[size_t(g)]   = 3000 + tokens_per_mb * s.top_k * 14336 / 90.0; // BF16 combine
        }
        for (int mb = 0; mb < MB; ++mb) {
            const Times disp = b.all_to_all(Lane::Dispatch, "dispatch", l, mb, gate_done[size_t(mb)], recv);
            Times t = b.run(Lane::Compute, "shared_expert", l, mb, gate_done[size_t(mb)], noisy(G, 7000, 0.05, rng));
            t       = b.run(Lane::Compute, "expert_gemm", l, mb, disp, expert);
            mb_ready[size_t(mb)] = b.all_to_all(Lane::Combine, "combine", l, mb, t, back);
        }
    }
    Times last(size_t(G), 0);
    for (const Times& t : mb_ready)
        for (int g = 0; g < G; ++g)
            last[size_t(g)] = std::max(last[size_t(g)], t[size_t(g)]);
    b.run(Lane::Compute, "lm_head", -1, -1, last, noisy(G, 60000, 0.05, rng));

    int64_t step = 0;
    for (const Span& sp : r.spans)
        step = std::max(step, sp.end_ns);
    r.summary.step_time_ns = step;
    sort_spans(r.spans);
    fill_counters_from_spans(r);
}

} // namespace moetwin::test
