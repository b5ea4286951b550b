// SPDX-License-Identifier: Apache-2.0
// Issue 15 "every physical key bounded", for the sections added after the first bounds table: the host
// bridge of a PCIe box (cluster.host_bridge), expert offloading (offload) and a service's prices
// (serving.prices). Each case changes one key of a shipped or minimal scenario and checks the message.
#include "common/errors.hpp"
#include "sim/scenario.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

using nlohmann::json;
using namespace moetwin;

namespace {

// The shipped RTX 4090 what-if with expert offloading: one PCIe box (host bridge) with offload enabled.
json rtx_offload() {
    std::ifstream in(std::string(MOETWIN_SOURCE_DIR) +
                     "/scenarios/whatif_deepseek_v3_8x_rtx4090_24gb_int4_offload.json");
    return json::parse(in);
}

// A minimal disaggregated service: DeepSeek's two units and the required serving keys.
json service() {
    return json::parse(R"({
      "name": "s",
      "model": { "name": "deepseek_v3" },
      "hardware": { "gpu": "h800" },
      "cluster": { "gpus_per_node": 8 },
      "deployment": { "prefill": { "num_nodes": 4 }, "decode": { "num_nodes": 18 } },
      "workload": { "phase": "decode" },
      "serving": { "prefill": { "schedule": [ { "at_h": 0, "units": 1 } ] },
                   "decode": { "schedule": [ { "at_h": 0, "units": 1 } ] },
                   "slo": { "ttft_s": 2, "tpot_ms": 50 } }
    })");
}

std::string parse_error(const json& j) {
    try {
        parse_scenario(j.dump(), "bounds.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST(ScenarioBoundsSections, BasesAreInsideTheBounds) {
    EXPECT_EQ(parse_error(rtx_offload()), "(no error)");
    EXPECT_EQ(parse_error(service()), "(no error)");
}

TEST(ScenarioBoundsSections, HostBridgeIsBounded) {
    json j                                        = rtx_offload();
    j["cluster"]["host_bridge"]["bandwidth_GBps"] = 1e-300; // positive, and a transfer would never end
    EXPECT_EQ(parse_error(j).rfind("bounds.json: cluster.host_bridge.bandwidth_GBps: 1e-300 GB/s is outside the "
                                   "plausible range [1, 1000 GB/s] (per direction: 67.2 GB/s",
                                   0),
              0u)
        << parse_error(j);
    j                                         = rtx_offload();
    j["cluster"]["host_bridge"]["latency_us"] = 1e15; // nanoseconds beyond int64 once the step adds them up
    EXPECT_EQ(parse_error(j).rfind("bounds.json: cluster.host_bridge.latency_us: 1e+15 µs is outside the plausible "
                                   "range [0, 1000 µs]",
                                   0),
              0u)
        << parse_error(j);
    j                                             = rtx_offload();
    j["cluster"]["host_bridge"]["bandwidth_GBps"] = 134.4; // six UPI links pass
    EXPECT_EQ(parse_error(j), "(no error)");
}

TEST(ScenarioBoundsSections, OffloadIsBounded) {
    json j                         = rtx_offload();
    j["offload"]["host_memory_GB"] = 1e300; // finite in the file, infinite in bytes
    EXPECT_EQ(parse_error(j).rfind("bounds.json: offload.host_memory_GB: a value that is not finite in SI units is "
                                   "outside the plausible range [1, 100000 GB]",
                                   0),
              0u)
        << parse_error(j);
    j                                          = rtx_offload();
    j["offload"]["host_memory_bandwidth_GBps"] = 1e-12;
    EXPECT_EQ(parse_error(j).rfind("bounds.json: offload.host_memory_bandwidth_GBps: 1e-12 GB/s is outside the "
                                   "plausible range [1, 1000000 GB/s]",
                                   0),
              0u)
        << parse_error(j);
    j                                          = rtx_offload();
    j["offload"]["host_bridge_bandwidth_GBps"] = 1e7;
    EXPECT_NE(parse_error(j).find("offload.host_bridge_bandwidth_GBps: 10000000 GB/s is outside"), std::string::npos)
        << parse_error(j);
    j                                   = rtx_offload();
    j["offload"]["on_miss"]             = "compute_on_cpu";
    j["offload"]["cpu_cores"]           = 32;
    j["offload"]["cpu_GFLOPS_per_core"] = 1e9; // an exaflop per core
    EXPECT_NE(parse_error(j).find("offload.cpu_GFLOPS_per_core: 1000000000 GFLOP/s is outside the plausible range "
                                  "[0.1, 10000 GFLOP/s]"),
              std::string::npos)
        << parse_error(j);
    j["offload"]["cpu_GFLOPS_per_core"] = 50;
    EXPECT_EQ(parse_error(j), "(no error)");
}

TEST(ScenarioBoundsSections, ServingPricesAreBounded) {
    json j                                 = service();
    j["serving"]["prices"]["gpu_hour_usd"] = 2e6;
    EXPECT_EQ(parse_error(j).rfind("bounds.json: serving.prices.gpu_hour_usd: 2000000 USD is outside the plausible "
                                   "range [0, 1000 USD] (Day-6: $2 per H800-hour",
                                   0),
              0u)
        << parse_error(j);
    j                                             = service();
    j["serving"]["prices"]["output_per_mtok_usd"] = 1e300;
    EXPECT_NE(parse_error(j).find("serving.prices.output_per_mtok_usd: 1e+300 USD is outside the plausible range "
                                  "[0, 10000 USD]"),
              std::string::npos)
        << parse_error(j);
    j                                                = service();
    j["serving"]["prices"]["input_hit_per_mtok_usd"] = 600; // o1-pro's output price passes
    EXPECT_EQ(parse_error(j), "(no error)");
}
