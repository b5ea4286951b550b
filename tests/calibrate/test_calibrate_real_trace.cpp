// SPDX-License-Identifier: Apache-2.0
// The importer on DeepSeek's own H800 training trace (../shared/data/profile_traces; skipped without it):
// every kernel attributed, the unclassified count pinned, stage spans as measured, the recipe's ops found
// in every occurrence, and the profile records readable by ProfileTable.
#include "engine/roofline.hpp"
#include "sim/calibrate/calibrate.hpp"
#include "sim/scenario.hpp"
#include "sim/step/step_plan.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>

namespace moetwin::calib {
extern const char* const kTracedScenarioJson;
namespace {

const std::filesystem::path kTrace =
    std::filesystem::path(MOETWIN_SHARED_DIR) / "data/profile_traces/deepseek_v3_train_ep64.json.gz";

class RealTrace : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!std::filesystem::exists(kTrace)) GTEST_SKIP() << kTrace << " not found";
        scenario = parse_scenario(kTracedScenarioJson, "traced.json");
        r        = calibrate_trace(read_profiler_trace(kTrace), scenario, deepseek_v3_training_recipe(), "test");
    }
    const StageRow& stage(const std::string& name) {
        for (const StageRow& s : r.stages)
            if (s.name == name) return s;
        throw std::runtime_error("no stage " + name);
    }
    const OpRow& op(const std::string& name) {
        for (const OpRow& o : r.ops)
            if (o.op == name) return o;
        throw std::runtime_error("no op " + name);
    }
    Scenario scenario;
    CalibrationResult r;
};

TEST_F(RealTrace, EveryKernelIsAttributed) {
    EXPECT_EQ(r.kernels_total, 963); // data README
    EXPECT_EQ(r.kernels_attributed, 963);
    ASSERT_EQ(r.stages.size(), 10u);
    for (const StageRow& s : r.stages)
        EXPECT_EQ(s.span_us.size(), 4u) << s.name; // 4 MoE layers per chunk
}

TEST_F(RealTrace, UnclassifiedKernelsArePinned) {
    int n = 0;
    for (const UnclassifiedRow& u : r.unclassified) {
        n += u.count;
        EXPECT_NE(u.name.find("fill_tensormaps_kernel"), std::string::npos) << u.name;
    }
    EXPECT_EQ(n, 3); // DeepGEMM's TMA-descriptor fill (1 µs) before 3 of the 4 expert_down GEMMs
}

TEST_F(RealTrace, StageSpansAsMeasured) {
    // GPU spans [first kernel start, last kernel end] read from the trace, first occurrence.
    EXPECT_DOUBLE_EQ(stage("attn(F)").span_us[0], 4833);
    EXPECT_DOUBLE_EQ(stage("attn(F)").busy_us[0], 4306);
    EXPECT_DOUBLE_EQ(stage("dispatch(F)").span_us[0], 6087);
    EXPECT_DOUBLE_EQ(stage("mlp(F)").span_us[0], 4289);
    EXPECT_DOUBLE_EQ(stage("attn(B)").span_us[0], 9215);
}

TEST_F(RealTrace, RecipeOpsAppearInEveryOccurrence) {
    EXPECT_EQ(op("q_a_proj").times_us.size(), 4u);
    // Kernel durations 101, 1739 and 1248 µs, each after a 1-2 µs launch gap (the trace's µs timestamps).
    EXPECT_DOUBLE_EQ(op("q_a_proj").times_us[0], 101 + 2);
    EXPECT_DOUBLE_EQ(op("expert_gate_up").times_us[0], 1739 + 2);
    EXPECT_DOUBLE_EQ(op("mla_prefill").times_us[0], 1248 + 1);
    EXPECT_EQ(op("mla_prefill_bwd").kernels, 12); // pre-, main and post-processing × 4
    EXPECT_EQ(op("expert_down_wgrad").kernels, 16);
    EXPECT_EQ(op("q_a_proj").num_sms, 112);
    for (const OpRow& o : r.ops)
        EXPECT_EQ(o.times_us.size(), 4u) << o.op;
}

TEST_F(RealTrace, ProfileRecordsAreReadableByProfileTable) {
    ASSERT_TRUE(r.profiles.count(112));
    const ProfileFile f = parse_profile_json(to_profile_json(r.profiles.at(112)), "profile.json");
    const RooflineModel roofline(scenario.gpu);
    const ProfileTable table(f, "profile.json", &roofline);
    const OpRow& q        = op("q_a_proj");
    const ProfileLookup l = table.lookup(q.spec, q.shape, 112);
    EXPECT_EQ(l.kind, LookupKind::Exact);
    EXPECT_NEAR(l.seconds * 1e6, q.median_us, 1e-3);
    const OpRow& w = op("o_proj_wgrad");
    EXPECT_EQ(table.lookup(w.spec, w.shape, 112).kind, LookupKind::Exact);
}

TEST_F(RealTrace, CalibrationRoundTripsAndBringsOpsToTheTrace) {
    const CalibrationFile back = parse_calibration_json(to_calibration_json(r.calibration), "calibration.json");
    ASSERT_EQ(back.factors.size(), r.calibration.factors.size());
    for (const EfficiencyFactor& f : back.factors) {
        // Latency-bound glue sits low (permute_index ~0.02: 4 CTAs scanning the index table), never at 0.
        EXPECT_GT(f.value, 0.01) << to_string(f.family);
        EXPECT_LE(f.value, 1.0) << to_string(f.family);
    }
    // Per family and SM count the calibrated roofline's sum equals the measured sum (the fit's definition).
    for (const EfficiencyFactor& f : r.calibration.factors) {
        double twin = 0;
        for (const OpRow& o : r.ops)
            if (o.family == f.family && o.num_sms == f.num_sms) twin += o.twin_calibrated_us;
        if (!f.clamped) EXPECT_NEAR(twin, f.measured_us, 1e-3 * f.measured_us) << to_string(f.family);
    }
}

TEST_F(RealTrace, GlueKernelsMapToOps) {
    // Kernels left at the family level, per stage over the 4 occurrences (training_recipe.cpp says why):
    // attn(F) the two aranges; mlp(F), mlp(B) three small copies and scales each; attn(B) the router's
    // autograd (25) and 9 small adds, fills and copies; combine(B) the dY cast beside the dispatch of
    // gradients (a communication stage). Every cast, transpose, rotary, permutation, reduce and routing
    // kernel of a compute stage maps to an op.
    std::map<std::string, int> left;
    int total = 0;
    for (const GlueRow& g : r.glue) {
        left[g.stage] += g.kernels;
        total += g.kernels;
        if (g.stage == "combine(B)")
            EXPECT_EQ(g.family, KernelFamily::Cast);
        else
            EXPECT_EQ(g.family, KernelFamily::Elementwise) << g.stage << " " << to_string(g.family);
    }
    EXPECT_EQ(left["attn(F)"], 4 * 2);
    EXPECT_EQ(left["mlp(F)"], 4 * 3);
    EXPECT_EQ(left["mlp(B)"], 4 * 3);
    EXPECT_EQ(left["mlp(W)"], 0);
    EXPECT_EQ(left["attn(B)"], 4 * 34);
    EXPECT_EQ(left["attn(W)"], 0);
    EXPECT_EQ(left["combine(B)"], 4 * 1);
    EXPECT_EQ(total, 172);
    // Glue ops as measured: multi-kernel ops gather their kernels.
    EXPECT_EQ(op("attn_rotary").kernels, 8);     // k_pe and q_pe in each of 4 layers
    EXPECT_EQ(op("moe_gate_topk").kernels, 132); // 28 PyTorch + 5 routing kernels per layer
    EXPECT_EQ(op("moe_permute_index").kernels, 8);
    EXPECT_EQ(op("o_proj_weight_transpose").kernels, 4);
    EXPECT_EQ(op("mla_k_assembly_bwd").kernels, 12);
    for (const char* name : {"attn_output_cache", "expert_gate_up_output_cast_back", "moe_reduce_bwd",
                             "moe_permute_bwd", "expert_gate_up_wgrad_input_cast", "q_a_proj_wgrad_grad_cast"})
        EXPECT_EQ(op(name).times_us.size(), 4u) << name;
    // Every glue family is fitted.
    std::set<CalibrationFamily> fitted;
    for (const EfficiencyFactor& f : r.calibration.factors)
        fitted.insert(f.family);
    for (CalibrationFamily f :
         {CalibrationFamily::Cast, CalibrationFamily::Transpose, CalibrationFamily::WeightTranspose,
          CalibrationFamily::Rotary, CalibrationFamily::Permute, CalibrationFamily::PermuteIndex,
          CalibrationFamily::Reduce, CalibrationFamily::Routing})
        EXPECT_TRUE(fitted.count(f)) << to_string(f);
}

// The training window replica planned with the trace's calibration (planning only: compute stages do not
// depend on the network) against the trace's mean stage spans.
TEST_F(RealTrace, CalibratedWindowStagesLandOnTheTrace) {
    Scenario w =
        load_scenario(std::filesystem::path(MOETWIN_SOURCE_DIR) / "scenarios/deepseek_v3_train_window_ep64.json");
    const RooflineModel roof(w.gpu, {}, std::make_shared<CalibrationFile>(r.calibration));
    const step::StepPlan p = step::plan_step(w, roof);
    const auto mean_us     = [&](int mb, step::Stage st) {
        double sum = 0;
        int n      = 0;
        for (int g = 0; g < p.num_gpus; ++g)
            for (int L = p.num_dense; L < p.num_layers(); ++L, ++n)
                sum += p.seconds(g, L, mb, st);
        return sum / n * 1e6;
    };
    const struct {
        const char* trace;
        int mb;
        step::Stage stage;
        double tolerance;
    } rows[] = {
        {"mlp(F)", 0, step::Stage::Mlp, 0.05},
        {"mlp(B)", 1, step::Stage::MlpB, 0.05},
        {"mlp(W)", 1, step::Stage::MlpW, 0.05},
        {"attn(B)", 1, step::Stage::AttnB, 0.05},
        {"attn(W)", 1, step::Stage::AttnW, 0.05},
        // Not met: 6.3 % short. The first layer's attn(F) stalls ~390 µs on the host after kv_a_proj (4833
        // against 4393-4602 µs), 2.1 % of the mean; the FP8 cache of the attention output
        // (per_token_cast_to_fp8_with_fp8_special_fmt) runs at 0.32 of HBM bandwidth where the cast family
        // fits 0.58 (191 against 109 µs); the GEMM factor fitted over all stages leaves q_b/kv_b 5-9 % short.
        {"attn(F)", 0, step::Stage::Attn, 0.07},
    };
    for (const auto& row : rows) {
        const double trace = stage(row.trace).mean_span_us(), twin = mean_us(row.mb, row.stage);
        EXPECT_NEAR(twin / trace - 1.0, 0.0, row.tolerance) << row.trace << ": twin " << twin << " µs, trace " << trace;
    }
}

} // namespace
} // namespace moetwin::calib

namespace moetwin::calib {
namespace {

// The shipped copy (scenarios/data/calibration, named by the replica scenarios) is what the importer
// writes from the trace today: a change to the importer or the roofline that moves a factor must
// regenerate it (scenarios/data/README.md says how).
TEST(ShippedCalibration, EqualsWhatTheImporterWrites) {
    const std::filesystem::path trace =
        std::filesystem::path(MOETWIN_SHARED_DIR) / "data/profile_traces/deepseek_v3_train_ep64.json.gz";
    if (!std::filesystem::exists(trace)) GTEST_SKIP() << trace << " not found";
    const std::filesystem::path shipped =
        std::filesystem::path(MOETWIN_SOURCE_DIR) / "scenarios/data/calibration/h800_deepseek_v3_train_ep64.json";
    const CalibrationFile file = read_calibration_file(shipped);
    CalibrationResult r =
        calibrate_trace(read_profiler_trace(trace), traced_scenario(), deepseek_v3_training_recipe(), file.generator);
    EXPECT_EQ(to_calibration_json(r.calibration), to_calibration_json(file))
        << "regenerate " << shipped << " with moetwin calibrate";
}

} // namespace
} // namespace moetwin::calib
