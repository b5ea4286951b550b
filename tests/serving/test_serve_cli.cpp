// SPDX-License-Identifier: Apache-2.0
// `moetwin serve` end to end through the binary on the tiny serving scenario (scenarios/tiny_serve_2node.json):
// both units' grid step-time models built then loaded from the cache, byte-identical outputs for the same
// scenario, the summary's invariants, --exact against the grid on a smaller replay, and bad input.
#include "../support/run_moetwin.hpp"
#include "../support/test_files.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using moetwin_test::run_moetwin;
using moetwin_test::slurp;
using ::testing::HasSubstr;
using json   = nlohmann::json;
namespace fs = std::filesystem;

const std::string kTiny = std::string(MOETWIN_SOURCE_DIR) + "/scenarios/tiny_serve_2node.json";

fs::path temp_dir(const std::string& what) {
    return moetwin_test::scratch_dir("serve_cli", what, false);
}

json summary_of(const fs::path& dir) {
    return json::parse(slurp(dir / "summary.json"));
}

TEST(ServeCli, TinyScenarioBuildsLoadsAndIsDeterministic) {
    const fs::path root  = temp_dir("det");
    const fs::path cache = root / "cache";
    const auto first = run_moetwin("serve " + kTiny + " -j 2 --trace-every 10 --step-model-cache " + cache.string() +
                                   " --out " + (root / "a").string());
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_THAT(first.output, HasSubstr("serve: decode unit: building the 12 x 8 x 1 step-time grid"));
    EXPECT_THAT(first.output, HasSubstr("serve: prefill unit: building the 12 x 8 x 5 step-time grid"));
    std::size_t models = 0;
    for (const auto& e : fs::directory_iterator(cache))
        models += e.path().extension() == ".json";
    EXPECT_EQ(models, 2u); // one grid per unit
    const auto second = run_moetwin("serve " + kTiny + " --trace-every 10 --step-model-cache " + cache.string() +
                                    " --out " + (root / "b").string());
    ASSERT_EQ(second.exit_code, 0) << second.output;
    EXPECT_THAT(second.output, HasSubstr("serve: decode unit: loading the 12 x 8 x 1 step-time grid"));
    EXPECT_THAT(second.output, HasSubstr("serve: prefill unit: loading"));
    for (const char* f : {"requests.csv", "summary.json", "series.csv", "trace.json"})
        EXPECT_EQ(slurp(root / "a" / f), slurp(root / "b" / f)) << f << " differs between identical runs";

    const json s = summary_of(root / "a");
    // 4 requests/s for 180 s: 720 expected, Poisson-like count (CV 1.5) well within ±30 %.
    const int64_t in = s["requests"]["in"].get<int64_t>();
    EXPECT_GT(in, 500);
    EXPECT_LT(in, 950);
    EXPECT_EQ(s["requests"]["completed"].get<int64_t>() + s["requests"]["unfinished"].get<int64_t>(), in);
    // The 1,024-token system prompt (2 blocks of 512) and multi-turn sessions hit the prefix cache.
    EXPECT_GT(s["tokens"]["cache_hit_ratio"].get<double>(), 0.2);
    EXPECT_LT(s["tokens"]["cache_hit_ratio"].get<double>(), 1.0);
    // Step times are the step simulator's (1 MoE layer: sub-millisecond decode steps), so TPOT is positive and
    // far under the 50 ms SLO on this lightly loaded unit; TTFT at least one prefill step.
    const double tpot_p50 = s["latency_s"]["tpot"]["p50"].get<double>();
    EXPECT_GT(tpot_p50, 1e-5);
    EXPECT_LT(tpot_p50, 0.05);
    EXPECT_GT(s["latency_s"]["ttft"]["p50"].get<double>(), 0);
    // The schedule: 1 prefill node throughout; decode 1 unit for 90 s then 2 (paid): mean 1.5 nodes.
    EXPECT_NEAR(s["nodes"]["prefill_mean"].get<double>(), 1.0, 1e-9);
    EXPECT_NEAR(s["nodes"]["decode_mean"].get<double>(), 1.5, 1e-9);

    // trace.json: one track per completed request whose id is a multiple of 10, with its lifecycle's spans.
    std::ifstream csv(root / "a" / "requests.csv");
    std::string line;
    std::getline(csv, line);          // header
    int64_t sampled = 0, decoded = 0; // decoded: sampled with more than one output token (KV sent, decode)
    while (std::getline(csv, line)) {
        std::stringstream row(line);
        std::string id, arrival, input, output;
        std::getline(row, id, ','), std::getline(row, arrival, ','), std::getline(row, input, ',');
        std::getline(row, output, ',');
        if (std::stoll(id) % 10 != 0) continue;
        ++sampled;
        decoded += std::stoll(output) > 1;
    }
    const json trace = json::parse(slurp(root / "a" / "trace.json"));
    int64_t tracks = 0, prefill = 0, transfer = 0, decode = 0;
    for (const json& e : trace["traceEvents"]) {
        if (e["ph"] == "M" && e["name"] == "thread_name") ++tracks;
        if (e["ph"] != "X") continue;
        EXPECT_GE(e["dur"].get<double>(), 0);
        EXPECT_EQ(e["tid"].get<int64_t>() % 10, 0);
        prefill += e["name"] == "prefill";
        transfer += e["name"] == "KV transfer";
        decode += e["name"] == "decode";
    }
    EXPECT_GT(sampled, 30);
    EXPECT_EQ(tracks, sampled);
    EXPECT_EQ(prefill, sampled);  // every request computes at least one token
    EXPECT_EQ(transfer, decoded); // disaggregated: a request with > 1 output token sends its KV, then decodes
    EXPECT_EQ(decode, decoded);

    // Plots: drawn when gnuplot is on the PATH, else the note says why.
    if (first.output.find("gnuplot is not installed") == std::string::npos) {
        for (const char* f : {"serve_throughput.png", "serve_latency.png", "serve_cost.png"}) {
            const std::string png = slurp(root / "a" / f);
            ASSERT_GT(png.size(), 8u) << f;
            EXPECT_EQ(png.substr(1, 3), "PNG") << f;
        }
    } else {
        GTEST_SKIP() << "gnuplot is not installed: plots not checked";
    }
    fs::remove_all(root);
}

// Tolerance of the grid against --exact on mean latencies (measured: see sim/serving/README.md, "Step times").
constexpr double kGridTolerance = 0.05;

TEST(ServeCli, ExactAgreesWithTheGrid) {
    // 20 s of the tiny scenario's traffic: ~80 requests, every distinct step shape simulated with --exact.
    const fs::path root = temp_dir("exact");
    fs::create_directories(root);
    json j                     = json::parse(slurp(kTiny));
    j["serving"]["duration_h"] = 20.0 / 3600;
    j["serving"]["decode"]     = {{"schedule", json::array({{{"at_h", 0}, {"units", 1}}})}};
    const fs::path scenario    = root / "tiny_short.json";
    std::ofstream(scenario) << j.dump(1);
    const std::string common = " -j 2 --step-model-cache " + (root / "cache").string() + " --out ";
    const auto grid          = run_moetwin("serve " + scenario.string() + common + (root / "grid").string());
    ASSERT_EQ(grid.exit_code, 0) << grid.output;
    if (grid.output.find("gnuplot is not installed") == std::string::npos) // 20 s of 1-minute periods: no plot
        EXPECT_THAT(grid.output, HasSubstr("series.csv holds fewer than two periods"));
    const auto exact = run_moetwin("serve " + scenario.string() + " --exact" + common + (root / "exact").string());
    ASSERT_EQ(exact.exit_code, 0) << exact.output;
    EXPECT_THAT(exact.output, HasSubstr("--exact, the step simulator runs every distinct step shape"));
    const json g = summary_of(root / "grid"), e = summary_of(root / "exact");
    EXPECT_EQ(g["requests"]["in"], e["requests"]["in"]); // the same traffic
    EXPECT_EQ(g["tokens"]["cache_hit"], e["tokens"]["cache_hit"]);
    for (const char* metric : {"ttft", "tpot", "e2e"}) {
        const double gm = g["latency_s"][metric]["mean"].get<double>();
        const double em = e["latency_s"][metric]["mean"].get<double>();
        EXPECT_NEAR(gm / em, 1.0, kGridTolerance) << metric << ": grid " << gm << " s, exact " << em << " s";
    }
    fs::remove_all(root);
}

TEST(ServeCli, BadInputExitsOneAndWritesNothing) {
    const fs::path root = temp_dir("bad");
    const auto no_serving =
        run_moetwin("serve " + std::string(MOETWIN_SOURCE_DIR) + "/scenarios/tiny_2gpu_1layer.json --out " +
                    (root / "out").string() + " --step-model-cache " + (root / "cache").string());
    EXPECT_EQ(no_serving.exit_code, 1);
    EXPECT_THAT(no_serving.output, HasSubstr("tiny_2gpu_1layer.json: no \"serving\" section"));
    EXPECT_FALSE(fs::exists(root / "out"));
    const auto missing = run_moetwin("serve /nonexistent/s.json --out " + (root / "out").string());
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_THAT(missing.output, HasSubstr("/nonexistent/s.json"));
    EXPECT_FALSE(fs::exists(root / "out"));
    fs::remove_all(root);
}

} // namespace
