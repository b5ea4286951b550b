// SPDX-License-Identifier: Apache-2.0
// Issue 15: physical values bounded after unit conversion (defects 4, 5), the checks `validate` shares
// with `run` (defect 14) and the size guard (defect 7), each with the exact message.
#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/preflight.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_bounds.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <string>

using namespace moetwin;
using nlohmann::json;

namespace {

// DeepSeek's decode unit (EP144), the base each case changes in one place.
json base() {
    return json::parse(R"({
      "name": "t",
      "model": { "name": "deepseek_v3" },
      "hardware": { "gpu": "h800" },
      "cluster": { "num_nodes": 18, "gpus_per_node": 8 },
      "deployment": { "decode": { "num_nodes": 18, "ep_size": 144, "dp_size": 144,
                                  "redundant_experts": 32, "routed_experts_per_gpu": 2 } },
      "workload": { "phase": "decode", "requests_per_gpu": 128 }
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

std::string runnable_error(const json& j, const SizeLimits& limits = {}) {
    try {
        check_runnable(parse_scenario(j.dump(), "bounds.json"), limits);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST(ScenarioBounds, HbmBandwidthTinyOrHugeIsRefusedWithItsPath) {
    json j                              = base();
    j["hardware"]["hbm_bandwidth_GBps"] = 1e-300; // aborted inside SimGrid (exit 134)
    const std::string tiny              = parse_error(j);
    EXPECT_EQ(tiny, "bounds.json: hardware.hbm_bandwidth_GBps: 1e-300 GB/s is outside the plausible range "
                    "[10, 100000 GB/s] (catalogue GPUs: 3,350 (H800) to 8,000 GB/s (B200); two decades of what-if "
                    "room either way)");
    j["hardware"]["hbm_bandwidth_GBps"] = 1e300; // finite in the file, infinite in B/s: was shown as "inf GB/s"
    EXPECT_EQ(parse_error(j).rfind("bounds.json: hardware.hbm_bandwidth_GBps: a value that is not finite in SI units "
                                   "is outside the plausible range [10, 100000 GB/s]",
                                   0),
              0u)
        << parse_error(j);
    j["hardware"]["hbm_bandwidth_GBps"] = 3350; // the H800's own figure passes
    EXPECT_EQ(parse_error(j), "(no error)");
}

TEST(ScenarioBounds, HugeLatencyIsRefusedBeforeItOverflowsTheResult) {
    json j                                      = base();
    j["cluster"]["ib"]["latency_cross_leaf_us"] = 1e18; // overflowed llround at result assembly
    EXPECT_NE(parse_error(j).find("bounds.json: cluster.ib.latency_cross_leaf_us: 1e+18 µs is outside the plausible "
                                  "range [0, 10000 µs]"),
              std::string::npos)
        << parse_error(j);
    j                      = base();
    j["cluster"]["nvlink"] = {{"latency_us", 5000}};
    EXPECT_NE(parse_error(j).find("cluster.nvlink.latency_us: 5000 µs is outside the plausible range [0, 1000 µs]"),
              std::string::npos);
}

TEST(ScenarioBounds, PopularityParametersAreBounded) {
    json j                     = base();
    j["routing"]["popularity"] = {{"distribution", "lognormal"}, {"sigma", 1000}}; // exp overflow, assertion
    EXPECT_NE(parse_error(j).find("bounds.json: routing.popularity.sigma: 1000 is outside the plausible range [0, 10]"),
              std::string::npos)
        << parse_error(j);
    j["routing"]["popularity"] = {{"distribution", "zipf"}, {"s", 11}};
    EXPECT_NE(parse_error(j).find("routing.popularity.s: 11 is outside the plausible range [0, 10]"),
              std::string::npos);
    j["routing"]["popularity"] = {{"distribution", "lognormal"}, {"sigma", 10}}; // the edge is inside
    EXPECT_EQ(parse_error(j), "(no error)");
}

TEST(ScenarioBounds, ContextAndCalibrationBounds) {
    json j                   = base();
    j["workload"]["context"] = {{"distribution", "uniform"}, {"min_tokens", 1}, {"max_tokens", 1LL << 40}};
    EXPECT_NE(parse_error(j).find("workload.context.max_tokens: 1099511627776 tokens is outside the plausible range "
                                  "[1, 16777216 tokens]"),
              std::string::npos)
        << parse_error(j);
    j                        = base();
    j["workload"]["context"] = {{"distribution", "lognormal"}, {"mean_tokens", 4096}, {"sigma", 50}};
    EXPECT_NE(parse_error(j).find("workload.context.sigma: 50 is outside the plausible range [0, 5]"),
              std::string::npos);
    j                                          = base();
    j["network"]["calibration"]["chunk_bytes"] = 1e12;
    EXPECT_NE(parse_error(j).find("network.calibration.chunk_bytes: 1000000000000 B is outside"), std::string::npos)
        << parse_error(j);
}

TEST(ScenarioBounds, EveryShippedScenarioIsInsideTheBounds) {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(std::string(MOETWIN_SOURCE_DIR) + "/scenarios")) {
        if (e.path().extension() != ".json") continue;
        EXPECT_NO_THROW(load_scenario(e.path())) << e.path();
        ++n;
    }
    EXPECT_GE(n, 10);
}

TEST(ScenarioBounds, ReadmeListsEveryRange) {
    const std::string readme = read_file(std::string(MOETWIN_SOURCE_DIR) + "/scenarios/README.md");
    std::istringstream in(readme);
    std::vector<std::string> rows;
    for (std::string line; std::getline(in, line);)
        if (line.rfind("| `", 0) == 0) rows.push_back(line);
    for (const PhysicalBound& b : physical_bounds()) {
        const std::string path(b.path);
        const std::string parent = path.substr(0, path.rfind('.') + 1), leaf = path.substr(path.rfind('.') + 1);
        const std::string range = " | " + format_number(b.min) + " | " + format_number(b.max) + " | ";
        bool found              = false;
        for (const std::string& r : rows)
            found = found ||
                    ((r.find("`" + path + "`") != std::string::npos ||
                      (r.find("`" + parent) != std::string::npos && r.find("`" + leaf + "`") != std::string::npos)) &&
                     r.find(range) != std::string::npos);
        EXPECT_TRUE(found) << path << range << " is not in scenarios/README.md's \"Plausible ranges\"";
    }
}

// Defect 14: `validate` accepted what `run` rejected at plan time; both now call check_runnable().
TEST(Preflight, CrossLeafLatencyBelowSameLeafIsRefusedBeforePlanning) {
    json j             = base();
    j["cluster"]["ib"] = {{"latency_same_leaf_us", 3.7}, {"latency_cross_leaf_us", 2.8}};
    EXPECT_EQ(runnable_error(j), "bounds.json: cluster.ib.latency_cross_leaf_us: must be >= latency_same_leaf_us");
}

TEST(Preflight, SharedExpertsPerGpuAboveTheModelsCountIsRefused) {
    json j                                              = base();
    j["deployment"]["decode"]["shared_experts_per_gpu"] = 2; // DeepSeek-V3 has one shared expert
    EXPECT_NE(runnable_error(j).find("shared_experts_per_gpu: 2 must be in [0, 1]"), std::string::npos)
        << runnable_error(j);
}

TEST(Preflight, ShippedProductionScenarioPasses) {
    EXPECT_EQ(runnable_error(base()), "(no error)");
}

// Defect 7: 4,096 nodes (32,768 GPUs) allocated two 32,768² int64 matrices per MoE layer and micro-batch
// (17 GiB each) and died of bad_alloc; the estimate refuses it first, naming what it needs.
TEST(Preflight, SizeGuardRefusesA4096NodeUnitWithItsEstimate) {
    json j                    = base();
    j["cluster"]              = {{"num_nodes", 4096}, {"gpus_per_node", 8}, {"ib", {{"switch_ports", 128}}}};
    j["deployment"]["decode"] = {{"num_nodes", 4096},
                                 {"ep_size", 32768},
                                 {"dp_size", 32768},
                                 {"redundant_experts", 32768 - 256},
                                 {"routed_experts_per_gpu", 1}};
    const Scenario s          = parse_scenario(j.dump(), "bounds.json");
    const RunEstimate e       = estimate_run(s);
    // 58 MoE layers × 2 micro-batches × 2 × 32768² × 8 B ≈ 1.8 TiB of traffic matrices alone.
    const double n = 32768, routes = 58 * 2;
    EXPECT_GT(e.memory_bytes, routes * 2 * n * n * 8);
    EXPECT_LT(e.memory_bytes, routes * 2 * n * n * 8 * 1.25); // + node tokens, flows, stage times
    SizeLimits limits;
    limits.memory_bytes     = 64.0 * 1073741824.0;
    const std::string error = runnable_error(j, limits);
    EXPECT_NE(error.find("bounds.json: 32768 GPUs, 2 micro-batch(es): the run needs "), std::string::npos) << error;
    EXPECT_NE(error.find("more than the 64.0 GiB allowed by --max-memory-GiB"), std::string::npos) << error;
    // The machine's own memory is the default limit.
    EXPECT_NE(runnable_error(j).find("this machine has available"), std::string::npos);
}

TEST(Preflight, SizeGuardEstimateOfTheProductionDecodeStep) {
    const Scenario s    = parse_scenario(base().dump(), "bounds.json");
    const RunEstimate e = estimate_run(s);
    // Traffic: 58 MoE layers × 2 micro-batches × (2 × 144² + 144 × 18 + 144 × 2) × 8 B = 39 MB, plus the
    // fixed 256 MiB, stage times and trace events: well under 1 GiB; the time about a second.
    EXPECT_GT(e.memory_bytes, 256.0 * (1 << 20) + 58 * 2 * (2 * 144.0 * 144 + 144 * 18 + 144 * 2) * 8);
    EXPECT_LT(e.memory_bytes, 1073741824.0);
    EXPECT_GT(e.seconds, 0.3);
    EXPECT_LT(e.seconds, 3.0);
    SizeLimits tight;
    tight.minutes = 0.001;
    EXPECT_NE(runnable_error(base(), tight).find("minutes allowed; raise the limit with --max-minutes"),
              std::string::npos);
}
