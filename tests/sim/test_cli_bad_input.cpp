// SPDX-License-Identifier: Apache-2.0
// Issue 15 items 2, 3, 6, 12 and 13 end to end: each bad input makes the moetwin binary exit 1 (a user error,
// never 2 or a crash) with a message naming the file and the JSON path or line:column.
#include "../support/run_moetwin.hpp"
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

using moetwin_test::Outcome;

Outcome moetwin(const std::string& args) {
    return moetwin_test::run_moetwin(args);
}

fs::path write(const std::string& name, const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / ("moetwin_bad_input_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p;
}

// The production decode deployment with one key's text replaced.
std::string decode_scenario(const std::string& unit) {
    return R"({"name": "x", "model": {"name": "deepseek_v3"}, "hardware": {"gpu": "h800"},
  "cluster": {"num_nodes": 18},
  "deployment": {"decode": )" +
           unit + R"(},
  "workload": {"phase": "decode"}})";
}

#define EXPECT_USER_ERROR(outcome, text)                                                                               \
    do {                                                                                                               \
        EXPECT_EQ((outcome).exit_code, 1) << (outcome).output;                                                         \
        EXPECT_NE((outcome).output.find(text), std::string::npos) << (outcome).output;                                 \
    } while (0)

} // namespace

// Item 2: 50,000 nested '[' overflowed the stack (the error path dumped the nested value).
TEST(BadInput, DeeplyNestedExpertLoadsAreRefusedWithTheirPosition) {
    const fs::path p =
        write("deep.json", "{\"logical_count\": " + std::string(50000, '[') + "1" + std::string(50000, ']') + "}");
    EXPECT_USER_ERROR(moetwin("balance --loads " + p.string()),
                      p.string() + ":1:82: invalid JSON: arrays and objects nest deeper than 64 levels");
}

// Item 3: 1e999 exited 2 ("internal error") in the scenario, expert-load and profile readers.
TEST(BadInput, NumberBeyondADoubleIsAUserErrorWithItsPosition) {
    const fs::path s = write("big_scenario.json", "{\"name\": \"x\",\n \"seed\": 1e999}");
    EXPECT_USER_ERROR(moetwin("validate " + s.string()),
                      s.string() + ":2:10: invalid JSON: the number 1e999 is beyond the range of a double");
    const fs::path l = write("big_loads.json", "{\"logical_count\": [[1, 1e999]]}");
    EXPECT_USER_ERROR(moetwin("balance --loads " + l.string()),
                      l.string() + ":1:24: invalid JSON: the number 1e999 is beyond the range of a double");
}

// Item 6: "ep_size": 4294967304 validated as EP8 (it was narrowed to int before any check); also dp_size.
TEST(BadInput, IntegersAreRangeCheckedBeforeNarrowing) {
    const fs::path ep = write("ep.json", decode_scenario(R"({"num_nodes": 1, "ep_size": 4294967304, "dp_size": 8})"));
    EXPECT_USER_ERROR(moetwin("validate " + ep.string()),
                      ep.string() + ": deployment.decode.ep_size: 4294967304 contradicts the value derived from "
                                    "num_nodes × cluster.gpus_per_node = 1 × 8: 8");
    const fs::path dp =
        write("dp.json", decode_scenario(R"({"num_nodes": 18, "ep_size": 144, "dp_size": 4294967440})"));
    EXPECT_USER_ERROR(moetwin("validate " + dp.string()),
                      dp.string() + ": deployment.decode.dp_size: 4294967440 contradicts the value derived from "
                                    "ep_size / tp_size = 144 / 1: 144");
    const fs::path nodes =
        write("nodes.json", decode_scenario(R"({"num_nodes": 4294967314, "ep_size": 144, "dp_size": 144})"));
    EXPECT_USER_ERROR(moetwin("validate " + nodes.string()),
                      nodes.string() + ": deployment.decode.num_nodes: 4294967314 is out of range");
}

// Item 6: a uniform context's max_tokens was unbounded.
TEST(BadInput, UnboundedContextLengthIsRefused) {
    std::string text = decode_scenario(R"({"num_nodes": 18, "ep_size": 144, "dp_size": 144, "redundant_experts": 32})");
    text.replace(
        text.find(R"("phase": "decode")"), 17,
        R"("phase": "decode", "context": {"distribution": "uniform", "min_tokens": 1, "max_tokens": 9223372036854775807})");
    const fs::path p = write("context.json", text);
    EXPECT_USER_ERROR(moetwin("validate " + p.string()),
                      p.string() + ": workload.context.max_tokens: 9.22337203685478e+18 tokens is outside the "
                                   "plausible range [1, 16777216 tokens]");
}

// Item 12: 100,000,000 tokens per GPU × 32 GPUs wrapped an int and was reported as "num_tokens must be ≥ 1".
TEST(BadInput, BalanceTokenCountOverflowNamesTheOptions) {
    const Outcome o =
        moetwin("balance --loads ../shared/data/expert_load/decode_in1000out1000.json --tokens-per-gpu 100000000");
    EXPECT_USER_ERROR(o, "balance: --tokens-per-gpu 100000000 × --gpus 32 = 3200000000 sampled tokens per layer: "
                         "expected at most 2147483647");
    EXPECT_EQ(o.output.find("num_tokens"), std::string::npos) << o.output;
}

// Item 13: the expert-load reader accepted duplicate keys.
TEST(BadInput, ExpertLoadDuplicateKeysAreRefused) {
    const fs::path p = write("dup.json", R"({"logical_count": [[1, 2]], "logical_count": [[3, 4]]})");
    EXPECT_USER_ERROR(moetwin("balance --loads " + p.string()),
                      p.string() + ": (top level): duplicate key \"logical_count\"");
}

// Item 13: "num_sms": 4294967300 in a profile was truncated to 4.
TEST(BadInput, ProfileSmCountIsRangeChecked) {
    const fs::path p = write("profile.json", R"({"format": "moetwin.profile", "version": 1, "model": "deepseek_v3",
  "generator": "t", "created_utc": "t", "timing": {"warmup": 1, "repeats": 1, "l2_flush": true, "input_sets": 1},
  "records": [{"op": "q_a_proj", "impl": "x", "shape": {"phase": "decode", "num_tokens": 128},
    "median_us": 9, "p10_us": 8, "p90_us": 10, "samples": 30, "gpu": "NVIDIA H800", "num_sms": 4294967300,
    "sm_clock_mhz": 1755, "sm_clock_max_mhz": 1980, "cuda_runtime": "13.0", "cuda_driver": "13.0"}]})");
    std::string scen = decode_scenario(R"({"num_nodes": 18, "ep_size": 144, "dp_size": 144, "redundant_experts": 32})");
    scen.insert(scen.rfind('}'), R"(, "compute": {"source": "profile", "profile_path": ")" + p.string() + "\"}");
    const fs::path s   = write("uses_profile.json", scen);
    const fs::path out = s.parent_path() / "profile_out";
    EXPECT_USER_ERROR(moetwin("run " + s.string() + " --out " + out.string()),
                      p.string() + ": records[0].num_sms: 4294967300 is out of range [1, 1024]");
    EXPECT_FALSE(fs::exists(out / "result.json"));
}

// Item 4 for the keys added since the audit (serving, its traffic, expert drift, training, offload, the
// balancer's command, cached prefixes): each is bounded by a row of sim/scenario_bounds.cpp, checked after
// unit conversion, and refused by `moetwin validate` with exit 1, the key's own JSON path and the range.
namespace {

// A shipped scenario's text with `from` replaced by `to` (each test changes one key).
fs::path shipped_with(const std::string& scenario, const std::string& from, const std::string& to,
                      const std::string& name) {
    std::ifstream in(std::string(MOETWIN_SOURCE_DIR) + "/scenarios/" + scenario);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t i = text.find(from);
    EXPECT_NE(i, std::string::npos) << from;
    if (i != std::string::npos) text.replace(i, from.size(), to);
    return write(name, text);
}

} // namespace

TEST(BadInput, ServingPoolAndSloKeysAreBounded) {
    const fs::path d =
        shipped_with("tiny_serve_2node.json", R"("duration_h": 0.05)", R"("duration_h": 1e300)", "serve_duration.json");
    EXPECT_USER_ERROR(moetwin("validate " + d.string()),
                      d.string() + ": serving.duration_h: 1e+300 h is outside the plausible range "
                                   "[0.000277777777777778, 8760 h]");
    const fs::path p = shipped_with("tiny_serve_2node.json", R"("decode": { "schedule")",
                                    R"("decode": { "join_delay_min": 1e9, "schedule")", "serve_pool.json");
    EXPECT_USER_ERROR(moetwin("validate " + p.string()),
                      p.string() + ": serving.decode.join_delay_min: 1000000000 min is outside the plausible range "
                                   "[0, 1440 min] (a new unit loads its weights");
    const fs::path t =
        shipped_with("tiny_serve_2node.json", R"("tpot_ms": 50)", R"("tpot_ms": 1e-9)", "serve_slo.json");
    EXPECT_USER_ERROR(moetwin("validate " + t.string()),
                      t.string() +
                          ": serving.slo.tpot_ms: 1e-09 ms is outside the plausible range [0.001, 1000000 ms]");
}

TEST(BadInput, SyntheticTrafficKeysAreBounded) {
    // A weight of 1e308 was accepted (positive, unbounded): the tenants' sum was infinite.
    const fs::path w =
        shipped_with("tiny_serve_2node.json", R"("weight": 1,)", R"("weight": 1e308,)", "traffic_weight.json");
    EXPECT_USER_ERROR(moetwin("validate " + w.string()),
                      w.string() + ": serving.traffic.synthetic.tenants[1].weight: 1e+308 is outside the plausible "
                                   "range [1e-06, 1000000] (a tenant's share");
    // An unbounded think time pushed a session's next turn past any horizon.
    const fs::path k = shipped_with("tiny_serve_2node.json", R"("think_time_s": 20)", R"("think_time_s": 1e300)",
                                    "traffic_think.json");
    EXPECT_USER_ERROR(moetwin("validate " + k.string()),
                      k.string() + ": serving.traffic.synthetic.tenants[0].session.think_time_s: 1e+300 s is outside "
                                   "the plausible range [0, 86400 s]");
    const fs::path h =
        shipped_with("tiny_serve_2node.json", R"("hourly": [4, 4,)", R"("hourly": [4, 1e8,)", "traffic_hourly.json");
    EXPECT_USER_ERROR(moetwin("validate " + h.string()),
                      h.string() + ": serving.traffic.synthetic.rate.hourly[1]: 100000000 req/s or × is outside the "
                                   "plausible range [0, 10000000 req/s or ×]");
}

TEST(BadInput, ExpertDriftKeysAreBounded) {
    const fs::path p = shipped_with(
        "tiny_serve_2node.json", R"("series_period_min": 1,)",
        R"("series_period_min": 1, "expert_drift": {"enabled": true, "hours_per_run": 1e6},)", "drift_hours.json");
    EXPECT_USER_ERROR(moetwin("validate " + p.string()),
                      p.string() + ": serving.expert_drift.hours_per_run: 1000000 h is outside the plausible range "
                                   "[0.0333333333333333, 24 h]");
}

TEST(BadInput, TrainingOffloadBalancerAndCachedPrefixKeysAreBounded) {
    const fs::path t = shipped_with("tiny_train_pp2_ep16.json", R"("sequence_tokens": 512)",
                                    R"("sequence_tokens": 4294967296)", "train_seq.json");
    EXPECT_USER_ERROR(moetwin("validate " + t.string()),
                      t.string() + ": training.sequence_tokens: 4294967296 tokens is outside the plausible range "
                                   "[1, 1048576 tokens]");
    const fs::path o = shipped_with("whatif_deepseek_v3_h800_node_fp8_offload.json", R"("enabled": true,)",
                                    R"("enabled": true, "history_steps": 0,)", "offload_history.json");
    EXPECT_USER_ERROR(moetwin("validate " + o.string()),
                      o.string() + ": offload.history_steps: 0 steps is outside the plausible range [1, 100000 steps]");
    const fs::path b =
        shipped_with("tiny_serve_2node.json", R"("policy": "eplb")",
                     R"("policy": "command", "command": ["true"], "command_timeout_s": 1e9)", "balancer_timeout.json");
    EXPECT_USER_ERROR(moetwin("validate " + b.string()),
                      b.string() + ": balancer.command_timeout_s: 1000000000 s is outside the plausible range "
                                   "[0.001, 86400 s]");
    // Checked before the phase is: a decode scenario with a huge cached prefix is refused for the bound.
    std::string text = decode_scenario(R"({"num_nodes": 18, "ep_size": 144, "dp_size": 144})");
    text.replace(text.find(R"("phase": "decode")"), 17, R"("phase": "decode", "cached_prefix_tokens": 1000000000000)");
    const fs::path cp = write("cached_prefix.json", text);
    EXPECT_USER_ERROR(moetwin("validate " + cp.string()),
                      cp.string() + ": workload.cached_prefix_tokens: 1000000000000 tokens is outside the plausible "
                                    "range [0, 16777216 tokens]");
}
