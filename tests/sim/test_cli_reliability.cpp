// SPDX-License-Identifier: Apache-2.0
// Issue 15, end to end through the moetwin binary: exit code 1 and the message for bad physical values
// (defects 4, 5), for what `run` rejects at plan time (`validate` now rejects it too, defect 14) and for
// a unit too large for the machine (defect 7).
#include "../support/run_moetwin.hpp"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using moetwin_test::Outcome;

Outcome moetwin(const std::string& args) {
    return moetwin_test::run_moetwin(args);
}

// The production decode scenario with one change, written to a scratch file.
fs::path variant(const std::string& name, const std::function<void(json&)>& change) {
    std::ifstream in(std::string(MOETWIN_SOURCE_DIR) + "/scenarios/deepseek_v3_decode_ep144.json");
    json j = json::parse(in);
    change(j);
    const fs::path dir = fs::temp_directory_path() / ("moetwin_rel_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path p = dir / (name + ".json");
    std::ofstream(p) << j.dump(2);
    return p;
}

} // namespace

TEST(CliReliability, TinyHbmBandwidthExitsOneWithThePath) {
    const fs::path s = variant("hbm", [](json& j) { j["hardware"]["hbm_bandwidth_GBps"] = 1e-300; });
    for (const std::string args :
         {"validate " + s.string(), "run " + s.string() + " --out " + (s.parent_path() / "out").string()}) {
        const Outcome o = moetwin(args);
        EXPECT_EQ(o.exit_code, 1) << o.output; // was 134: SimGrid aborted
        EXPECT_NE(o.output.find("hbm.json: hardware.hbm_bandwidth_GBps: 1e-300 GB/s is outside the plausible range "
                                "[10, 100000 GB/s]"),
                  std::string::npos)
            << o.output;
    }
    EXPECT_FALSE(fs::exists(s.parent_path() / "out" / "result.json"));
}

TEST(CliReliability, LognormalSigma1000ExitsOne) {
    const fs::path s = variant("sigma", [](json& j) {
        j["routing"]["popularity"] = {{"distribution", "lognormal"}, {"sigma", 1000}};
    });
    const Outcome o  = moetwin("run " + s.string() + " --out " + (s.parent_path() / "out_sigma").string());
    EXPECT_EQ(o.exit_code, 1) << o.output; // was an assertion (exp overflow)
    EXPECT_NE(o.output.find("routing.popularity.sigma: 1000 is outside the plausible range [0, 10]"), std::string::npos)
        << o.output;
}

TEST(CliReliability, ValidateRejectsWhatRunRejects) {
    const fs::path s = variant("leaf", [](json& j) {
        j["cluster"]["ib"] = {{"latency_same_leaf_us", 3.7}, {"latency_cross_leaf_us", 2.8}};
    });
    const Outcome o  = moetwin("validate " + s.string());
    EXPECT_EQ(o.exit_code, 1) << o.output; // was 0
    EXPECT_NE(o.output.find("leaf.json: cluster.ib.latency_cross_leaf_us: must be >= latency_same_leaf_us"),
              std::string::npos)
        << o.output;
    const Outcome ok =
        moetwin("validate " + std::string(MOETWIN_SOURCE_DIR) + "/scenarios/deepseek_v3_decode_ep144.json");
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("run size (decode unit): "), std::string::npos) << ok.output;
}

TEST(CliReliability, HugeUnitIsRefusedWithTheEstimate) {
    const fs::path s = variant("huge", [](json& j) {
        j["cluster"]["num_nodes"]          = 4096;
        j["cluster"]["ib"]["switch_ports"] = 128;
        j["deployment"]["decode"]          = {{"num_nodes", 4096},
                                              {"ep_size", 32768},
                                              {"dp_size", 32768},
                                              {"redundant_experts", 32768 - 256},
                                              {"routed_experts_per_gpu", 1}};
    });
    const Outcome o  = moetwin("run " + s.string() + " --out " + (s.parent_path() / "out_huge").string());
    EXPECT_EQ(o.exit_code, 1) << o.output; // was 2 (bad_alloc)
    EXPECT_NE(o.output.find("32768 GPUs, 2 micro-batch(es): the run needs "), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("raise the limit with --max-memory-GiB"), std::string::npos) << o.output;
}
