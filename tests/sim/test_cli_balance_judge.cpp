// SPDX-License-Identifier: Apache-2.0
// `moetwin balance cross`, `balance mix` and `balance step` through the binary (issue 16 item 4),
// with a user's placement command among the policies (item 5).
#include "../support/run_moetwin.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using moetwin_test::run_moetwin;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kSample = fs::path(MOETWIN_SOURCE_DIR) / "tests/balancer/data/prefill_in1024_sample.json";

// A folder whose runs/ holds the sample twice under two prefill names (identical runs: out of sample = in sample).
fs::path twin_runs() {
    const fs::path d = fs::temp_directory_path() / ("moetwin_cross_" + std::to_string(::getpid()));
    fs::create_directories(d / "runs");
    fs::copy_file(kSample, d / "runs/prefill_a.json", fs::copy_options::overwrite_existing);
    fs::copy_file(kSample, d / "runs/prefill_b.json", fs::copy_options::overwrite_existing);
    return d;
}

json read_json(const fs::path& p) {
    std::ifstream in(p);
    return json::parse(in);
}

bool has_python3() {
    return std::system("python3 -c pass >/dev/null 2>&1") == 0;
}

} // namespace

TEST(CliBalanceCross, IdenticalRunsGiveOutOfSampleEqualToInSample) {
    const fs::path d = twin_runs();
    const auto o     = run_moetwin("balance cross --data " + (d / "runs").string() +
                                   " --unit prefill --policy eplb_global --policy lpt_swap --policy replica_ring "
                                       "--repeats 1 --json " +
                                   (d / "c.json").string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    // Default split "policy": EPLB's and lpt_swap's even, replica_ring's load_aware min-max split.
    EXPECT_NE(o.output.find("split \"policy\": each policy under the split its placement is built for"),
              std::string::npos)
        << o.output;
    EXPECT_NE(o.output.find("replica_ring          minmax "), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("eplb_global           even "), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("runs of phase prefill: 2 (2 ordered pairs)"), std::string::npos) << o.output;
    const json j = read_json(d / "c.json");
    ASSERT_EQ(j.at("units").size(), 1u);
    EXPECT_NE(o.output.find("floor (any placement)"), std::string::npos) << o.output;
    const double floor = j.at("units")[0].at("floor").at("in_sample").at("mean").get<double>();
    EXPECT_GE(floor, 1.0);
    for (const auto& p : j.at("units")[0].at("policies")) {
        SCOPED_TRACE(p.at("policy").get<std::string>());
        EXPECT_EQ(p.at("split"), p.at("policy") == "replica_ring" ? "minmax" : "even");
        EXPECT_LE(floor, p.at("in_sample").at("mean").get<double>() + 1e-6); // no placement beats the floor
        EXPECT_EQ(p.at("out_of_sample").at("pairs").size(), 2u);
        EXPECT_DOUBLE_EQ(p.at("out_of_sample").at("mean").get<double>(), p.at("in_sample").at("mean").get<double>());
        EXPECT_GE(p.at("in_sample").at("mean").get<double>(), 1.0);
        EXPECT_LT(p.at("in_sample").at("mean").get<double>(), 1.5);
    }
    // The decode unit has no decode run here: refused, nothing written.
    const auto none = run_moetwin("balance cross --data " + (d / "runs").string() + " --unit decode --json " +
                                  (d / "d.json").string());
    EXPECT_EQ(none.exit_code, 1);
    EXPECT_NE(none.output.find("0 recorded run(s) of phase \"decode\": out-of-sample needs at least two"),
              std::string::npos)
        << none.output;
    EXPECT_FALSE(fs::exists(d / "d.json"));
    const auto missing = run_moetwin("balance cross --data /nonexistent/loads");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("\"/nonexistent/loads\" is no folder"), std::string::npos) << missing.output;
    fs::remove_all(d);
}

TEST(CliBalanceCross, JudgesAUsersPlacementCommand) {
    if (!has_python3()) GTEST_SKIP() << "python3 not found";
    const fs::path d = twin_runs();
    const auto o     = run_moetwin("balance cross --data " + (d / "runs").string() +
                                   " --unit prefill --policy - --command 'python3 examples/balancer/greedy_placement.py' "
                                       "--repeats 1 --json " +
                                   (d / "c.json").string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    const json p = read_json(d / "c.json").at("units")[0].at("policies")[0];
    EXPECT_EQ(p.at("policy"), "command");
    EXPECT_EQ(p.at("split"), "even"); // a user's placement: EPLB's model unless --split says otherwise
    EXPECT_LT(p.at("out_of_sample").at("mean").get<double>(), 1.5);
    fs::remove_all(d);
}

TEST(CliBalanceMix, StaticAndRebalancedStartTogether) {
    const fs::path d = twin_runs();
    std::ofstream(d / "flat.json") << "{\"logical_count\": [" << [] {
        std::string rows;
        for (int l = 0; l < 7; ++l) {
            rows += l ? ",[" : "[";
            for (int e = 0; e < 256; ++e)
                rows += (e ? "," : "") + std::string(l == 0 ? "0" : "1");
            rows += "]";
        }
        return rows;
    }() << "]}";
    const auto o = run_moetwin("balance mix --from " + kSample.string() + " --to " + (d / "flat.json").string() +
                               " --unit prefill --minutes 10 --interval 5 --json " + (d / "m.json").string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    const json j = read_json(d / "m.json");
    ASSERT_EQ(j.at("timelines").size(), 2u);
    const auto& st = j.at("timelines")[0].at("busiest_over_mean");
    const auto& dy = j.at("timelines")[1].at("busiest_over_mean");
    ASSERT_EQ(st.size(), 10u);
    EXPECT_DOUBLE_EQ(st[0].get<double>(), dy[0].get<double>()); // minute 0: the same placement
    EXPECT_EQ(j.at("timelines")[0].at("interval_minutes"), 0);
    EXPECT_EQ(j.at("timelines")[1].at("interval_minutes"), 5);
    EXPECT_GT(j.at("timelines")[1].at("moved_GB").get<double>(), 0.0); // it re-placed at minute 5
    EXPECT_EQ(j.at("split"), "even"); // eplb's placement: measured under its own (even) split
    // A policy placed for load_aware: measured under the min-max split by default; --split overrides.
    for (const auto& [args, split] : {std::pair<std::string, std::string>{"--policy replica_ring", "minmax"},
                                      {"--policy replica_ring --split even", "even"}}) {
        const auto r =
            run_moetwin("balance mix --from " + kSample.string() + " --to " + (d / "flat.json").string() +
                        " --unit prefill --minutes 4 --interval 2 " + args + " --json " + (d / "r.json").string());
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_EQ(read_json(d / "r.json").at("split"), split) << args;
        EXPECT_NE(r.output.find("split " + split), std::string::npos) << r.output;
    }
    const auto bad = run_moetwin("balance mix --from " + kSample.string() + " --to " + (d / "flat.json").string() +
                                 " --unit prefill --split median --json " + (d / "bad.json").string());
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.output.find("\"median\""), std::string::npos) << bad.output;
    EXPECT_FALSE(fs::exists(d / "bad.json"));
    fs::remove_all(d);
}

TEST(CliBalanceStep, StepTimePerPolicyAndFailingCommandsAreSkipped) {
    const fs::path d = fs::temp_directory_path() / ("moetwin_step_" + std::to_string(::getpid()) + ".json");
    const auto o     = run_moetwin("balance step scenarios/tiny_1node_ep8_decode.json --policy none --policy eplb "
                                       "--policy lpt_swap --command false --json " +
                                   d.string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    const json rows = read_json(d).at("rows");
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_NE(rows[0].at("skipped").get<std::string>().find("\"none\" places no redundant experts"), std::string::npos);
    for (int i : {1, 2}) {
        EXPECT_GT(rows[i].at("step_time_s").get<double>(), 0.0);
        EXPECT_GE(rows[i].at("busiest_over_mean_pairs").get<double>(), 1.0);
    }
    EXPECT_EQ(rows[3].at("policy"), "command");
    EXPECT_NE(rows[3].at("skipped").get<std::string>().find("balancer.command [false]: exited with status 1"),
              std::string::npos);
    fs::remove(d);
}

// --replica-policy sets every scenario's routing.replica_policy: load_aware's min-max split of each
// micro-batch never leaves the busiest GPU above round_robin's; an unknown name is refused up front.
TEST(CliBalanceStep, ReplicaPolicyOverridesTheScenarios) {
    const fs::path d = fs::temp_directory_path() / ("moetwin_step_rp_" + std::to_string(::getpid()));
    fs::create_directories(d);
    double pairs[2] = {0, 0};
    int i           = 0;
    for (const char* rp : {"round_robin", "load_aware"}) {
        const fs::path out = d / (std::string(rp) + ".json");
        const auto o = run_moetwin("balance step scenarios/tiny_1node_ep8_decode.json --policy eplb --replica-policy " +
                                   std::string(rp) + " --json " + out.string());
        ASSERT_EQ(o.exit_code, 0) << o.output;
        EXPECT_NE(o.output.find(std::string("replica dispatch ") + rp), std::string::npos) << o.output;
        const json j = read_json(out);
        EXPECT_EQ(j.at("replica_policy"), rp);
        pairs[i++] = j.at("rows")[0].at("busiest_over_mean_pairs").get<double>();
    }
    EXPECT_LE(pairs[1], pairs[0] + 1e-9);
    const auto bad = run_moetwin("balance step scenarios/tiny_1node_ep8_decode.json --replica-policy fastest --json " +
                                 (d / "bad.json").string());
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.output.find("\"fastest\""), std::string::npos) << bad.output;
    EXPECT_FALSE(fs::exists(d / "bad.json"));
    fs::remove_all(d);
}

TEST(CliBalanceStep, PythonPlacementCommandRunsAWholeStep) {
    if (!has_python3()) GTEST_SKIP() << "python3 not found";
    const fs::path d = fs::temp_directory_path() / ("moetwin_cmd_run_" + std::to_string(::getpid()));
    const auto o     = run_moetwin("run examples/balancer/prefill_ep32_greedy_command.json --out " + d.string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("step time: "), std::string::npos);
    const json r = read_json(d / "result.json");
    EXPECT_EQ(r.at("scenario").at("balancer").at("policy"), "command");
    fs::remove_all(d);
}

// --split and --pool reach the JSON; a name outside their tables is refused with the valid names, and
// nothing is written.
TEST(CliBalanceCross, SplitAndPoolOptions) {
    const fs::path d = twin_runs();
    const auto o     = run_moetwin("balance cross --data " + (d / "runs").string() +
                                   " --unit prefill --scope all --policy eplb_global --split minmax --pool max "
                                       "--repeats 1 --json " +
                                   (d / "c.json").string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("prefill->prefill"), std::string::npos) << o.output; // the per-phase breakdown
    const json j = read_json(d / "c.json");
    EXPECT_EQ(j.at("split"), "minmax");
    EXPECT_EQ(j.at("pool"), "max");
    const json& p = j.at("units")[0].at("policies")[0];
    // Identical runs: max pooling of one run is that run (normalised: eplb_global's choices depend on
    // load ratios only, where joint_minmax's whole-token split rounding sees the scale), so
    // leave-one-out equals in sample.
    EXPECT_DOUBLE_EQ(p.at("leave_one_out").at("mean").get<double>(), p.at("in_sample").at("mean").get<double>());
    const auto bad = run_moetwin("balance cross --data " + (d / "runs").string() + " --split Even --json " +
                                 (d / "bad.json").string());
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.output.find("\"Even\""), std::string::npos) << bad.output;
    EXPECT_NE(bad.output.find("minmax"), std::string::npos) << bad.output;
    EXPECT_FALSE(fs::exists(d / "bad.json"));
    const auto badpool = run_moetwin("balance cross --data " + (d / "runs").string() + " --pool median");
    EXPECT_EQ(badpool.exit_code, 1);
    fs::remove_all(d);
}

// --drift adds the drift columns and the JSON's drift entries (policy and floor); a σ outside [0, 2] is
// refused naming the option, and nothing is written.
TEST(CliBalanceCross, DriftOption) {
    const fs::path d = twin_runs();
    const auto o     = run_moetwin("balance cross --data " + (d / "runs").string() +
                                   " --unit prefill --scope all --policy eplb_global --split minmax --drift 0.05 "
                                       "--drift-draws 2 --repeats 1 --json " +
                                   (d / "c.json").string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("drift mean"), std::string::npos) << o.output;
    const json j = read_json(d / "c.json");
    EXPECT_EQ(j.at("units")[0].at("drift").at("sigma").get<double>(), 0.05);
    const json& p = j.at("units")[0].at("policies")[0];
    // Drift only adds spread: the drifted run is never better balanced than the fitted one by much, and
    // the floor's drift row stays under the policy's.
    EXPECT_GE(p.at("drift").at("mean").get<double>(), p.at("in_sample").at("mean").get<double>() - 0.01);
    EXPECT_LE(j.at("units")[0].at("floor").at("drift").at("mean").get<double>(),
              p.at("drift").at("mean").get<double>() + 1e-9);
    const auto bad =
        run_moetwin("balance cross --data " + (d / "runs").string() + " --drift 3 --json " + (d / "bad.json").string());
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.output.find("--drift"), std::string::npos) << bad.output;
    EXPECT_FALSE(fs::exists(d / "bad.json"));
    fs::remove_all(d);
}

// --lp-floor adds the LP floor row and JSON entry at the decode unit (2 slots per GPU), never below the
// floor row; at the prefill unit (9 slots per GPU) it does not apply and adds nothing.
TEST(CliBalanceCross, LpFloorOption) {
    const fs::path d = twin_runs();
    const auto o     = run_moetwin("balance cross --data " + (d / "runs").string() +
                                   " --unit decode --unit prefill --scope all --policy eplb_global --split minmax "
                                       "--lp-floor --repeats 1 --json " +
                                   (d / "c.json").string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("LP floor (2 slots)"), std::string::npos) << o.output;
    const json j    = read_json(d / "c.json");
    const json& dec = j.at("units")[0];
    ASSERT_EQ(dec.at("unit"), "decode");
    EXPECT_GE(dec.at("lp_floor").at("in_sample").at("mean").get<double>(),
              dec.at("floor").at("in_sample").at("mean").get<double>() - 1e-9);
    EXPECT_LE(dec.at("lp_floor").at("in_sample").at("mean").get<double>(),
              dec.at("policies")[0].at("in_sample").at("mean").get<double>() + 1e-9);
    EXPECT_FALSE(j.at("units")[1].contains("lp_floor"));
    fs::remove_all(d);
}

// balance mix charges every re-placement's migration as a pause: step factor = 1 + pause / serving time.
TEST(CliBalanceMix, MigrationPausesChargedToTheSteps) {
    const fs::path d = twin_runs();
    const auto o     = run_moetwin("balance mix --from " + kSample.string() + " --to " + kSample.string() +
                                   " --unit prefill --minutes 10 --interval 5 --tokens-per-minute 1e5 --json " +
                                   (d / "m.json").string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    const json j   = read_json(d / "m.json");
    const json& st = j.at("timelines")[0];
    const json& dy = j.at("timelines")[1];
    EXPECT_DOUBLE_EQ(st.at("migration_pause_s").get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(st.at("step_time_factor").get<double>(), 1.0);
    const double pause = dy.at("migration_pause_s").get<double>();
    EXPECT_GE(pause, dy.at("slowest_migration_s").get<double>());
    EXPECT_NEAR(dy.at("step_time_factor").get<double>(), 1.0 + pause / 600.0, 1e-12);
    fs::remove_all(d);
}
