// SPDX-License-Identifier: Apache-2.0
// Expert offloading (issue 20 item 4): the residency policies and the shared-link fetch by hand, the
// memory fit's resident/offloaded split, the `offload` scenario keys and the step's added time.
#include "common/errors.hpp"
#include "engine/host_cpu.hpp"
#include "engine/memory_fit.hpp"
#include "engine/roofline.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_fit.hpp"
#include "sim/step/expert_residency.hpp"
#include "sim/step/step_plan.hpp"
#include "topologies/cluster_spec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace moetwin;
using namespace moetwin::step;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// The tiny one-node scenario with an `offload` section spliced in before the last brace.
std::string tiny_with(const std::string& offload) {
    std::string t = read_text(std::string(MOETWIN_SOURCE_DIR) + "/scenarios/tiny_1node_ep8_decode.json");
    t.erase(t.find_last_of('}'));
    return t + ", \"offload\": " + offload + "}";
}

std::string expect_error(const std::string& text) {
    try {
        (void)parse_scenario(text, "offload.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no ConfigError";
    return {};
}

} // namespace

TEST(SharedLinkFetch, BytesOverBandwidthAndHostContention) {
    // No shared limit: 1 GB at 25 GB/s = 40 ms each.
    const std::vector<double> two = {1e9, 1e9};
    for (double f : shared_link_finish_s(two, 25e9, 0))
        EXPECT_NEAR(f, 0.04, 1e-12);
    // A 25 GB/s host shared by two: 12.5 GB/s each, 80 ms.
    for (double f : shared_link_finish_s(two, 25e9, 25e9))
        EXPECT_NEAR(f, 0.08, 1e-12);
    // 1 GB and 3 GB sharing 30 GB/s (15 each): the first ends at 1/15 s; the second then runs at its
    // own 25 GB/s cap for its last 2 GB: 1/15 + 2/25 s.
    const std::vector<double> uneven = {1e9, 3e9, 0};
    const auto f                     = shared_link_finish_s(uneven, 25e9, 30e9);
    EXPECT_NEAR(f[0], 1.0 / 15, 1e-12);
    EXPECT_NEAR(f[1], 1.0 / 15 + 2.0 / 25, 1e-12);
    EXPECT_EQ(f[2], 0.0);
}

TEST(Residency, PoliciesOnACraftedSequence) {
    const std::vector<double> w = {0.1, 5, 3, 0.2};
    // static: experts 1 and 2 resident throughout; accesses 0,1 | 2 | 3 hit twice of four.
    const auto st = simulate_residency(ResidencyPolicy::StaticHottest, 4, 2, w, {{0, 1}, {2}, {3}});
    EXPECT_EQ(st.hits, 2);
    EXPECT_EQ(st.accesses, 4);
    EXPECT_EQ(st.resident, (std::vector<int>{1, 2}));
    // 0 | 0 | 1 | 2 | 0 with room for 2.
    // LRU: miss, hit, miss, miss (evicts 0, used at t1 before 1 at t2), miss (evicts 1): 1 hit of 5.
    // LFU: miss, hit, miss, miss (evicts 1: one use against two), hit: 2 hits of 5.
    const std::vector<std::vector<int>> seq = {{0}, {0}, {1}, {2}, {0}};
    const auto lru                          = simulate_residency(ResidencyPolicy::Lru, 4, 2, w, seq);
    EXPECT_EQ(lru.hits, 1);
    EXPECT_EQ(lru.resident, (std::vector<int>{0, 2}));
    const auto lfu = simulate_residency(ResidencyPolicy::Lfu, 4, 2, w, seq);
    EXPECT_EQ(lfu.hits, 2);
    EXPECT_DOUBLE_EQ(lfu.hit_rate(), 0.4);
    EXPECT_EQ(lfu.resident, (std::vector<int>{0, 2}));
    // Room for nothing: every access misses, nothing stays.
    const auto none = simulate_residency(ResidencyPolicy::Lru, 4, 0, w, seq);
    EXPECT_EQ(none.hits, 0);
    EXPECT_TRUE(none.resident.empty());
}

TEST(Residency, SampledActivationsAreDeterministicAndFollowTheMeans) {
    const std::vector<double> mean = {0.0, 50.0, 0.6931471805599453}; // never, always, half the steps
    Rng a(7, 1), b(7, 1);
    const auto sa = sample_activations(mean, 4000, a);
    EXPECT_EQ(sa, sample_activations(mean, 4000, b));
    int n1 = 0, n2 = 0;
    for (const auto& step : sa)
        for (int e : step) {
            EXPECT_NE(e, 0);
            n1 += e == 1;
            n2 += e == 2;
        }
    EXPECT_EQ(n1, 4000);
    EXPECT_NEAR(n2 / 4000.0, 0.5, 0.03); // binomial sd 0.008
}

TEST(OffloadFit, SplitsRoutedExpertsBetweenHbmAndHost) {
    FitInput in;
    in.gpu      = find_gpu("rtx4090");
    in.num_gpus = in.ep_size = in.dp_size = 8;
    in.routed_experts_per_gpu             = 32;
    in.routed_expert_precision = in.weight_precision = Precision::Int4G128;
    in.requests_per_gpu                              = 8;
    const FitReport all                              = fit_memory(in);
    EXPECT_FALSE(all.fits);
    // One DeepSeek-V3 expert: gate+up 4096×7168 and down 7168×2048 at 4 bits, plus per 128 inputs an
    // FP16 scale per output and a 4-bit zero per output: 15,253,504 + 7,626,752 B.
    EXPECT_EQ(all.expert_bytes, 22'880'256);
    EXPECT_EQ(all.resident_experts_per_gpu, 32);

    in.offload_experts   = true;
    in.host_memory_bytes = int64_t(512e9);
    const FitReport off  = fit_memory(in);
    const int R          = off.resident_experts_per_gpu;
    EXPECT_TRUE(off.fits) << off.reason;
    EXPECT_GT(R, 0);
    EXPECT_LT(R, 32);
    EXPECT_EQ(off.offloaded_experts_per_gpu, 32 - R);
    EXPECT_EQ(off.offloaded_bytes_per_gpu, 58 * int64_t(32 - R) * off.expert_bytes);
    EXPECT_EQ(all.weight_bytes - off.weight_bytes, off.offloaded_bytes_per_gpu);
    EXPECT_EQ(off.host_bytes_per_node, 8 * off.offloaded_bytes_per_gpu);
    EXPECT_EQ(off.staging_bytes, 2 * int64_t(32 - R) * off.expert_bytes);
    // R is the most that fit: one more does not.
    in.offload_resident_experts_per_gpu = R + 1;
    EXPECT_FALSE(fit_memory(in).fits);
    // Host memory smaller than what is offloaded: an error naming the scenario key.
    in.offload_resident_experts_per_gpu = -1;
    in.host_memory_bytes                = int64_t(100e9);
    try {
        (void)fit_memory(in);
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("offload.host_memory_GB"), std::string::npos) << e.what();
    }
}

TEST(OffloadScenario, KeysRoundTripAndBadInputs) {
    const Scenario s = parse_scenario(tiny_with(R"({"enabled": true, "host_memory_GB": 256,
        "host_memory_bandwidth_GBps": 100, "host_bridge_bandwidth_GBps": 64, "policy": "lfu",
        "on_miss": "compute_on_cpu", "resident_experts_per_gpu": 16, "prefetch": false, "history_steps": 8,
        "cpu_cores": 32, "cpu_GFLOPS_per_core": 50})"),
                                      "offload.json");
    EXPECT_TRUE(s.offload.enabled);
    EXPECT_DOUBLE_EQ(s.offload.host_memory_bytes, 256e9);
    EXPECT_EQ(s.offload.policy, ResidencyPolicy::Lfu);
    EXPECT_EQ(s.offload.miss, OffloadMiss::CpuCompute);
    EXPECT_EQ(s.offload.resident_experts_per_gpu, 16);
    const std::string once = scenario_to_json(s);
    EXPECT_EQ(scenario_to_json(parse_scenario(once, "again.json")), once);

    EXPECT_NE(expect_error(tiny_with(R"({"enabled": true, "host_memory_bandwidth_GBps": 100})"))
                  .find("offload.host_memory_GB"),
              std::string::npos);
    EXPECT_NE(expect_error(tiny_with(R"({"enabled": true, "host_memory_GB": 0, "host_memory_bandwidth_GBps": 1})"))
                  .find("offload.host_memory_GB"),
              std::string::npos);
    EXPECT_NE(expect_error(tiny_with(R"({"enabled": true, "host_memory_GB": 9, "host_memory_bandwidth_GBps": 1,
        "policy": "fifo"})"))
                  .find("offload.policy"),
              std::string::npos);
    EXPECT_NE(expect_error(tiny_with(R"({"enabled": true, "host_memory_GB": 9, "host_memory_bandwidth_GBps": 1,
        "on_miss": "compute_on_cpu"})"))
                  .find("offload.cpu_cores"),
              std::string::npos);
    EXPECT_NE(expect_error(tiny_with(R"({"enabled": true, "host_memory_GB": 9, "host_memory_bandwidth_GBps": 1,
        "resident_experts_per_gpu": 34})"))
                  .find("offload.resident_experts_per_gpu"),
              std::string::npos);
    EXPECT_NE(expect_error(tiny_with(R"({"enabled": false, "policy": "lru"})")).find("offload"), std::string::npos);
    EXPECT_NE(expect_error(tiny_with(R"({"enabled": true, "host_memory_GB": 9, "host_memory_bandwidth_GBps": 1,
        "resident": 3})"))
                  .find("offload.resident"),
              std::string::npos);
}

TEST(OffloadStep, MissesAddFetchTimeAndPrefetchHidesSome) {
    const Scenario base = parse_scenario(tiny_with(R"({"enabled": false})"), "off.json");
    const RooflineModel roof(base.gpu);
    const StepPlan plain = plan_step(base, roof);
    const auto with      = [&](const std::string& keys) {
        return plan_step(
                 parse_scenario(tiny_with(R"({"enabled": true, "host_memory_GB": 512, )" + keys + "}"), "on.json"), roof);
    };
    // Every expert resident: nothing changes.
    const StepPlan resident = with(R"("host_memory_bandwidth_GBps": 100, "resident_experts_per_gpu": 33)");
    EXPECT_EQ(resident.stage_s, plain.stage_s);
    // 8 of 33 resident, host unlimited, no prefetch: each GPU adds whole experts over its own PCIe link.
    const StepPlan free_host =
        with(R"("host_memory_bandwidth_GBps": 1e6, "resident_experts_per_gpu": 8, "prefetch": false)");
    // The same with a 25 GB/s host shared by the node's 8 GPUs (each link 63 GB/s): the link saturates
    // throughout, so the last GPU finishes when the node's bytes have crossed it at 25 GB/s.
    const StepPlan shared =
        with(R"("host_memory_bandwidth_GBps": 25, "resident_experts_per_gpu": 8, "prefetch": false)");
    const StepPlan prefetch = with(R"("host_memory_bandwidth_GBps": 25, "resident_experts_per_gpu": 8)");
    const FitReport fit     = fit_unit(parse_scenario(tiny_with(R"({"enabled": true, "host_memory_GB": 512,
        "host_memory_bandwidth_GBps": 25, "resident_experts_per_gpu": 8})"),
                                                      "on.json"),
                                       Phase::Decode);
    const double pcie       = base.gpu.pcie_bandwidth_Bps;
    double sum_shared = 0, sum_prefetch = 0;
    for (int L = 0; L < plain.num_layers(); ++L)
        for (int m = 0; m < plain.micro_batches; ++m) {
            double node_bytes = 0, last = 0;
            for (int g = 0; g < plain.num_gpus; ++g) {
                const double mlp0  = plain.seconds(g, L, m, Stage::Mlp);
                const double added = free_host.seconds(g, L, m, Stage::Mlp) - mlp0;
                const double n     = added * pcie / double(fit.expert_bytes);
                EXPECT_NEAR(n, std::round(n), 1e-6);
                EXPECT_LE(std::round(n), 33 - 8);
                node_bytes += std::round(n) * double(fit.expert_bytes);
                last = std::max(last, shared.seconds(g, L, m, Stage::Mlp) - mlp0);
                sum_shared += shared.seconds(g, L, m, Stage::Mlp);
                sum_prefetch += prefetch.seconds(g, L, m, Stage::Mlp);
                EXPECT_LE(prefetch.seconds(g, L, m, Stage::Mlp), shared.seconds(g, L, m, Stage::Mlp) + 1e-15);
                EXPECT_EQ(shared.seconds(g, L, m, Stage::Attn), plain.seconds(g, L, m, Stage::Attn));
            }
            EXPECT_GT(node_bytes, 0);
            EXPECT_NEAR(last, node_bytes / 25e9, 1e-9);
        }
    EXPECT_LT(sum_prefetch, sum_shared);
    // On the CPU: the MLP stage is the longer of the GPU's and the CPU's path.
    const StepPlan cpu = with(R"("host_memory_bandwidth_GBps": 25, "resident_experts_per_gpu": 8,
        "on_miss": "compute_on_cpu", "cpu_cores": 32, "cpu_GFLOPS_per_core": 50)");
    for (int g = 0; g < plain.num_gpus; ++g)
        EXPECT_GE(cpu.seconds(g, 0, 0, Stage::Mlp), plain.seconds(g, 0, 0, Stage::Mlp));
}

// The host CPU catalogue (engine/host_cpu.cpp): figures derived from the datasheets by hand, and
// `offload.host_cpu` filling the offload model's memory bandwidth and CPU roofline.
TEST(HostCpu, CatalogueFiguresAndTheScenarioKey) {
    const HostCpuSpec& icx = find_host_cpu("xeon_8380_2s");
    EXPECT_DOUBLE_EQ(icx.memory_bandwidth_Bps(), 409.6e9); // 2 sockets x 8 channels x 3.2 GT/s x 8 B
    EXPECT_EQ(icx.cores(), 80);
    EXPECT_DOUBLE_EQ(icx.flops_per_core(), 147.2e9);        // 64 FP32 FLOP/cycle x 2.3 GHz
    EXPECT_DOUBLE_EQ(icx.inter_socket_Bps, kUpiIceLakeBps); // the PCIe box's default host bridge
    const HostCpuSpec& spr = find_host_cpu("xeon_8480p_2s");
    EXPECT_DOUBLE_EQ(spr.memory_bandwidth_Bps(), 614.4e9); // 2 x 8 x 4.8 GT/s x 8 B
    EXPECT_EQ(spr.cores(), 112);
    EXPECT_DOUBLE_EQ(spr.flops_per_core(), 2048e9); // AMX BF16: 1,024 FLOP/cycle x 2.0 GHz
    EXPECT_DOUBLE_EQ(spr.inter_socket_Bps, 128e9);
    EXPECT_THROW(find_host_cpu("Xeon_8380_2s"), ConfigError);

    const Scenario s = parse_scenario(tiny_with(R"({"enabled": true, "host_cpu": "xeon_8480p_2s",
        "host_memory_GB": 64, "on_miss": "compute_on_cpu"})"),
                                      "cpu.json");
    EXPECT_EQ(s.offload.host_cpu, "xeon_8480p_2s");
    EXPECT_DOUBLE_EQ(s.offload.host_memory_bandwidth_Bps, 614.4e9);
    EXPECT_EQ(s.offload.cpu_cores, 112);
    EXPECT_DOUBLE_EQ(s.offload.cpu_flops_per_core, 2048e9);
    const std::string once = scenario_to_json(s);
    EXPECT_EQ(scenario_to_json(parse_scenario(once, "again.json")), once);
    // A key given beside host_cpu wins.
    const Scenario own = parse_scenario(tiny_with(R"({"enabled": true, "host_cpu": "xeon_8380_2s",
        "host_memory_GB": 64, "host_memory_bandwidth_GBps": 100})"),
                                        "own.json");
    EXPECT_DOUBLE_EQ(own.offload.host_memory_bandwidth_Bps, 100e9);
    EXPECT_NE(expect_error(tiny_with(R"({"enabled": true, "host_cpu": "epyc", "host_memory_GB": 9})"))
                  .find("offload.host_cpu"),
              std::string::npos);
    EXPECT_NE(
        expect_error(tiny_with(R"({"enabled": true, "host_memory_GB": 9})")).find("offload.host_memory_bandwidth_GBps"),
        std::string::npos);
}
