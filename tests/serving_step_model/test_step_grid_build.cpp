// SPDX-License-Identifier: Apache-2.0
// Building grid models on the tiny two-GPU scenario (sim/serving/step_model/step_grid_build.hpp): axes, the
// simulator's shapes, the cache key, the build and its cache (a hit simulates nothing; a corrupt file is
// rebuilt with a warning; same inputs, same bytes), the off-grid check and the exact model. Simulations run
// in forked workers; the test process never starts SimGrid.
#include "../support/test_files.hpp"
#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/run.hpp"
#include "sim/scenario_fit.hpp"
#include "sim/serving/step_model/step_grid_build.hpp"
#include "sim/serving/step_model/step_grid_check.hpp"
#include "sim/serving/step_model/step_model_for_unit.hpp"
#include "sim/serving/step_model/step_time_exact.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>

namespace moetwin::serving {
namespace {

using ::testing::HasSubstr;

Scenario tiny_decode() {
    return load_scenario(std::string(MOETWIN_SOURCE_DIR) + "/scenarios/tiny_2gpu_1layer.json");
}

// The same two GPUs as a prefill unit.
Scenario tiny_prefill() {
    return parse_scenario(R"({
      "name": "tiny_prefill", "seed": 7,
      "model": { "name": "deepseek_v3", "num_dense_layers": 0, "num_moe_layers": 1 },
      "hardware": { "gpu": "h800" },
      "cluster": { "fabric": "single_node", "gpus_per_node": 2, "nics_per_node": 0 },
      "deployment": { "prefill": { "num_nodes": 1, "redundant_experts": 0, "shared_experts_per_gpu": 1 } },
      "routing": { "node_limit": 1, "popularity": { "distribution": "uniform" } },
      "balancer": { "policy": "none" },
      "workload": { "phase": "prefill", "tokens_per_gpu": 4096, "context": { "distribution": "fixed", "tokens": 1024 },
                    "micro_batches": 1 },
      "schedule": { "overlap": "sequential" },
      "network": { "all_to_all": "normal" }
    })",
                          "tiny_prefill.json");
}

std::filesystem::path temp_dir(const std::string& name) {
    return moetwin_test::scratch_dir("stepmodel", name);
}

GridSpec small_spec() {
    GridSpec g;
    g.batch_points   = 3;
    g.context_points = 3;
    g.batch_max      = 8;
    g.context_max    = 4096;
    return g;
}

std::string key_of(const Scenario& s, const std::string& version = "v") {
    return step_model_key(keyed_scenario_json(s), version, GridInterpolation::Bilinear, grid_axes(s, small_spec()));
}

TEST(StepGridBuild, AxesOfDecodeAndPrefill) {
    const Scenario d = tiny_decode();
    const GridAxes a = grid_axes(d, small_spec());
    EXPECT_EQ(a.batch, (std::vector<double>{1, 3, 8}));          // 1, round(sqrt(8)) = 3, 8
    EXPECT_EQ(a.context, (std::vector<double>{128, 724, 4096})); // round(sqrt(128 · 4096)) = 724
    // Defaults: the fit's largest batch at the scenario's context; DeepSeek-V3's 128K window.
    const GridAxes def = grid_axes(d, GridSpec{});
    EXPECT_EQ(def.batch.back(), double(fit_unit(d, Phase::Decode).max_batch));
    EXPECT_EQ(def.context.front(), 128);
    EXPECT_EQ(def.context.back(), 131072);
    EXPECT_EQ(def.batch.size(), 12u);
    EXPECT_EQ(def.context.size(), 8u);
    // Prefill: 512 to tokens_per_gpu tokens; contexts (L + 1) / 2 for prompts L = 255 ... 4096.
    const GridAxes p = grid_axes(tiny_prefill(), GridSpec{.batch_points = 3, .context_points = 3});
    EXPECT_EQ(p.batch, (std::vector<double>{512, 1448, 4096}));
    EXPECT_EQ(p.context,
              (std::vector<double>{128, 511.5, 2048.5})); // prompts 255, round(sqrt(255 · 4096)) = 1022, 4096
    // A prompt fills at most one micro-batch by default: 2 micro-batches of 2048 tokens, prompts up to 2048.
    Scenario two               = tiny_prefill();
    two.workload.micro_batches = 2;
    EXPECT_EQ(grid_axes(two, GridSpec{.batch_points = 3, .context_points = 3}).context.back(), 1024.5);
}

TEST(StepGridBuild, ShapesBecomeTheSimulatorsIntegers) {
    const Scenario d = shape_scenario(tiny_decode(), {5.4, 300.6});
    EXPECT_EQ(d.workload.requests_per_gpu, 5);
    EXPECT_EQ(d.workload.context_tokens, 301);
    EXPECT_EQ(d.workload.context_distribution, ContextDistribution::Fixed);
    EXPECT_TRUE(d.allow_not_fitting);
    const Scenario p = shape_scenario(tiny_prefill(), {1000.2, 600});
    EXPECT_EQ(p.workload.tokens_per_gpu, 1000);
    EXPECT_EQ(p.workload.context_tokens, 1199); // each new token attends to (1199 + 1) / 2 = 600 on average
    EXPECT_EQ(simulated_shape(Phase::Prefill, {1000.2, 600.2}).context_tokens, 600);
}

TEST(StepGridBuild, KeyFollowsWhatChangesAStepAndNothingElse) {
    const Scenario base         = tiny_decode();
    const std::string k         = key_of(base);
    Scenario s                  = base;
    s.output.dir                = "/elsewhere";
    s.name                      = "renamed";
    s.workload.requests_per_gpu = 99;   // the grid's own axis
    s.workload.context_tokens   = 3000; // likewise
    EXPECT_EQ(key_of(s), k);
    s      = base;
    s.seed = 8;
    EXPECT_NE(key_of(s), k);
    s = base;
    s.cluster.nvlink.bandwidth_Bps *= 2;
    EXPECT_NE(key_of(s), k);
    s                        = base;
    s.workload.micro_batches = 2;
    EXPECT_NE(key_of(s), k);
    EXPECT_NE(key_of(base, "other version"), k);
    GridSpec wider  = small_spec();
    wider.batch_max = 16;
    EXPECT_NE(step_model_key(keyed_scenario_json(base), "v", GridInterpolation::Bilinear, grid_axes(base, wider)), k);
    EXPECT_NE(
        step_model_key(keyed_scenario_json(base), "v", GridInterpolation::LogBilinear, grid_axes(base, small_spec())),
        k);
}

TEST(StepGridBuild, BuildsCachesAndRebuildsIdentically) {
    const auto dir   = temp_dir("cache");
    const Scenario s = tiny_decode();
    BuildOptions o{dir, 2, "test-version", {}};
    const BuildOutcome first = build_step_model(s, small_spec(), o);
    EXPECT_FALSE(first.from_cache);
    EXPECT_EQ(first.warning, "");
    ASSERT_TRUE(std::filesystem::is_regular_file(first.file));
    const std::string bytes = read_file(first.file);
    const StepGrid& g       = first.model.grid;
    // Exact at the grid points: the stored values are the simulator's (one worker this time).
    std::vector<StepShape> shapes;
    for (const double b : g.batch)
        for (const double c : g.context)
            shapes.push_back({b, c});
    EXPECT_EQ(simulate_step_times(s, shapes, 1), g.step_s);
    for (std::size_t i = 1; i < g.batch.size(); ++i) // more requests, longer steps
        EXPECT_GT(g.at(i, 0), g.at(i - 1, 0));
    EXPECT_GT(g.at(2, 2), g.at(2, 0)); // longer contexts, longer steps

    // A hit reads the file and simulates nothing: a doctored (valid) file comes back as it is.
    StepModelFile doctored = first.model;
    for (double& t : doctored.grid.step_s)
        t *= 3;
    write_file_atomic(first.file, step_model_text(doctored));
    const BuildOutcome hit = build_step_model(s, small_spec(), o);
    EXPECT_TRUE(hit.from_cache);
    EXPECT_EQ(hit.model.grid.step_s, doctored.grid.step_s);

    // A corrupt file: rebuilt with a warning naming it, byte-identical to the first build (one worker now).
    write_file_atomic(first.file, "{ \"format\": \"moetwin_step_model\", ");
    o.jobs                   = 1;
    const BuildOutcome again = build_step_model(s, small_spec(), o);
    EXPECT_FALSE(again.from_cache);
    EXPECT_THAT(again.warning, HasSubstr(first.file.string()));
    EXPECT_EQ(read_file(first.file), bytes);
    std::filesystem::remove_all(dir);
}

TEST(StepGridBuild, CheckAndExactAgreeWithTheGrid) {
    const auto dir           = temp_dir("check");
    const Scenario s         = tiny_decode();
    const BuildOutcome built = build_step_model(s, small_spec(), BuildOptions{dir, 2, "v", {}});
    const StepGrid& g        = built.model.grid;

    const std::vector<StepShape> shapes = random_off_grid_shapes(g, 6, 1);
    ASSERT_EQ(shapes.size(), 6u);
    for (const StepShape& p : shapes) {
        EXPECT_EQ(std::count(g.batch.begin(), g.batch.end(), p.batch_per_rank), 0);
        EXPECT_EQ(std::count(g.context.begin(), g.context.end(), p.context_tokens), 0);
        EXPECT_GE(p.batch_per_rank, 1);
        EXPECT_LE(p.batch_per_rank, 8);
    }
    const std::vector<StepShape> same = random_off_grid_shapes(g, 6, 1);
    for (std::size_t i = 0; i < shapes.size(); ++i)
        EXPECT_EQ(same[i].batch_per_rank, shapes[i].batch_per_rank);

    const CheckReport r = check_step_model(s, g, shapes, 2);
    ASSERT_EQ(r.points.size(), 6u);
    double max_err = 0;
    for (const CheckPoint& p : r.points) {
        EXPECT_GT(p.direct_s, 0);
        EXPECT_EQ(p.model_s, interpolate_step_s(g, p.shape));
        max_err = std::max(max_err, std::abs(p.model_s - p.direct_s) / p.direct_s);
    }
    EXPECT_EQ(r.max_rel_error, max_err);
    // Measured on this 3 × 3 grid of a one-layer step: 1.9 % at most (docs: step_model/README.md).
    EXPECT_LT(r.max_rel_error, 0.05);

    // The exact model: the simulator's time, one simulation per distinct rounded shape.
    const StepTimeExact exact(s);
    EXPECT_EQ(exact.step_s({3, 724}), g.at(1, 1));
    EXPECT_EQ(exact.step_s({3.3, 723.8}), g.at(1, 1)); // rounds to the same shape: from the memo
    EXPECT_EQ(exact.simulations(), 1u);
    EXPECT_EQ(exact.step_s(shapes[0]), r.points[0].direct_s);
    EXPECT_EQ(exact.simulations(), 2u);

    // The replay's entry point: the cached grid, or the exact model.
    std::string warning = "unset";
    const auto grid_model =
        step_model_for_unit(s, StepModelOptions{false, small_spec(), BuildOptions{dir, 1, "v", {}}}, &warning);
    EXPECT_EQ(warning, "");
    EXPECT_EQ(grid_model->step_s(shapes[1]), r.points[1].model_s);
    const auto exact_model = step_model_for_unit(s, StepModelOptions{true, {}, {}});
    EXPECT_EQ(exact_model->step_s(shapes[1]), r.points[1].direct_s);
    std::filesystem::remove_all(dir);
}

TEST(StepGridBuild, CachedAxisOfPrefillGridsAndItsShapes) {
    const Scenario p = tiny_prefill();
    GridSpec spec{.batch_points = 3, .context_points = 3};
    EXPECT_EQ(grid_axes(p, spec).cached, (std::vector<double>{0, 1, 3, 10, 32})); // the default: 5 planes
    spec.cached_points = 3;
    EXPECT_EQ(grid_axes(p, spec).cached, (std::vector<double>{0, 2, 32})); // 0, 32 / 16, 32
    spec.cached_points = 2;
    EXPECT_EQ(grid_axes(p, spec).cached, (std::vector<double>{0, 32}));
    spec.cached_points = 4;
    EXPECT_EQ(grid_axes(p, spec).cached, (std::vector<double>{0, 1, 6, 32})); // 32 / 256 -> 1, 6, 32
    spec.cached_points = 1;
    EXPECT_EQ(grid_axes(p, spec).cached, (std::vector<double>{0}));
    EXPECT_EQ(grid_axes(tiny_decode(), small_spec()).cached, (std::vector<double>{0})); // decode: none
    // Grid point (1000 tokens, c_new 128, q 4): prompts of 255 new tokens after 1020 cached ones.
    const StepShape g = grid_point_shape(Phase::Prefill, 1000, 128, 4);
    EXPECT_EQ(g.context_tokens, 1020 + 128);
    EXPECT_EQ(g.cached_per_token, 4);
    const Scenario sc = shape_scenario(p, g);
    EXPECT_EQ(sc.workload.tokens_per_gpu, 1000);
    EXPECT_EQ(sc.workload.context_tokens, 255);
    EXPECT_EQ(sc.workload.cached_prefix_tokens, 1020);
    const StepShape back = simulated_shape(Phase::Prefill, g);
    EXPECT_EQ(back.context_tokens, g.context_tokens);
    EXPECT_EQ(back.cached_per_token, g.cached_per_token);
    // An off-grid q rounds to whole tokens, and the simulated shape is what the simulator runs: N new after P.
    const StepShape off = simulated_shape(Phase::Prefill, grid_point_shape(Phase::Prefill, 1000, 128, 0.3));
    const Scenario so   = shape_scenario(p, off);
    const double n = double(so.workload.context_tokens), c = double(so.workload.cached_prefix_tokens);
    EXPECT_NEAR(n, 255, 1);
    EXPECT_NEAR(c, 0.3 * 255, 1);
    EXPECT_EQ(off.cached_per_token, c / n);
    EXPECT_EQ(off.context_tokens, c + (n + 1) / 2);
    EXPECT_EQ(shape_scenario(p, simulated_shape(Phase::Prefill, off)).workload.cached_prefix_tokens, int64_t(c));
    // The grid varies the cached prefix: the scenario's own value does not change the key.
    Scenario other                      = p;
    other.workload.cached_prefix_tokens = 500;
    EXPECT_EQ(keyed_scenario_json(other), keyed_scenario_json(p));
    // A one-plane grid keeps the key it had without the axis; the planes enter it otherwise.
    GridAxes a                 = grid_axes(p, spec);
    const std::string flat_key = step_model_key("{}", "v", GridInterpolation::Bilinear, a);
    a.cached                   = {0, 32};
    EXPECT_NE(step_model_key("{}", "v", GridInterpolation::Bilinear, a), flat_key);
}

TEST(StepGridBuild, ACachedPrefixCostsLessThanComputingItAndMoreThanNothing) {
    // Four prompts per rank each way: N = 512 new tokens after P = 1536 cached ones, against the whole
    // 2048-token prompts computed, and against the 512 new tokens with no prefix.
    const Scenario p                   = tiny_prefill();
    const std::vector<StepShape> shape = {{2048, 1536 + 256.5, 3}, {8192, 1024.5, 0}, {2048, 256.5, 0}};
    EXPECT_EQ(shape_scenario(p, shape[0]).workload.cached_prefix_tokens, 1536);
    const std::vector<double> t = simulate_step_times(p, shape, 2);
    EXPECT_LT(t[0], t[1]); // the prefix is not recomputed
    EXPECT_GT(t[0], t[2]); // but attended to, and its latents expanded
    // Prefix 0 is the step without the key, bit for bit.
    EXPECT_EQ(simulate_step_times(p, {{2048, 256.5}}, 1).front(), t[2]);
}

// The build plans one batch's routing once and re-times each shape's stages (restage_run): the same step times,
// to the nanosecond, as a whole run of each shape's scenario.
TEST(StepGridBuild, ShapesOfOneBatchShareTheRoutingAndGiveRunsTimes) {
    const Scenario p                    = tiny_prefill();
    const std::vector<StepShape> shapes = {
        {2048, 1536 + 256.5, 3}, {2048, 100.5, 0}, {2048, 700.5, 1}, {1024, 60.5, 0}};
    const std::vector<double> t = simulate_step_times(p, shapes, 1);
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        const std::string ns =
            run_in_child([&] { return std::to_string(run(shape_scenario(p, shapes[i])).summary.step_time_ns); });
        EXPECT_EQ(t[i], double(std::stoll(ns)) * 1e-9) << i;
    }
    EXPECT_GT(t[0], t[1]); // not one time for the whole batch
    EXPECT_NE(t[2], t[1]);
}

TEST(StepGridBuild, PrefillGridWithCachedPrefixesChecksAgainstTheSimulator) {
    const auto dir   = temp_dir("prefill_cached");
    const Scenario s = tiny_prefill();
    const GridSpec spec{.batch_points = 3, .context_points = 3};
    const BuildOutcome built = build_step_model(s, spec, BuildOptions{dir, 2, "v", {}});
    const StepGrid& g        = built.model.grid;
    ASSERT_EQ(g.cached, (std::vector<double>{0, 1, 3, 10, 32}));
    ASSERT_EQ(g.step_s.size(), 45u);
    for (std::size_t i = 0; i < g.batch.size(); ++i)
        for (std::size_t j = 0; j < g.context.size(); ++j)
            EXPECT_GT(g.at(i, j, 4), g.at(i, j, 0)) << i << "," << j; // 32 cached keys per new token cost time
    const std::vector<StepShape> shapes = random_off_grid_shapes(g, 8, 3, s.workload.micro_batches);
    ASSERT_EQ(shapes.size(), 8u);
    int with_prefix = 0;
    for (const StepShape& sh : shapes)
        with_prefix += sh.cached_per_token > 0;
    EXPECT_GE(with_prefix, 4);
    const CheckReport r = check_step_model(s, g, shapes, 2);
    for (const CheckPoint& pt : r.points)
        std::printf("check: batch %g context %g q %.3f direct %.4f ms grid %.4f ms (%+.2f %%)\n",
                    pt.shape.batch_per_rank, pt.shape.context_tokens, pt.shape.cached_per_token, pt.direct_s * 1e3,
                    pt.model_s * 1e3, 100 * (pt.model_s - pt.direct_s) / pt.direct_s);
    // Measured: 1.31 % at most on these 8 shapes (5.55 % with whole requests each with its whole prefix).
    EXPECT_LT(r.max_rel_error, 0.02);
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace moetwin::serving
