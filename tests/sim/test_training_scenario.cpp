// SPDX-License-Identifier: Apache-2.0
// Training scenarios (sim/scenario_training*.{hpp,cpp}, issue 19): the DeepSeek pre-training scenario's derived
// values, the default layer split, the memory estimate, round trips of the scenario and of training.json, and
// bad inputs naming their key.
#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "sim/result/training_result.hpp"
#include "sim/scenario.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <numeric>

using namespace moetwin;
using nlohmann::json;

namespace {

const std::string kScenarios = std::string(MOETWIN_SOURCE_DIR) + "/scenarios/";

json tiny() {
    std::ifstream in(kScenarios + "tiny_train_pp2_ep16.json");
    return json::parse(in);
}

std::string error_of(const json& j) {
    try {
        parse_scenario(j.dump(), "t.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST(TrainingScenario, DeepSeekPretrainingDerivesItsCounts) {
    const Scenario s = load_scenario(kScenarios + "deepseek_v3_pretrain_2048.json");
    ASSERT_TRUE(s.training);
    const TrainingConfig& t = *s.training;
    EXPECT_EQ(t.num_gpus, 2048);
    EXPECT_EQ(t.dp_size, 2);          // 2048 / (16 × 64)
    EXPECT_EQ(t.attention_dp(), 128); // GPUs per stage
    EXPECT_EQ(t.micro_batches, 120);  // 15360 / 128
    EXPECT_EQ(t.layers_per_stage, (std::vector<int>{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 1}));
    EXPECT_EQ(s.workload.phase, Phase::Prefill); // the chunk pair runs on the prefill unit
    EXPECT_EQ(s.workload.tokens_per_gpu, 2 * 4096);
    EXPECT_EQ(s.schedule.overlap, OverlapSchedule::DualPipeChunkPair);
    EXPECT_EQ(s.schedule.comm_sms, 20);
    EXPECT_EQ(s.schedule.compute_sms, 112);
}

TEST(TrainingScenario, DefaultLayerSplit) {
    EXPECT_EQ(default_layer_split(61, 16), (std::vector<int>{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 1}));
    EXPECT_EQ(default_layer_split(4, 2), (std::vector<int>{2, 2}));
    EXPECT_EQ(default_layer_split(5, 4), (std::vector<int>{2, 1, 1, 1})); // ⌈5/4⌉ = 2 would leave the last -1
    EXPECT_EQ(default_layer_split(7, 3), (std::vector<int>{3, 3, 1}));
    for (int pp = 1; pp <= 61; ++pp) {
        const std::vector<int> v = default_layer_split(61, pp);
        EXPECT_EQ(std::accumulate(v.begin(), v.end(), 0), 61);
        EXPECT_GE(*std::min_element(v.begin(), v.end()), 1);
    }
}

// Hand count: a middle PP16 rank of DeepSeek-V3 (4 MoE layers) under DualPipe holds stages r and 15 − r.
TEST(TrainingScenario, MemoryOfAMiddleRank) {
    const Scenario s     = load_scenario(kScenarios + "deepseek_v3_pretrain_2048.json");
    const ModelSpec& m   = find_model("deepseek_v3");
    const RankParams one = rank_params(m, *s.training, 64, {1});
    int64_t routed = 0, other = 0;
    for (const OpSpec& op : m.moe_layer_ops)
        (op.role == WeightRole::RoutedExpert ? routed : other) += op.params_per_instance * op.instances_per_layer;
    EXPECT_EQ(one.routed_local, 4 * routed / 64);
    EXPECT_EQ(one.other, 4 * other);
    const TrainingMemory mem = training_memory(m, *s.training, 64, {1, 14}, 17);
    EXPECT_EQ(mem.weights_B, 2 * (2 * (4 * routed) / 64 + 2 * 4 * other));
    EXPECT_EQ(mem.gradients_B, 2 * mem.weights_B);
    EXPECT_EQ(mem.optimizer_B, 8 * (8 * routed / 64) / 2 + 8 * (8 * other) / 128);
    // 17 chunks of 4 MoE layers (the mean of two equal stages) × 4096 tokens × the cached bytes per token.
    const int64_t per_token = 2 * 7168 + 2 * (1536 + 512 + 64) + 128 * 128 + 7168 + 8 * (7168 + 3 * 2048) + 3 * 2048;
    EXPECT_EQ(mem.activations_B, 17 * 4096 * int64_t(4) * per_token);
    EXPECT_LT(double(mem.total_B()), s.gpu.hbm_bytes); // DeepSeek trains without TP on 80 GB GPUs
}

TEST(TrainingScenario, RoundTripsThroughTheWriter) {
    for (const char* name : {"deepseek_v3_pretrain_2048.json", "tiny_train_pp2_ep16.json"}) {
        const Scenario s       = load_scenario(kScenarios + name);
        const std::string once = scenario_to_json(s);
        const Scenario again   = parse_scenario(once, "canonical.json");
        EXPECT_EQ(scenario_to_json(again), once);
        EXPECT_EQ(again.training, s.training);
        EXPECT_EQ(json::parse(once)["workload"], json({{"phase", "training"}}));
    }
    json j                            = tiny();
    j["training"]["schedule"]         = "zb1p";
    j["training"]["layers_per_stage"] = {1, 3};
    j["training"]["micro_batches"]    = 4; // restated derived keys are accepted
    j["training"]["dp_size"]          = 1;
    const Scenario s                  = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(s.training->schedule, PipelineSchedule::Zb1p);
    EXPECT_EQ(s.training->layers_per_stage, (std::vector<int>{1, 3}));
    EXPECT_EQ(parse_scenario(scenario_to_json(s), "c.json").training, s.training);
}

TEST(TrainingScenarioErrors, NameTheKey) {
    json j                            = tiny();
    j["training"]["layers_per_stage"] = {2, 1};
    EXPECT_EQ(error_of(j),
              "t.json: training.layers_per_stage: the stages hold 3 layers; the model has 4 (1 dense + 3 MoE)");
    j["training"]["layers_per_stage"] = {4};
    EXPECT_EQ(error_of(j), "t.json: training.layers_per_stage: expected 2 entries (pp_size), got 1");
    j                                       = tiny();
    j["training"]["global_batch_sequences"] = 48; // 3 micro-batches of 16 sequences
    EXPECT_EQ(error_of(j), "t.json: training.global_batch_sequences: dualpipe needs an even number of micro-batches "
                           ">= 2 x stages (4; dualpipe.py), got 3");
    j["training"]["global_batch_sequences"] = 40;
    EXPECT_EQ(error_of(j), "t.json: training.global_batch_sequences: 40 sequences do not divide over the 16 GPUs of a "
                           "stage (num_gpus / pp_size; one sequence per GPU and micro-batch)");
    j                              = tiny();
    j["training"]["micro_batches"] = 8;
    EXPECT_EQ(error_of(j), "t.json: training.micro_batches: 8 contradicts the value derived from "
                           "global_batch_sequences / (num_gpus / pp_size) = 64 / 16: 4 (remove the key to use it)");
    j                        = tiny();
    j["training"]["pp_size"] = 3;
    EXPECT_EQ(error_of(j), "t.json: training.pp_size: pp_size × deployment.prefill.ep_size = 3 × 16 does not divide "
                           "the cluster's 32 GPUs");
    j["cluster"]["num_nodes"]               = 6; // 48 GPUs: PP3 × EP16; DualPipe needs an even PP
    j["training"]["global_batch_sequences"] = 96;
    EXPECT_EQ(error_of(j),
              "t.json: training.global_batch_sequences: dualpipe needs an even number of stages >= 2, got 3");
    j                         = tiny();
    j["training"]["schedule"] = "gpipe";
    EXPECT_NE(error_of(j).find("t.json: training.schedule: "), std::string::npos) << error_of(j);
    j                      = tiny();
    j["training"]["extra"] = 1;
    EXPECT_EQ(error_of(j), "t.json: training.extra: unknown key (expected one of: pp_size, schedule, sequence_tokens, "
                           "global_batch_sequences, layers_per_stage, comm_sms, zero_stage, num_gpus, dp_size, "
                           "micro_batches)");
    j             = tiny();
    j["schedule"] = {{"comm_sms", 24}};
    EXPECT_EQ(error_of(j), "t.json: schedule: a training scenario runs DualPipe chunk pairs on training.comm_sms SMs; "
                           "remove \"schedule\"");
    j                               = tiny();
    j["workload"]["tokens_per_gpu"] = 4096;
    EXPECT_EQ(error_of(j), "t.json: workload.tokens_per_gpu: unknown key (expected one of: phase)");
    j                      = tiny();
    j["workload"]["phase"] = "prefill";
    EXPECT_EQ(error_of(j), "t.json: training: needs workload.phase = \"training\"");
}

TEST(TrainingScenarioErrors, MemoryThatDoesNotFitNamesTheSplit) {
    // DeepSeek-V3 on PP2: 30 layers per stage hold far more than 80 GB per GPU.
    json j                                  = json::parse(std::ifstream(kScenarios + "deepseek_v3_pretrain_2048.json"));
    j["training"]["pp_size"]                = 2;
    j["training"]["global_batch_sequences"] = 16384; // 16 micro-batches of 1024 sequences
    const std::string e                     = error_of(j);
    EXPECT_EQ(e.rfind("t.json: training.layers_per_stage: rank 0 needs ", 0), 0u) << e;
    EXPECT_NE(e.find("above the 79.1 GiB of HBM (allow_not_fitting overrides)"), std::string::npos) << e;
    j["allow_not_fitting"] = true;
    EXPECT_EQ(error_of(j), "(no error)");
}

TEST(TrainingResultJson, RoundTripsAndIsStrict) {
    TrainingResult r;
    r.scenario_name                 = "x";
    r.schedule                      = "dualpipe";
    r.pp_size                       = 2;
    r.micro_batches                 = 4;
    r.num_gpus                      = 32;
    r.tokens_per_step               = 32768;
    r.pipeline_s                    = 0.1 / 3;
    r.step_s                        = 0.125;
    r.p2p_s                         = 1.7e-4;
    r.tokens_per_s                  = 32768 / 0.125;
    r.mfu                           = 0.123456789;
    r.gpu_hours_per_trillion_tokens = 33.9e3;
    r.scenario_json                 = R"({"b":1,"a":[2]})";
    r.ranks                         = {{0, 2, 1, 0.003, 0.004, 0.005, 0.01, 0.02, 0.001, 0.0123, 0.05, 0.001, 0.125},
                                       {1, 2, 3, 0.008, 0.0083, 0.0092, 0.0223, 0.02, 0.001, 0.0123, 0.05, 0.001, 0.1}};
    r.spans                = {{0, "F0.0", 0, 0.003}, {0, "reduce_scatter", 0.05, 0.07}, {1, "FB0.1/1.0", 0.01, 0.03}};
    const std::string text = training_result_to_json(r);
    const TrainingResult back = training_result_from_json(text, "t.json");
    EXPECT_EQ(back.scenario_json, R"({"a":[2],"b":1})"); // canonical
    r.scenario_json = back.scenario_json;
    EXPECT_EQ(back, r);
    EXPECT_EQ(training_result_to_json(back), text);

    json j                 = json::parse(text);
    j["ranks"][0]["extra"] = 1;
    EXPECT_THROW(training_result_from_json(j.dump(), "t.json"), ConfigError);
    j = json::parse(text);
    j.erase("mfu");
    EXPECT_THROW(training_result_from_json(j.dump(), "t.json"), ConfigError);
    j                      = json::parse(text);
    j["spans"][0]["end_s"] = 1.0; // past the step
    EXPECT_THROW(training_result_from_json(j.dump(), "t.json"), ConfigError);
    j = json::parse(text);
    j["ranks"].erase(1);
    EXPECT_THROW(training_result_from_json(j.dump(), "t.json"), ConfigError);

    const json trace = json::parse(training_trace_json(r));
    int threads = 0, spans = 0;
    for (const json& e : trace["traceEvents"]) {
        threads += e["name"] == "thread_name";
        spans += e["ph"] == "X";
    }
    EXPECT_EQ(threads, 2);
    EXPECT_EQ(spans, 3);
}
