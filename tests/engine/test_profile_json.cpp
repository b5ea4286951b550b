// SPDX-License-Identifier: Apache-2.0
// Profile file format: the hand-written fixture reads as written, writing round-trips, and every malformed
// file fails with a message naming the file, the JSON path (or line:column) and what was expected.
#include "engine/profile.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace moetwin {
namespace {

const std::string kData = std::string(MOETWIN_SOURCE_DIR) + "/tests/engine/data/";

// The message of the ConfigError `f` throws ("" when it does not throw).
template <class F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

// A valid one-record file with `record` spliced in place of the record's fields after "op".
std::string one_record(const std::string& fields) {
    return R"({"format": "moetwin.profile", "version": 1, "model": "deepseek_v3", "generator": "t",
               "created_utc": "x", "timing": {"warmup": 1, "repeats": 3, "l2_flush": true, "input_sets": 1},
               "records": [{"op": "q_a_proj", )" +
           fields + "}]}";
}
// `text` with the first `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
    return text;
}
const std::string kFields = R"("impl": "t", "shape": {"phase": "decode", "num_tokens": 8}, "median_us": 10,
    "p10_us": 9, "p90_us": 11, "samples": 3, "gpu": "G", "num_sms": 132, "sm_clock_mhz": 1700,
    "sm_clock_max_mhz": 1980, "cuda_runtime": "13.0", "cuda_driver": "13.0")";

TEST(ProfileJson, ReadsTheFixture) {
    const ProfileFile f = read_profile_file(kData + "profile_small.json");
    EXPECT_EQ(f.model, "deepseek_v3");
    EXPECT_EQ(f.timing.warmup, 2);
    EXPECT_EQ(f.timing.repeats, 10);
    EXPECT_TRUE(f.timing.l2_flush);
    EXPECT_EQ(f.timing.input_sets, 2);
    ASSERT_EQ(f.records.size(), 21u);
    const OpProfile& r = f.records[0];
    EXPECT_EQ(r.op, "q_a_proj");
    EXPECT_EQ(r.shape.phase, Phase::Decode);
    EXPECT_EQ(r.shape.num_tokens, 1);
    EXPECT_EQ(r.shape.weight_precision, Precision::Fp8E4m3); // default
    EXPECT_DOUBLE_EQ(r.median_s, 10e-6);
    EXPECT_DOUBLE_EQ(r.p10_s, 9e-6);
    EXPECT_DOUBLE_EQ(r.p90_s, 11e-6);
    EXPECT_EQ(r.gpu, "NVIDIA H800");
    EXPECT_EQ(r.num_sms, 132);
    EXPECT_DOUBLE_EQ(r.sm_clock_hz, 1755e6);
    EXPECT_DOUBLE_EQ(r.sm_clock_max_hz, 1980e6);
    EXPECT_EQ(f.records[3].shape.weight_precision, Precision::Bf16);
    EXPECT_EQ(f.records[8].shape.query_tokens_per_request, 2);
}

TEST(ProfileJson, WriteThenReadIsIdentity) {
    const ProfileFile f    = read_profile_file(kData + "profile_small.json");
    const std::string text = to_profile_json(f);
    const ProfileFile g    = parse_profile_json(text, "roundtrip");
    ASSERT_EQ(g.records.size(), f.records.size());
    for (size_t i = 0; i < f.records.size(); ++i) {
        EXPECT_EQ(g.records[i].op, f.records[i].op);
        EXPECT_EQ(g.records[i].shape.num_tokens, f.records[i].shape.num_tokens);
        EXPECT_EQ(g.records[i].shape.kv_len, f.records[i].shape.kv_len);
        EXPECT_EQ(g.records[i].shape.weight_precision, f.records[i].shape.weight_precision);
        EXPECT_DOUBLE_EQ(g.records[i].median_s, f.records[i].median_s);
    }
    EXPECT_EQ(to_profile_json(g), text); // deterministic
    // One record per line, keys in the documented order.
    EXPECT_NE(
        text.find("\n    {\"op\":\"q_a_proj\",\"impl\":\"test\",\"shape\":{\"phase\":\"decode\",\"num_tokens\":1},"
                  "\"median_us\":10.0,"),
        std::string::npos)
        << text.substr(0, 600);
}

TEST(ProfileJson, WritesAtomicallyToDisk) {
    const auto dir = std::filesystem::temp_directory_path() / "moetwin_profile_json_test";
    std::filesystem::remove_all(dir);
    const ProfileFile f = read_profile_file(kData + "profile_small.json");
    write_profile_file(dir / "h800" / "deepseek_v3.json", f);
    EXPECT_EQ(read_profile_file(dir / "h800" / "deepseek_v3.json").records.size(), f.records.size());
    std::filesystem::remove_all(dir);
}

TEST(ProfileJson, MalformedFilesNameFileJsonPathAndExpectation) {
    EXPECT_EQ(error_of([] { read_profile_file(kData + "profile_syntax_error.json"); }),
              kData + "profile_syntax_error.json:4:9: invalid JSON: syntax error while parsing object - "
                      "unexpected string literal; expected '}'");
    EXPECT_EQ(error_of([] { read_profile_file(kData + "profile_mixed_gpu.json"); }),
              kData + "profile_mixed_gpu.json: records[1].gpu: \"NVIDIA H100 80GB HBM3\" differs from records[0].gpu "
                      "\"NVIDIA H800\" (one profile file describes one GPU)");
    EXPECT_EQ(error_of([] { read_profile_file(kData + "profile_bad_shape.json"); }),
              kData + "profile_bad_shape.json: records[0].shape.num_tokens: expected an integer, got the string "
                      "\"many\"");
    EXPECT_EQ(error_of([] {
                  read_profile_file(kData + "no_such_profile.json");
              }).rfind(kData + "no_such_profile.json: cannot read", 0),
              0u);
}

TEST(ProfileJson, MalformedRecordsInline) {
    EXPECT_EQ(error_of([] { parse_profile_json(one_record(kFields), "t.json"); }), "");
    EXPECT_EQ(error_of([] { parse_profile_json("", "t.json"); }), "t.json: empty file: expected a JSON document");
    EXPECT_EQ(error_of([] { parse_profile_json("[1, 2]", "t.json"); }),
              "t.json: (top level): expected an object, got an array of 2 elements");
    EXPECT_EQ(error_of([] { parse_profile_json(R"({"format": "other"})", "t.json"); }),
              "t.json: format: expected \"moetwin.profile\"");
    EXPECT_EQ(error_of([] { parse_profile_json(R"({"format": "moetwin.profile", "records": []})", "t.json"); }),
              "t.json: (top level): missing required key \"version\"");
    EXPECT_EQ(error_of([] { parse_profile_json(one_record(kFields + R"(, "colour": "blue")"), "t.json"); }),
              "t.json: records[0].colour: unknown key (expected one of: op, impl, shape, median_us, p10_us, p90_us, "
              "samples, gpu, num_sms, sm_clock_mhz, sm_clock_max_mhz, cuda_runtime, cuda_driver)");
    std::string f = replaced(kFields, "\"median_us\": 10", "\"median_us\": -1");
    EXPECT_EQ(error_of([&] { parse_profile_json(one_record(f), "t.json"); }),
              "t.json: records[0].median_us: must be > 0, got -1");
    f = replaced(kFields, "\"p90_us\": 11", "\"p90_us\": 5");
    EXPECT_EQ(error_of([&] { parse_profile_json(one_record(f), "t.json"); }),
              "t.json: records[0].p90_us: must be >= median_us");
    f = replaced(kFields, "\"phase\": \"decode\"", "\"phase\": \"train\"");
    EXPECT_EQ(error_of([&] { parse_profile_json(one_record(f), "t.json"); }),
              "t.json: records[0].shape.phase: expected \"prefill\" or \"decode\", got \"train\"");
    f = replaced(kFields, "\"num_tokens\": 8", "\"num_tokens\": 8, \"weight_precision\": \"fp4\"");
    EXPECT_EQ(error_of([&] { parse_profile_json(one_record(f), "t.json"); }),
              "t.json: records[0].shape.weight_precision: \"fp4\" is not a known precision; known: bf16, fp8_e4m3, "
              "int4, nvfp4, fp16, int8, int4_g128");
    f = replaced(kFields, "\"num_tokens\": 8", "\"num_tokens\": 8, \"kv_len\": 1, \"query_tokens_per_request\": 2");
    EXPECT_EQ(error_of([&] { parse_profile_json(one_record(f), "t.json"); }),
              "t.json: records[0].shape: op shape: query_tokens_per_request = 2: must be <= kv_len (the new tokens "
              "are part of the context)");
    f = replaced(kFields, "\"shape\": {\"phase\": \"decode\", \"num_tokens\": 8}", "\"shape\": {\"num_tokens\": 8}");
    EXPECT_EQ(error_of([&] { parse_profile_json(one_record(f), "t.json"); }),
              "t.json: records[0].shape: missing required key \"phase\"");
}

} // namespace
} // namespace moetwin
