// SPDX-License-Identifier: Apache-2.0
// result.json: lossless round trip, byte-identical rewrite, exact doubles, atomic (never partial) output.
#include "sim/result/result_json.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sample_result.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using namespace moetwin;

namespace {

std::string to_text(const RunResult& r) {
    std::ostringstream out;
    write_result_json(r, out);
    return out.str();
}

int count_files(const fs::path& dir) {
    int n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir))
        ++n;
    return n;
}

} // namespace

TEST(ResultJson, RoundTripIsLosslessAndByteIdentical) {
    const fs::path dir = test::scratch_dir("round_trip");
    const RunResult r  = test::sample_result();
    write_result_json(r, dir / "a.json");
    const RunResult back = read_result_json(dir / "a.json");
    EXPECT_EQ(back.meta, r.meta);
    EXPECT_EQ(back.summary, r.summary);
    EXPECT_EQ(back.op_names, r.op_names);
    EXPECT_EQ(back.gpus, r.gpus);
    EXPECT_EQ(back.layer_gpu, r.layer_gpu);
    EXPECT_EQ(back.links, r.links);
    EXPECT_EQ(back.experts, r.experts);
    EXPECT_EQ(back.spans, r.spans);
    EXPECT_EQ(back.scenario_json, r.scenario_json);
    EXPECT_NE(r.scenario_json, "{}"); // the sample records a scenario, so the round trip tests something
    EXPECT_TRUE(back == r);

    write_result_json(back, dir / "b.json");
    EXPECT_EQ(read_file(dir / "a.json"), read_file(dir / "b.json"));
    EXPECT_EQ(read_file(dir / "a.json"), to_text(test::sample_result())); // same RunResult, same bytes
}

TEST(ResultJson, LayoutIsCompactAndReadable) {
    const std::string text = to_text(test::sample_result());
    EXPECT_EQ(text.rfind("{\n  \"meta\": {\n    \"format_version\": 3,\n", 0), 0u);
    // The scenario follows meta, keys sorted, nested objects indented.
    EXPECT_NE(text.find("\n  },\n  \"scenario\": {\n    \"balancer\": {\n      \"policy\": \"eplb\",\n"
                        "      \"redundant\": [1, 2.5, -3]\n    },\n    \"name\": \"tiny_2x2\",\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("    \"columns\": [\"begin_ns\", \"end_ns\", \"layer\", \"micro_batch\", \"op\"],\n"),
              std::string::npos);
    EXPECT_NE(text.find("        \"gpu\": 2,\n        \"lane\": \"compute\",\n        \"rows\": [\n"
                        "          [0, 5, -1, -1, 5],\n          [5, 1005, 0, 1, 0]\n        ]\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("    [0, 1, 2, 3, 0, 1, 2, 3],\n"), std::string::npos); // a matrix row is one line
    EXPECT_NE(text.find("    {\"gpu\": 0, \"node\": 0, \"local_rank\": 0, \"tokens_received\": 100,"),
              std::string::npos);
    EXPECT_NE(text.find("\"seed\": 18446744073709551615,"), std::string::npos);
    EXPECT_EQ(text.back(), '\n');
}

TEST(ResultJson, DoublesRoundTripExactly) {
    RunResult r = test::sample_result();
    std::mt19937_64 rng(42);
    std::vector<double> values = {0.1 + 0.2, 1.0 / 3.0, 5e-324, 2.2250738585072014e-308, DBL_MAX, 1e22, 123456789.125,
                                  0.0,       1.0,       1e-7};
    for (int i = 0; i < 200; ++i) {
        uint64_t bits = rng();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (std::isfinite(d) && d > 0) values.push_back(d);
    }
    const fs::path dir = test::scratch_dir("doubles");
    for (size_t i = 0; i < values.size(); ++i) {
        r.links[0].utilisation         = values[i];
        r.summary.tokens_per_s_per_gpu = values[i];
        r.links[1].capacity_Bps        = values[i] > 0 ? values[i] : 1.0;
        write_result_json(r, dir / "d.json");
        const RunResult back = read_result_json(dir / "d.json");
        ASSERT_EQ(std::memcmp(&back.links[0].utilisation, &values[i], sizeof(double)), 0) << values[i];
        ASSERT_EQ(back, r) << "value " << i;
    }
}

TEST(ResultJson, EmptyAndUntimedResultsRoundTrip) {
    RunResult r                = test::sample_result();
    r.summary.timing_simulated = false;
    r.spans.clear();
    r.links.clear();
    r.summary.busiest_link = "";
    const fs::path p       = test::scratch_dir("untimed") / "u.json";
    write_result_json(r, p);
    EXPECT_EQ(read_result_json(p), r);
    EXPECT_NE(read_file(p).find("\"groups\": []\n"), std::string::npos);
    EXPECT_NE(read_file(p).find("\"links\": [],\n"), std::string::npos);
}

TEST(ResultJson, UnwritableDirectoryLeavesNoFile) {
    const fs::path dir = test::scratch_dir("unwritable");
    write_file_atomic(dir / "blocker", "a regular file where a directory is needed");
    const fs::path target = dir / "blocker" / "sub" / "result.json";
    try {
        write_result_json(test::sample_result(), target);
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir / "blocker" / "sub").string() + ": cannot create directory: Not a directory");
    }
    EXPECT_FALSE(fs::exists(target));
    EXPECT_EQ(count_files(dir), 1); // only the blocker
}

TEST(ResultJson, FailureMidWriteKeepsTheOldFile) {
    const fs::path dir = test::scratch_dir("mid_write");
    const fs::path p   = dir / "result.json";
    write_result_json(test::sample_result(), p);
    const std::string old = read_file(p);

    RunResult bad   = test::sample_result();
    bad.op_names[5] = "embed\xff"; // invalid UTF-8: found while the file is half written
    EXPECT_THROW(write_result_json(bad, p), ConfigError);
    EXPECT_EQ(read_file(p), old);
    EXPECT_EQ(count_files(dir), 1) << "a temporary file was left behind";

    RunResult invalid           = test::sample_result();
    invalid.spans.back().end_ns = 10001;
    try {
        write_result_json(invalid, p);
        FAIL() << "expected std::logic_error";
    } catch (const std::logic_error& e) { // the simulator's own invariant: an internal error (exit 2)
        EXPECT_EQ(std::string(e.what()), p.string() + ": refusing to write an invalid result: spans (gpu 3 dispatch, "
                                                      "row 0): end_ns 10001 is after summary.step_time_ns 10000");
    }
    EXPECT_EQ(read_file(p), old);
    EXPECT_EQ(count_files(dir), 1);
}
