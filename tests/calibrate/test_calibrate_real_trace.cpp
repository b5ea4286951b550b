// SPDX-License-Identifier: Apache-2.0
// The importer on DeepSeek's own H800 training trace (../shared/data/profile_traces; skipped without it):
// every kernel attributed, the unclassified count pinned, stage spans as measured, the recipe's ops found
// in every occurrence, and the profile records readable by ProfileTable.
#include "engine/roofline.hpp"
#include "sim/calibrate/calibrate.hpp"

#include <gtest/gtest.h>

#include <filesystem>

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
    EXPECT_DOUBLE_EQ(op("q_a_proj").times_us[0], 101);
    EXPECT_DOUBLE_EQ(op("expert_gate_up").times_us[0], 1739);
    EXPECT_DOUBLE_EQ(op("mla_prefill").times_us[0], 1248);
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
        EXPECT_GT(f.value, 0.05) << to_string(f.family);
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

} // namespace
} // namespace moetwin::calib
