// SPDX-License-Identifier: Apache-2.0
// The sweep file (sim/sweep/sweep_spec.hpp) and its points (sweep_points.hpp): grid and random expansion,
// ranges, derived keys moving with their axis, and every bad input named by file and JSON path.
#include "sim/scenario.hpp"
#include "sim/sweep/sweep_points.hpp"
#include "sweep_test_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace moetwin::sweep {
namespace {

using test::parse;
using test::sweep_text;
using ::testing::HasSubstr;

TEST(SweepSpec, GridExpandsToTheProductInRowMajorOrder) {
    const SweepSpec s = parse(sweep_text(R"([
        {"path": "workload.requests_per_gpu", "values": [8, 16, 32]},
        {"path": "routing.replica_policy", "values": ["round_robin", "least_loaded"]},
        {"path": "workload.context.max_tokens", "range": {"from": 1024, "to": 4096, "factor": 2}}])"));
    EXPECT_EQ(s.grid_size(), 3 * 2 * 3);
    const std::vector<PointSpec> p = expand_points(s);
    ASSERT_EQ(p.size(), 18u);
    // Last axis fastest: point 4 = (8, least_loaded, 2048).
    EXPECT_EQ(p[4].grid_index, 4);
    EXPECT_EQ(p[4].values[0], 8);
    EXPECT_EQ(p[4].values[1], "least_loaded");
    EXPECT_EQ(p[4].values[2], 2048);
    EXPECT_TRUE(p[4].values[2].is_number_integer());
    EXPECT_EQ(p[17].values[0], 32);
    EXPECT_EQ(p[17].values[2], 4096);
}

TEST(SweepSpec, RangesWithAStep) {
    const SweepSpec s = parse(sweep_text(R"([
        {"path": "workload.requests_per_gpu", "range": {"from": 16, "to": 64, "step": 16}},
        {"path": "cluster.nvlink.bandwidth_GBps", "range": {"from": 100, "to": 160, "step": 30.0}}])"));
    ASSERT_EQ(s.axes[0].values.size(), 4u); // 16 32 48 64
    EXPECT_EQ(s.axes[0].values[3], 64);
    ASSERT_EQ(s.axes[1].values.size(), 3u); // 100 130 160
    EXPECT_DOUBLE_EQ(s.axes[1].values[2].get<double>(), 160.0);
}

TEST(SweepSpec, RandomSamplingDrawsDistinctGridPointsSeeded) {
    const std::string axes = R"([{"path": "workload.requests_per_gpu", "range": {"from": 1, "to": 40, "step": 1}},
                                  {"path": "routing.replica_policy", "values": ["round_robin", "least_loaded"]}])";
    const SweepSpec a      = parse(sweep_text(axes, R"("sampling": {"mode": "random", "points": 10, "seed": 7})"));
    const std::vector<PointSpec> pa = expand_points(a), pa2 = expand_points(a);
    ASSERT_EQ(pa.size(), 10u);
    std::set<int64_t> seen;
    for (std::size_t i = 0; i < pa.size(); ++i) {
        EXPECT_TRUE(seen.insert(pa[i].grid_index).second) << "distinct";
        EXPECT_GE(pa[i].grid_index, 0);
        EXPECT_LT(pa[i].grid_index, 80);
        if (i > 0) EXPECT_LT(pa[i - 1].grid_index, pa[i].grid_index) << "grid order";
        EXPECT_EQ(pa[i].grid_index, pa2[i].grid_index) << "same seed, same draw";
        EXPECT_EQ(pa[i].values[0], pa[i].grid_index / 2 + 1);
    }
    const SweepSpec b = parse(sweep_text(axes, R"("sampling": {"mode": "random", "points": 10, "seed": 8})"));
    std::set<int64_t> other;
    for (const PointSpec& p : expand_points(b))
        other.insert(p.grid_index);
    EXPECT_NE(seen, other) << "another seed, another draw";
    // More points than the grid holds: the whole grid.
    const SweepSpec c = parse(sweep_text(axes, R"("sampling": {"mode": "random", "points": 500})"));
    EXPECT_EQ(expand_points(c).size(), 80u);
}

TEST(SweepSpec, DerivedKeysMoveWithTheirAxis) {
    // A base that states ep_size, dp_size, routed_experts_per_gpu and cluster.num_nodes for one node.
    const std::string base =
        R"({"name": "b", "model": {"name": "deepseek_v3", "num_dense_layers": 0, "num_moe_layers": 1},
        "hardware": {"gpu": "h800"}, "cluster": {"num_nodes": 1, "gpus_per_node": 8},
        "deployment": {"decode": {"num_nodes": 1, "ep_size": 8, "dp_size": 8, "routed_experts_per_gpu": 33,
                                  "redundant_experts": 8}},
        "routing": {"node_limit": 1}, "workload": {"phase": "decode", "requests_per_gpu": 8}})";
    const SweepSpec s        = parse(R"({"name": "d", "base": )" + base +
                                     R"(, "axes": [{"path": "deployment.decode.num_nodes", "values": [1, 2]}]})");
    const nlohmann::json two = point_scenario(s, {2});
    EXPECT_EQ(json_find(two, "deployment.decode.ep_size"), nullptr);
    EXPECT_EQ(json_find(two, "deployment.decode.dp_size"), nullptr);
    EXPECT_EQ(json_find(two, "deployment.decode.routed_experts_per_gpu"), nullptr);
    EXPECT_EQ(json_find(two, "cluster.num_nodes"), nullptr);
    const Scenario sc = parse_scenario(two.dump(), "point", MOETWIN_SOURCE_DIR);
    EXPECT_EQ(sc.deployment.decode->ep_size, 16);
    EXPECT_EQ(sc.deployment.decode->dp_size, 16);
    EXPECT_EQ(sc.deployment.decode->routed_experts_per_gpu, (256 + 8 + 15) / 16); // 17
    EXPECT_EQ(sc.cluster.num_nodes, 2);
    // An axis elsewhere leaves the stated keys alone.
    const SweepSpec t = parse(R"({"name": "d", "base": )" + base +
                              R"(, "axes": [{"path": "workload.requests_per_gpu", "values": [4]}]})");
    EXPECT_EQ(*json_find(point_scenario(t, {4}), "deployment.decode.ep_size"), 8);
}

TEST(SweepSpec, AKeyTheBaseLeavesOutIsAcceptedWhenTheParserTakesIt) {
    // The tiny base has no workload.mtp: the parser takes draft_tokens with a model that has an MTP module.
    const SweepSpec s = parse(sweep_text(R"([{"path": "workload.mtp.draft_tokens", "values": [0, 1]}])"));
    EXPECT_EQ(s.axes[0].values.size(), 2u);
}

void expect_error(const std::string& text, const std::string& where, const std::string& what) {
    try {
        (void)parse(text);
        FAIL() << "accepted: " << text;
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), HasSubstr(where)) << e.what();
        EXPECT_THAT(e.what(), HasSubstr(what)) << e.what();
    }
}

TEST(SweepSpec, CostAndTpotConstraint) {
    const SweepSpec d = parse(sweep_text(R"([{"path": "workload.requests_per_gpu", "values": [8]}])"));
    EXPECT_EQ(d.cost.usd_per_gpu_hour, 2.0); // DeepSeek's Day-6 H800 rental price
    EXPECT_EQ(d.cost.price_of("b200"), 2.0);
    EXPECT_EQ(d.constraints.max_tpot_ms, 0.0);
    const SweepSpec s = parse(sweep_text(R"([{"path": "workload.requests_per_gpu", "values": [8]}])",
                                         R"("constraints": {"max_tpot_ms": 50},
                                            "cost": {"usd_per_gpu_hour": 2.5, "usd_per_gpu_hour_by_gpu": {"b200": 6}})"));
    EXPECT_EQ(s.constraints.max_tpot_ms, 50.0);
    EXPECT_EQ(s.cost.price_of("h800"), 2.5);
    EXPECT_EQ(s.cost.price_of("b200"), 6.0);
}

TEST(SweepSpec, BadSweepFilesNameTheFileAndThePath) {
    const std::string ok_axis = R"([{"path": "workload.requests_per_gpu", "values": [8]}])";
    expect_error("{", "sweep.json:1:", "JSON");
    expect_error(sweep_text(ok_axis, R"("samplng": {})"), "sweep.json: samplng", "did you mean \"sampling\"");
    expect_error(sweep_text("[]"), "sweep.json: axes", "at least one axis");
    expect_error(sweep_text(R"([{"path": "workload.requests_per_gpuu", "values": [8]}])"), "sweep.json: axes[0].path",
                 "did you mean \"workload.requests_per_gpu\"");
    expect_error(sweep_text(R"([{"path": "deployment.decode.ep_size", "values": [8]}])"), "axes[0].path",
                 "derived by the scenario parser from deployment.decode.num_nodes");
    expect_error(sweep_text(R"([{"path": "hardware.gpu", "values": ["h800", 3]}])"), "sweep.json: axes[0].values[1]",
                 "expected a string (scenario key hardware.gpu), got the number 3");
    expect_error(sweep_text(R"([{"path": "workload.requests_per_gpu", "values": [8.5]}])"), "axes[0].values[0]",
                 "expected an integer");
    expect_error(sweep_text(R"([{"path": "workload.requests_per_gpu", "values": [[8]]}])"), "axes[0].values[0]",
                 "expected a number, string or boolean");
    expect_error(sweep_text(R"([{"path": "workload.requests_per_gpu", "values": []}])"), "axes[0].values",
                 "at least one value");
    expect_error(sweep_text(R"([{"path": "workload", "values": [1]}])"), "axes[0].path", "names an object");
    expect_error(sweep_text(R"([{"path": "workload.requests_per_gpu", "values": [8],
                                 "range": {"from": 1, "to": 2, "step": 1}}])"),
                 "axes[0]", "exactly one of \"values\" and \"range\"");
    expect_error(sweep_text(R"([{"path": "workload.requests_per_gpu", "range": {"from": 8, "to": 4, "step": 1}}])"),
                 "axes[0].range.to", "below from");
    expect_error(sweep_text(R"([{"path": "workload.requests_per_gpu", "range": {"from": 8, "to": 64, "factor": 1}}])"),
                 "axes[0].range.factor", "above 1");
    expect_error(sweep_text(R"([{"path": "workload.requests_per_gpu", "values": [8]},
                                {"path": "workload.requests_per_gpu", "values": [16]}])"),
                 "axes[1].path", "overlaps the earlier axis");
    expect_error(sweep_text(ok_axis, R"("sampling": {"mode": "grid", "points": 3})"), "sampling.points",
                 "only used with \"mode\": \"random\"");
    expect_error(sweep_text(ok_axis, R"("sampling": {"mode": "latin"})"), "sampling.mode", "grid");
    expect_error(sweep_text(ok_axis, R"("constraints": {"min_tokens_per_s_per_user": -1})"),
                 "constraints.min_tokens_per_s_per_user", "");
    // Issue 15 item 4: the constraints were unbounded; they now have rows in the plausible-range table.
    expect_error(sweep_text(ok_axis, R"("constraints": {"max_tpot_ms": 1e300})"), "sweep.json: constraints.max_tpot_ms",
                 "1e+300 ms is outside the plausible range [0, 1000000 ms] (0: no constraint");
    expect_error(sweep_text(R"([{"path": "workload.requests_per_gpu", "range": {"from": 1, "to": 2000, "step": 1}},
                                {"path": "workload.tokens_per_gpu", "range": {"from": 1, "to": 2000, "step": 1}}])"),
                 "sweep.json: axes", "more than 1000000 points");
    expect_error(R"({"name": "t", "base": "missing.json", "axes": [{"path": "seed", "values": [1]}]})",
                 "sweep.json: base", "does not exist");
    // SLOs: TTFT needs the serving replay; per-user bounds on a prefill-only sweep contradict its phase.
    expect_error(sweep_text(ok_axis, R"("constraints": {"max_ttft_ms": 500})"), "sweep.json: constraints.max_ttft_ms",
                 "needs the serving replay");
    const std::string prefill = std::string("\"") + MOETWIN_SOURCE_DIR + "/scenarios/deepseek_v3_prefill_ep32.json\"";
    const std::string prefill_axis = R"([{"path": "workload.tokens_per_gpu", "values": [4096]}])";
    expect_error(R"({"name": "t", "base": )" + prefill + R"(, "axes": )" + prefill_axis +
                     R"(, "constraints": {"max_tpot_ms": 50}})",
                 "sweep.json: constraints.max_tpot_ms", "simulates the prefill unit");
    expect_error(R"({"name": "t", "base": )" + prefill + R"(, "axes": )" + prefill_axis +
                     R"(, "constraints": {"min_tokens_per_s_per_user": 20}})",
                 "sweep.json: constraints.min_tokens_per_s_per_user", "no point could meet it");
    // Cost: a price per GPU-hour > 0, per GPU only for GPUs of the table.
    expect_error(sweep_text(ok_axis, R"("cost": {"usd_per_gpu_hour": 0})"), "sweep.json: cost.usd_per_gpu_hour", "");
    expect_error(sweep_text(ok_axis, R"("cost": {"usd_per_gpu_hour": 1e300})"), "sweep.json: cost.usd_per_gpu_hour",
                 "1e+300 USD is outside the plausible range (0, 1000 USD] (Day-6: $2 per H800-hour");
    expect_error(sweep_text(ok_axis, R"("cost": {"usd_per_gpu_hour_by_gpu": {"b200": 5000}})"),
                 "sweep.json: cost.usd_per_gpu_hour_by_gpu.b200", "5000 USD is outside the plausible range");
    expect_error(sweep_text(ok_axis, R"("cost": {"usd_per_gpu_hour_by_gpu": {"h900": 3}})"),
                 "sweep.json: cost.usd_per_gpu_hour_by_gpu.h900", "h800");
    expect_error(sweep_text(ok_axis, R"("cost": {"usd_per_gpu_hour_by_gpu": {"h100": "3"}})"),
                 "sweep.json: cost.usd_per_gpu_hour_by_gpu.h100", "");
    // A base the scenario parser refuses: its message, naming the base.
    expect_error(R"({"name": "t", "base": {"name": "b"}, "axes": [{"path": "seed", "values": [1]}]})",
                 "sweep.json (base)", "missing required key \"model\"");
}

} // namespace
} // namespace moetwin::sweep
