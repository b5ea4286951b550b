// SPDX-License-Identifier: Apache-2.0
// The hand-made RunResult the result tests share (numbers chosen so expected values are easy to derive).
#include "sample_result.hpp"

#include <unistd.h>

namespace moetwin::test {

RunResult sample_result() {
    RunResult r;
    RunMeta& m          = r.meta;
    m.moetwin_version   = "0.1.0";
    m.scenario          = "tiny_2x2";
    m.model             = "deepseek_v3";
    m.phase             = "decode";
    m.seed              = 18446744073709551615ull; // uint64 max survives the round trip
    m.num_nodes         = 2;
    m.gpus_per_node     = 2;
    m.num_gpus          = 4;
    m.num_layers        = 2;
    m.num_micro_batches = 2;
    m.compute_source    = "mixed";
    m.network_model     = "CM02";
    m.notes             = {"roofline fallback: expert_gemm [m=7]", "unicode: \xC2\xB5s \xE2\x9C\x93",
                           "quote \" backslash \\ newline \n tab \t"};

    // The scenario that was run, canonical (keys sorted): nested objects, an array, a double, a uint64, a string
    // with escapes.
    r.scenario_json = canonical_json_object(R"({"name": "tiny_2x2", "seed": 18446744073709551615,
        "balancer": {"policy": "eplb", "redundant": [1, 2.5, -3]}, "output": {"dir": "/tmp/\"q\" \u00b5s"}})");

    r.summary.step_time_ns     = 10000;
    r.summary.tokens_per_step  = 512;
    r.summary.timing_simulated = true;
    // Routed balance (result.hpp), as moetwin run fills it from the routing: non-zero so that the
    // round trip and the bad-input tests see real values.
    r.summary.gpu_balance_layer_mean  = 1.25;
    r.summary.gpu_balance_layer_worst = 1.5;
    r.summary.gpu_balance_step        = 1.125;
    r.summary.node_balance_layer_mean = 1.0625;
    r.summary.node_balance_step       = 1.03125;
    r.summary.node_max_over_min_step  = 1.0625;

    // Added out of order on purpose; sort_spans puts them in (gpu, lane, begin) order.
    const auto add = [&](int gpu, Lane lane, int64_t b, int64_t e, int layer, int mb, const char* op) {
        r.spans.push_back(Span{b, e, gpu, lane, int16_t(layer), int8_t(mb), intern_op(r, op)});
    };
    add(0, Lane::Compute, 6000, 9000, 1, 1, "attn");
    add(0, Lane::Compute, 0, 1500, 0, 0, "attn");
    add(0, Lane::Compute, 1500, 1750, 0, 0, "moe_gate");
    add(0, Lane::Dispatch, 1750, 3000, 0, 0, "dispatch");
    add(0, Lane::Compute, 3000, 5234, 0, 0, "expert_gemm");
    add(0, Lane::Combine, 5234, 6000, 0, 0, "combine");
    add(1, Lane::Compute, 0, 1400, 0, 0, "attn");
    add(2, Lane::Compute, 0, 5, -1, -1, "embed");
    add(2, Lane::Compute, 5, 1005, 0, 1, "attn");
    add(3, Lane::Dispatch, 2000, 2600, 1, 1, "dispatch");
    add(3, Lane::Compute, 100, 200, 1, 1, "attn");
    sort_spans(r.spans);

    for (int g = 0; g < m.num_gpus; ++g) {
        GpuCounters c;
        c.gpu               = g;
        c.node              = g / m.gpus_per_node;
        c.local_rank        = g % m.gpus_per_node;
        c.tokens_received   = 100 + g;
        c.tokens_sent       = 90 + g;
        c.expert_selections = 200 + g;
        c.bytes_sent        = 1000 * (g + 1);
        c.bytes_received    = 1100 * (g + 1);
        c.hbm_used_bytes    = 70'000'000'000 + g;
        r.gpus.push_back(c);
    }
    fill_counters_from_spans(r);

    r.layer_gpu.tokens_received = {{10, 20, 30, 40}, {25, 25, 25, 25}};
    r.layer_gpu.compute_ns      = {{2000, 1400, 1000, 0}, {3000, 0, 0, 100}};

    r.links = {
        {"n0.gpu0->nvswitch", "nvlink", "node0/gpu0", "node0/nvswitch", 160e9, 1'000'000, 2000, 0},
        {"n0.nic0->leaf0", "ib", "node0/nic0", "ib/leaf0", 50e9, 300'000, 5000, 0},
        {"n1.gpu2->nic2", "pcie", "node1/gpu2", "node1/nic2", 64e9, 77'777, 1234, 0},
    };

    r.experts.num_experts   = 4;
    r.experts.slots_per_gpu = 2;
    r.experts.tokens        = {{10, 20, 30, 40}, {5, 15, 25, 55}};
    r.experts.phy2log       = {{0, 1, 2, 3, 0, 1, 2, 3}, {3, 2, 1, 0, 0, 0, 1, 2}};

    fill_summary(r);
    return r;
}

std::filesystem::path scratch_dir(const std::string& name) {
    namespace fs       = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("moetwin_result_test_" + std::to_string(::getpid())) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

} // namespace moetwin::test
