// SPDX-License-Identifier: Apache-2.0
// ProfileTable on the hand-written fixture (tests/engine/data/profile_small.json): exact hits, linear,
// bilinear and degenerate-axis interpolation, out-of-range and incomplete-cell fallbacks (flagged and
// counted), SM scaling, and the checks on load (unknown op, duplicates, phase).
#include "engine/profile.hpp"

#include "common/errors.hpp"
#include "engine/gpu_spec.hpp"
#include "engine/model_spec.hpp"
#include "engine/roofline.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace moetwin {
namespace {

const std::string kData = std::string(MOETWIN_SOURCE_DIR) + "/tests/engine/data/";

// Answers 1 s + 1 ms per token, so a fallback is recognisable.
class FakeFallback final : public ComputeModel {
  public:
    OpTime op_time(const OpSpec&, const OpShape& s, int) const override {
        return {1.0 + 1e-3 * double(s.num_tokens), false};
    }
    std::string describe() const override { return "fake"; }
};

const OpSpec& op(const std::string& name) {
    const ModelSpec& m = find_model("deepseek_v3");
    for (const auto* list : {&m.dense_layer_ops, &m.moe_layer_ops})
        for (const OpSpec& o : *list)
            if (o.name == name) return o;
    throw std::runtime_error("no op " + name);
}

OpShape decode_tokens(int64_t t) {
    OpShape s;
    s.phase        = Phase::Decode;
    s.num_tokens   = t;
    s.num_requests = t;
    s.kv_len       = 4096;
    return s;
}

class ProfileTableTest : public ::testing::Test {
  protected:
    FakeFallback fake;
    std::unique_ptr<ProfileTable> table = load_profile_table(kData + "profile_small.json", &fake);
};

TEST_F(ProfileTableTest, ExactHitsReturnTheMedian) {
    const ProfileLookup l = table->lookup(op("q_a_proj"), decode_tokens(64), 132);
    EXPECT_EQ(l.kind, LookupKind::Exact);
    EXPECT_DOUBLE_EQ(l.seconds, 12e-6);
    const OpTime t = table->op_time(op("q_a_proj"), decode_tokens(128), 132);
    EXPECT_TRUE(t.measured);
    EXPECT_DOUBLE_EQ(t.seconds, 20e-6);
    OpShape bf16          = decode_tokens(64);
    bf16.weight_precision = Precision::Bf16;
    EXPECT_DOUBLE_EQ(table->op_time(op("q_a_proj"), bf16, 132).seconds, 15e-6);
}

TEST_F(ProfileTableTest, LinearInterpolationOnTheTokenAxis) {
    const ProfileLookup l = table->lookup(op("q_a_proj"), decode_tokens(96), 132);
    EXPECT_EQ(l.kind, LookupKind::Interpolated);
    EXPECT_NEAR(l.seconds, 16e-6, 1e-15); // halfway between 12 µs (64) and 20 µs (128)
    EXPECT_NEAR(table->op_time(op("q_a_proj"), decode_tokens(32), 132).seconds, (10 + 31.0 / 63 * 2) * 1e-6, 1e-15);
}

TEST_F(ProfileTableTest, IrrelevantFieldsDoNotMatter) {
    OpShape s      = decode_tokens(64);
    s.kv_len       = 123; // a GEMM ignores the context length
    s.kv_precision = Precision::Fp8E4m3;
    s.num_requests = 7;
    EXPECT_DOUBLE_EQ(table->op_time(op("q_a_proj"), s, 132).seconds, 12e-6);
}

TEST_F(ProfileTableTest, BilinearInterpolationForDecodeAttention) {
    OpShape s;
    s.phase        = Phase::Decode;
    s.num_requests = 2;
    s.num_tokens   = 2;
    s.kv_len       = 2048;
    // (requests, kv) corners: (1,1024)=20 (1,4096)=50 (4,1024)=40 (4,4096)=140; weights 1/3 on both axes.
    const ProfileLookup l = table->lookup(op("mla_decode"), s, 132);
    EXPECT_EQ(l.kind, LookupKind::Interpolated);
    EXPECT_NEAR(l.seconds, 400.0 / 9 * 1e-6, 1e-15);
    s.num_requests = 1, s.num_tokens = 1; // on a grid line: linear along kv only
    EXPECT_NEAR(table->op_time(op("mla_decode"), s, 132).seconds, 30e-6, 1e-15);
    // Two query tokens per request (MTP) is its own grid.
    s.query_tokens_per_request = 2, s.num_tokens = 2, s.kv_len = 1024;
    EXPECT_EQ(table->lookup(op("mla_decode"), s, 132).kind, LookupKind::Exact);
    EXPECT_DOUBLE_EQ(table->op_time(op("mla_decode"), s, 132).seconds, 30e-6);
}

TEST_F(ProfileTableTest, GroupedGemmGridAndIncompleteCell) {
    OpShape s;
    s.phase             = Phase::Decode;
    s.num_local_experts = 1;
    s.tokens_per_expert = 96;
    EXPECT_NEAR(table->op_time(op("expert_gate_up"), s, 132).seconds, 32e-6, 1e-15);
    s.num_local_experts = 2;
    s.tokens_per_expert = 64;
    EXPECT_DOUBLE_EQ(table->op_time(op("expert_gate_up"), s, 132).seconds, 58e-6);
    s.tokens_per_expert   = 96; // needs (2, 128), which was not measured
    const ProfileLookup l = table->lookup(op("expert_gate_up"), s, 132);
    EXPECT_EQ(l.kind, LookupKind::Fallback);
    EXPECT_EQ(l.detail.rfind("grid cell around (num_local_experts=2, tokens_per_expert=96) lacks a record at "
                             "(num_local_experts=2, tokens_per_expert=128) for expert_gate_up phase=decode "
                             "weight_precision=fp8_e4m3 kv_precision=bf16 attn_tp_size=1",
                             0),
              0u)
        << l.detail;
}

TEST_F(ProfileTableTest, ExpertSwigluIsIndexedByExpertsAndTokens) {
    // (1, 128) and (2, 64) hold the same 128 rows but are different measurements: both axes are kept.
    OpShape s;
    s.phase             = Phase::Decode;
    s.num_local_experts = 2;
    s.tokens_per_expert = 64;
    EXPECT_DOUBLE_EQ(table->op_time(op("expert_swiglu"), s, 132).seconds, 9e-6);
    s.num_local_experts = 1, s.tokens_per_expert = 96;
    EXPECT_NEAR(table->op_time(op("expert_swiglu"), s, 132).seconds, 6.5e-6, 1e-15);
}

TEST_F(ProfileTableTest, PrefillAttentionThreeAxesWithADegenerateOne) {
    OpShape s;
    s.phase                    = Phase::Prefill;
    s.num_requests             = 1;
    s.query_tokens_per_request = 768;
    s.kv_len                   = 768; // prefix 0: on the only measured prefix
    s.num_tokens               = 768;
    EXPECT_NEAR(table->op_time(op("mla_prefill"), s, 132).seconds, 200e-6, 1e-15);
    s.num_requests = 2, s.num_tokens = 1536;
    EXPECT_NEAR(table->op_time(op("mla_prefill"), s, 132).seconds, 380e-6, 1e-15);
    s.kv_len              = 868; // prefix 100: never measured
    const ProfileLookup l = table->lookup(op("mla_prefill"), s, 132);
    EXPECT_EQ(l.kind, LookupKind::Fallback);
    EXPECT_NE(l.detail.find("kv_len - query_tokens_per_request = 100 is outside the profiled range [0, 0]"),
              std::string::npos)
        << l.detail;
}

TEST_F(ProfileTableTest, KvBInPrefillIsIndexedByContextTokens) {
    OpShape s;
    s.phase                    = Phase::Prefill;
    s.num_requests             = 1;
    s.kv_len                   = 1536;
    s.query_tokens_per_request = 1536;
    s.num_tokens               = 1536;
    EXPECT_NEAR(table->op_time(op("kv_b_proj"), s, 132).seconds, 50e-6, 1e-15);
    s.num_requests = 2, s.kv_len = 768, s.query_tokens_per_request = 768; // same 1536 context rows
    EXPECT_NEAR(table->op_time(op("kv_b_proj"), s, 132).seconds, 50e-6, 1e-15);
}

TEST_F(ProfileTableTest, OutOfRangeFallsBackAndSaysSo) {
    const OpTime t = table->op_time(op("q_a_proj"), decode_tokens(200), 132);
    EXPECT_FALSE(t.measured);
    EXPECT_DOUBLE_EQ(t.seconds, 1.2); // the fake: 1 s + 200 ms
    const ProfileLookup l = table->lookup(op("q_a_proj"), decode_tokens(200), 132);
    EXPECT_EQ(l.detail.rfind("rows = 200 is outside the profiled range [1, 128] of q_a_proj phase=decode "
                             "weight_precision=fp8_e4m3 kv_precision=bf16 attn_tp_size=1 [OpShape{phase=decode",
                             0),
              0u)
        << l.detail;
    // An op never profiled, another phase, another TP degree: all fallbacks.
    EXPECT_FALSE(table->op_time(op("o_proj"), decode_tokens(64), 132).measured);
    OpShape prefill = decode_tokens(64);
    prefill.phase   = Phase::Prefill;
    EXPECT_FALSE(table->op_time(op("q_a_proj"), prefill, 132).measured);
    OpShape tp      = decode_tokens(64);
    tp.attn_tp_size = 2;
    EXPECT_TRUE(table->op_time(op("q_a_proj"), tp, 132).measured); // q_a is not sharded: TP does not matter
    EXPECT_FALSE(table->op_time(op("q_b_proj"), tp, 132).measured);

    const auto stats = table->stats();
    EXPECT_EQ(stats.at("q_a_proj").fallback, 3);
    EXPECT_EQ(stats.at("q_a_proj").exact, 1);
    EXPECT_EQ(stats.at("o_proj").fallback, 1);
    EXPECT_NE(stats.at("o_proj").first_fallback.find("no records for o_proj phase=decode"), std::string::npos);
    std::ostringstream out;
    table->print_stats(out);
    EXPECT_NE(out.str().find("q_a_proj: exact 1, interpolated 0, fallback 3 (first: rows = 200 is outside"),
              std::string::npos)
        << out.str();
}

TEST_F(ProfileTableTest, FewerSmsScaleTheMeasurement) {
    const ProfileLookup l = table->lookup(op("q_a_proj"), decode_tokens(64), 66);
    EXPECT_DOUBLE_EQ(l.seconds, 24e-6);
    EXPECT_EQ(l.detail, "scaled from 132 to 66 SMs");
    EXPECT_DOUBLE_EQ(table->op_time(op("q_a_proj"), decode_tokens(64), 0).seconds, 12e-6); // 0: unknown, no scaling
}

TEST_F(ProfileTableTest, DescribeNamesFileGpuAndFallback) {
    EXPECT_EQ(table->describe(), "profile " + kData +
                                     "profile_small.json (NVIDIA H800, 21 records, model "
                                     "deepseek_v3), fallback fake");
}

TEST(ProfileTable, WithoutFallbackAMissThrows) {
    const auto table = load_profile_table(kData + "profile_small.json", nullptr);
    try {
        table->op_time(op("o_proj"), decode_tokens(64), 132);
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("profile " + kData +
                                                  "profile_small.json: op o_proj: no records for o_proj "
                                                  "phase=decode",
                                              0),
                  0u)
            << e.what();
    }
}

TEST(ProfileTable, RooflineAsTheFallback) {
    const RooflineModel roofline(find_gpu("h800"));
    const auto table = load_profile_table(kData + "profile_small.json", &roofline);
    const OpTime t   = table->op_time(op("o_proj"), decode_tokens(64), 132);
    EXPECT_FALSE(t.measured);
    EXPECT_DOUBLE_EQ(t.seconds, roofline.op_time(op("o_proj"), decode_tokens(64), 132).seconds);
    EXPECT_NE(table->describe().find("fallback roofline"), std::string::npos) << table->describe();
}

TEST(ProfileTable, LoadChecksOpsPhasesAndDuplicates) {
    const std::string unknown = kData + "profile_unknown_op.json";
    try {
        load_profile_table(unknown, nullptr);
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).rfind(unknown + ": records[0].op: unknown op \"q_a_projection\" for model "
                                                        "deepseek_v3 (known: attn_norm, combine",
                                              0),
                  std::string::npos); // communication ops are not compute ops
        EXPECT_EQ(
            std::string(e.what()).rfind(
                unknown +
                    ": records[0].op: unknown op \"q_a_projection\" for model "
                    "deepseek_v3 (known: attn_input_cast, attn_input_transpose, attn_norm, attn_norm_bwd, "
                    "attn_norm_recompute, attn_rotary, dense_down",
                0),
            0u)
            << e.what();
    }
    ProfileFile f = read_profile_file(kData + "profile_small.json");
    f.records.push_back(f.records[1]);
    EXPECT_THROW(
        {
            try {
                ProfileTable(f, "dup.json", nullptr);
            } catch (const ConfigError& e) {
                EXPECT_EQ(std::string(e.what()),
                          "dup.json: records[21]: same op and shape as records[1] (q_a_proj phase=decode "
                          "weight_precision=fp8_e4m3 kv_precision=bf16 attn_tp_size=1 (rows=64))");
                throw;
            }
        },
        ConfigError);
    f.records.pop_back();
    f.records[4].shape.phase = Phase::Prefill; // mla_decode measured in prefill
    EXPECT_THROW(
        {
            try {
                ProfileTable(f, "phase.json", nullptr);
            } catch (const ConfigError& e) {
                EXPECT_EQ(std::string(e.what()),
                          "phase.json: records[4].shape.phase: op mla_decode runs only in decode");
                throw;
            }
        },
        ConfigError);
    f.model = "gpt2";
    EXPECT_THROW(ProfileTable(f, "model.json", nullptr), ConfigError);
}

} // namespace
} // namespace moetwin
