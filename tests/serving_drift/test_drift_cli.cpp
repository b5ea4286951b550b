// SPDX-License-Identifier: Apache-2.0
// `moetwin serve` with serving.expert_drift through the binary on drift_serve_8gpu.json: the drift factors
// simulated then loaded from the cache, byte-identical outputs for the same scenario and seed, the series' expert
// columns, and a bad key refused with exit 1 and nothing written.
#include "../support/run_moetwin.hpp"
#include "../support/test_files.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using moetwin_test::run_moetwin;
using moetwin_test::slurp;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::string kDrift = std::string(MOETWIN_SOURCE_DIR) + "/tests/serving_drift/drift_serve_8gpu.json";

fs::path temp_dir(const std::string& what) {
    return moetwin_test::scratch_dir("drift_cli", what, false);
}

TEST(DriftCli, SimulatedThenCachedAndByteIdentical) {
    const fs::path root     = temp_dir("det");
    const std::string cache = " --no-plots -j 2 --step-model-cache " + (root / "cache").string();
    const auto a            = run_moetwin("serve " + kDrift + cache + " --out " + (root / "a").string());
    ASSERT_EQ(a.exit_code, 0) << a.output;
    EXPECT_THAT(a.output, HasSubstr("serve: decode unit: expert drift over 6 intervals, 6 placements ("));
    const auto b = run_moetwin("serve " + kDrift + cache + " --out " + (root / "b").string());
    ASSERT_EQ(b.exit_code, 0) << b.output;
    EXPECT_THAT(a.output, HasSubstr("s), simulated"));
    EXPECT_THAT(b.output, HasSubstr("s), loaded"));
    EXPECT_EQ(slurp(root / "a" / "series.csv"), slurp(root / "b" / "series.csv"));
    EXPECT_EQ(slurp(root / "a" / "summary.json"), slurp(root / "b" / "summary.json"));
    // series.csv: 6 rows; the expert columns are filled (busiest/mean >= 1, factors > 0).
    std::istringstream in(slurp(root / "a" / "series.csv"));
    std::string header, line;
    std::getline(in, header);
    EXPECT_THAT(header, HasSubstr("hit_tokens,prefill_expert_busiest_over_mean,prefill_step_factor,"
                                  "decode_expert_busiest_over_mean,decode_step_factor"));
    int rows = 0;
    while (std::getline(in, line)) {
        ++rows;
        std::vector<double> f;
        std::stringstream ls(line);
        for (std::string x; std::getline(ls, x, ',');)
            f.push_back(std::stod(x));
        ASSERT_EQ(f.size(), 19u); // sim/serving/series_columns.hpp
        for (std::size_t c : {14u, 16u})
            EXPECT_GE(f[c], 1.0) << line;
        for (std::size_t c : {15u, 17u}) {
            EXPECT_GT(f[c], 0.8) << line;
            EXPECT_LT(f[c], 1.5) << line;
        }
    }
    EXPECT_EQ(rows, 6);

    // replacement "incremental" (same grids, cached): fewer GB moved per unit than the full re-fits, both pools.
    std::string text       = slurp(kDrift);
    const std::string from = "\"window_min\": 5";
    text.replace(text.find(from), from.size(), from + ", \"replacement\": \"incremental\"");
    std::ofstream(root / "inc.json") << text;
    const auto c = run_moetwin("serve " + (root / "inc.json").string() + cache + " --out " + (root / "c").string());
    ASSERT_EQ(c.exit_code, 0) << c.output;
    const auto moved_GB = [](const std::string& out, const std::string& pool) {
        const std::string key = "serve: " + pool + " unit: expert drift over 6 intervals, 6 placements (";
        const std::size_t at  = out.find(key);
        return at == std::string::npos ? -1.0 : std::stod(out.substr(at + key.size()));
    };
    for (const std::string pool : {"prefill", "decode"}) {
        EXPECT_GT(moved_GB(a.output, pool), 0) << a.output;
        EXPECT_GE(moved_GB(c.output, pool), 0) << c.output;
        EXPECT_LT(moved_GB(c.output, pool), moved_GB(a.output, pool)) << pool;
    }
    fs::remove_all(root);
}

TEST(DriftCli, BadKeyExitsOneAndWritesNothing) {
    const fs::path root = temp_dir("bad");
    fs::create_directories(root);
    std::string text       = slurp(kDrift);
    const std::string from = "\"rebalance_min\": 5";
    text.replace(text.find(from), from.size(), "\"rebalance_min\": 7");
    std::ofstream(root / "bad.json") << text;
    const auto r =
        run_moetwin("serve " + (root / "bad.json").string() + " --no-plots --out " + (root / "out").string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.output, HasSubstr("serving.expert_drift.rebalance_min"));
    EXPECT_THAT(r.output, HasSubstr("whole number of series periods (5 min), got 7 min"));
    EXPECT_FALSE(fs::exists(root / "out" / "series.csv"));
    fs::remove_all(root);
}

} // namespace
