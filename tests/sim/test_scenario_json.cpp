// SPDX-License-Identifier: Apache-2.0
// Scenario parsing: the shipped scenarios load with the values they state, the canonical JSON
// round-trips, and malformed scenarios fail with the exact message (file, JSON path, expectation).
#include "common/errors.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"
#include "topologies/cluster_builder.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace moetwin;
using nlohmann::json;

namespace {

const std::string kScenarios = std::string(MOETWIN_SOURCE_DIR) + "/scenarios/";

// A small valid scenario that each malformed case mutates in one place.
json base() {
    return json::parse(R"({
      "name": "t",
      "model": { "name": "deepseek_v3" },
      "hardware": { "gpu": "h800" },
      "cluster": { "num_nodes": 18, "gpus_per_node": 8 },
      "deployment": { "decode": { "num_nodes": 18, "ep_size": 144, "dp_size": 144,
                                  "redundant_experts": 32, "routed_experts_per_gpu": 2 } },
      "workload": { "phase": "decode", "requests_per_gpu": 128 }
    })");
}

std::string error_text(const std::string& text) {
    try {
        parse_scenario(text, "day6_decode.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string error_of(const json& j) {
    return error_text(j.dump(2));
}

} // namespace

TEST(ScenarioJson, ProductionDecodeHasDay6Values) {
    const Scenario s = load_scenario(kScenarios + "deepseek_v3_decode_ep144.json");
    ASSERT_TRUE(s.deployment.decode.has_value());
    const DeploymentUnit& u = s.active_unit();
    EXPECT_EQ(u.num_nodes, 18);
    EXPECT_EQ(u.ep_size, 144);
    EXPECT_EQ(u.dp_size, 144);
    EXPECT_EQ(u.redundant_experts, 32);
    EXPECT_EQ(u.routed_experts_per_gpu, 2);
    EXPECT_EQ(u.shared_experts_per_gpu, 1);
    EXPECT_EQ(s.workload.phase, Phase::Decode);
    EXPECT_EQ(s.cluster.num_gpus(), 144);
    // Units converted once: 160 GB/s, 3.33 µs, 2.8/3.7 µs (ISCA'25 Table 5).
    EXPECT_DOUBLE_EQ(s.cluster.nvlink.bandwidth_Bps, 160e9);
    EXPECT_DOUBLE_EQ(s.cluster.nvlink.latency_s, 3.33e-6);
    EXPECT_DOUBLE_EQ(s.cluster.ib_bandwidth_Bps, 50e9);
    EXPECT_DOUBLE_EQ(s.cluster.ib_latency_same_leaf_s, 2.8e-6);
    EXPECT_DOUBLE_EQ(s.cluster.ib_latency_cross_leaf_s, 3.7e-6);
    EXPECT_EQ(s.precision.dispatch, Precision::Fp8E4m3);
    EXPECT_EQ(s.precision.combine, Precision::Bf16);
    EXPECT_EQ(s.network.all_to_all, AllToAllMode::LowLatency);
    EXPECT_EQ(s.workload.mtp_draft_tokens, 1);
    EXPECT_DOUBLE_EQ(s.workload.mtp_acceptance, 0.85);
}

TEST(ScenarioJson, EmbeddedDefaultIsTheProductionDecodeFile) {
    const Scenario d = default_scenario();
    const Scenario f = load_scenario(kScenarios + "deepseek_v3_decode_ep144.json");
    EXPECT_EQ(scenario_to_json(d), scenario_to_json(f));
}

TEST(ScenarioJson, ProductionPrefillAndReportDecode) {
    const Scenario p = load_scenario(kScenarios + "deepseek_v3_prefill_ep32.json");
    EXPECT_EQ(p.workload.phase, Phase::Prefill);
    EXPECT_EQ(p.active_unit().ep_size, 32);
    EXPECT_EQ(p.active_unit().routed_experts_per_gpu, 9); // (256 + 32) / 32
    EXPECT_EQ(p.schedule.compute_sms, 108);
    EXPECT_EQ(p.schedule.comm_sms, 24);
    EXPECT_EQ(p.routing.popularity, ExpertPopularity::File);
    EXPECT_TRUE(std::filesystem::exists(p.routing.loads_path));

    const Scenario r = load_scenario(kScenarios + "deepseek_v3_decode_ep320_report.json");
    EXPECT_EQ(r.active_unit().ep_size, 320);
    EXPECT_EQ(r.active_unit().dp_size * r.active_unit().tp_size, 320);
    EXPECT_EQ(r.active_unit().routed_experts_per_gpu, 1);
    EXPECT_EQ(r.active_unit().shared_expert_slots + r.active_unit().redundant_experts, 64);
}

TEST(ScenarioJson, EveryShippedScenarioRoundTrips) {
    for (const auto& entry : std::filesystem::directory_iterator(kScenarios)) {
        if (entry.path().extension() != ".json") continue;
        SCOPED_TRACE(entry.path().string());
        const Scenario s       = load_scenario(entry.path());
        const std::string once = scenario_to_json(s);
        const Scenario again   = parse_scenario(once, "canonical.json");
        EXPECT_EQ(scenario_to_json(again), once);
        EXPECT_EQ(again.active_unit().ep_size, s.active_unit().ep_size);
        EXPECT_EQ(again.seed, s.seed);
        EXPECT_DOUBLE_EQ(again.cluster.nvlink.latency_s, s.cluster.nvlink.latency_s);
        EXPECT_DOUBLE_EQ(again.gpu.hbm_bytes, s.gpu.hbm_bytes);
    }
}

TEST(ScenarioJson, DefaultsFilledIn) {
    const Scenario s = parse_scenario(base().dump(), "t.json");
    EXPECT_EQ(s.routing.num_groups, 8);
    EXPECT_EQ(s.routing.topk_groups, 4);
    EXPECT_EQ(s.routing.node_limit, 4);
    EXPECT_EQ(s.balancer.policy, "eplb");
    EXPECT_EQ(s.cluster.fabric, FabricKind::MultiPlane);
    EXPECT_EQ(s.schedule.overlap, OverlapSchedule::TwoMicroBatch);
    EXPECT_EQ(s.schedule.compute_sms + s.schedule.comm_sms, 132);
    EXPECT_EQ(s.output.dir, std::filesystem::path("out/t"));
    EXPECT_EQ(s.workload.context_tokens, 4096);
    EXPECT_EQ(s.active_unit().shared_experts_per_gpu, 1);
}

// Issue 13 item 3: the output folder follows the name unless pinned, and the written text pins it only
// when the scenario did, so a renamed copy of a written scenario writes its own folder.
TEST(ScenarioJson, OutputDirFollowsTheNameUnlessPinned) {
    json j           = base();
    j["name"]        = "renamed";
    const Scenario s = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(s.output.dir, std::filesystem::path("out/renamed"));
    EXPECT_FALSE(json::parse(scenario_to_json(s))["output"].contains("dir"));
    j["output"]           = {{"dir", "results/elsewhere"}};
    const Scenario pinned = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(pinned.output.dir, std::filesystem::path("results/elsewhere"));
    EXPECT_EQ(parse_scenario(scenario_to_json(pinned), "again.json").output.dir, pinned.output.dir);
    for (const auto& entry : std::filesystem::directory_iterator(kScenarios)) {
        if (entry.path().extension() != ".json") continue;
        const Scenario shipped = load_scenario(entry.path());
        EXPECT_EQ(shipped.output.dir, std::filesystem::path("out") / shipped.name) << entry.path();
        EXPECT_EQ(json::parse(std::ifstream(entry.path()))["output"].count("dir"), 0u) << entry.path();
    }
}

// ---- malformed scenarios: one mutation each, the exact message expected ----

// Derived keys (issue 13 item 6): a scenario may restate them, not contradict them; the message names
// the file, the JSON path, the value given, the value derived and the keys it comes from.
TEST(ScenarioJsonErrors, EpSizeContradictsNodesTimesGpus) {
    json j                               = base();
    j["deployment"]["decode"]["ep_size"] = 145;
    EXPECT_EQ(error_of(j), "day6_decode.json: deployment.decode.ep_size: 145 contradicts the value derived from "
                           "num_nodes × cluster.gpus_per_node = 18 × 8: 144 (remove the key to use it)");
    j["deployment"]["decode"]["ep_size"] = 136;
    EXPECT_EQ(error_of(j), "day6_decode.json: deployment.decode.ep_size: 136 contradicts the value derived from "
                           "num_nodes × cluster.gpus_per_node = 18 × 8: 144 (remove the key to use it)");
}

TEST(ScenarioJsonErrors, DpSizeContradictsEpOverTp) {
    json j                               = base();
    j["deployment"]["decode"]["tp_size"] = 4;
    EXPECT_EQ(error_of(j), "day6_decode.json: deployment.decode.dp_size: 144 contradicts the value derived from "
                           "ep_size / tp_size = 144 / 4: 36 (remove the key to use it)");
    j["deployment"]["decode"]["tp_size"] = 5;
    EXPECT_EQ(error_of(j), "day6_decode.json: deployment.decode.tp_size: 5 does not divide the unit's 144 GPUs "
                           "(ep_size)");
}

TEST(ScenarioJsonErrors, SlotsPerGpuContradictsExpertsOverGpus) {
    json j                                              = base();
    j["deployment"]["decode"]["routed_experts_per_gpu"] = 3;
    EXPECT_EQ(error_of(j), "day6_decode.json: deployment.decode.routed_experts_per_gpu: 3 contradicts the value "
                           "derived from ⌈slots / ep_size⌉ (the busiest GPU's), 256 routed + 32 redundant + 0 "
                           "shared-expert slots = 288 over 144 GPUs: 2 (remove the key to use it)");
}

TEST(ScenarioJsonErrors, EveryGpuNeedsASlot) {
    json j     = base();
    j["model"] = {{"name", "qwen3_235b_a22b"}}; // 128 routed experts
    j["deployment"]["decode"].erase("routed_experts_per_gpu");
    j["deployment"]["decode"]["redundant_experts"] = 0;
    EXPECT_EQ(error_of(j), "day6_decode.json: deployment.decode.redundant_experts: 128 routed + 0 redundant + 0 "
                           "shared-expert slots = 128 leave some of the 144 GPUs without a slot");
}

TEST(ScenarioJson, DerivedKeysFollowTheUnitsNodes) {
    json j = base();
    j["cluster"].erase("num_nodes");
    for (const char* key : {"ep_size", "dp_size", "routed_experts_per_gpu"})
        j["deployment"]["decode"].erase(key);
    const Scenario s = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(s.cluster.num_nodes, 18); // the units' nodes
    EXPECT_EQ(s.active_unit().ep_size, 144);
    EXPECT_EQ(s.active_unit().dp_size, 144);
    EXPECT_EQ(s.active_unit().routed_experts_per_gpu, 2); // (256 + 32) / 144
    // Decode on 9 nodes: one edit. EP72, DP72, (256 + 32) / 72 = 4 slots per GPU, node limit 4.
    j["deployment"]["decode"]["num_nodes"] = 9;
    const Scenario nine                    = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(nine.cluster.num_nodes, 9);
    EXPECT_EQ(nine.active_unit().ep_size, 72);
    EXPECT_EQ(nine.active_unit().dp_size, 72);
    EXPECT_EQ(nine.active_unit().routed_experts_per_gpu, 4);
    EXPECT_EQ(nine.routing.node_limit, 4);
    // With tensor-parallel attention: DP = EP / TP (tech report EP320: TP4, DP80).
    j["deployment"]["decode"]["tp_size"] = 4;
    EXPECT_EQ(parse_scenario(j.dump(), "t.json").active_unit().dp_size, 18);
    // The resolved scenario records the derived values, so it reruns the same unit.
    const Scenario again = parse_scenario(scenario_to_json(nine), "again.json");
    EXPECT_EQ(again.cluster.num_nodes, 9);
    EXPECT_EQ(again.active_unit().ep_size, 72);
    EXPECT_EQ(again.active_unit().routed_experts_per_gpu, 4);
    EXPECT_NE(scenario_to_json(nine).find("\"ep_size\": 72"), std::string::npos);
}

TEST(ScenarioJson, UnevenSlotsPerGpuAreAllowed) {
    json j = base();
    j["deployment"]["decode"].erase("routed_experts_per_gpu");
    j["deployment"]["decode"]["redundant_experts"] = 0; // 256 slots over 144 GPUs: 112 hold 2, 32 hold 1
    j["balancer"]                                  = {{"policy", "none"}};
    EXPECT_EQ(parse_scenario(j.dump(), "t.json").active_unit().routed_experts_per_gpu, 2);
    j["deployment"]["decode"]["redundant_experts"] = 64; // 320 slots: 32 GPUs hold 3, 112 hold 2
    j["balancer"]                                  = {{"policy", "eplb"}};
    EXPECT_EQ(parse_scenario(j.dump(), "t.json").active_unit().routed_experts_per_gpu, 3);
    j["deployment"]["decode"]["routed_experts_per_gpu"] = 3; // restating the busiest GPU's count is fine
    EXPECT_EQ(error_of(j), "(no error)");
    j["deployment"]["decode"]["shared_expert_slots"] = 1; // dedicated slots need an even layout
    EXPECT_EQ(error_of(j), "day6_decode.json: deployment.decode.shared_expert_slots: 256 routed + 64 redundant + 1 "
                           "shared-expert slots = 321 do not divide evenly over 144 GPUs: dedicated shared-expert "
                           "slots need an even layout");
}

TEST(ScenarioJsonErrors, UnitLargerThanCluster) {
    json j                                 = base();
    j["deployment"]["decode"]["num_nodes"] = 20;
    EXPECT_EQ(error_of(j), "day6_decode.json: deployment.decode.num_nodes: 20 exceeds cluster.num_nodes (18)");
}

TEST(ScenarioJsonErrors, SyntaxErrorGivesLineAndColumn) {
    const std::string text = "{\n  \"name\": \"t\",\n  \"seed\": 1,,\n}\n";
    EXPECT_EQ(error_text(text), "day6_decode.json:3:13: invalid JSON: syntax error while parsing object key - "
                                "unexpected ','; expected string literal");
}

TEST(ScenarioJsonErrors, TruncatedFile) {
    // The first 60 bytes end inside line 4, `    "num_nodes": 1` (19 characters): the error is just past it.
    const std::string text = base().dump(2).substr(0, 60);
    EXPECT_EQ(error_text(text), "day6_decode.json:4:20: truncated JSON: the file ends before the document does "
                                "(syntax error while parsing object - unexpected end of input; expected '}')");
}

TEST(ScenarioJsonErrors, EmptyFile) {
    EXPECT_EQ(error_text("  \n"), "day6_decode.json: empty file: expected a JSON document");
}

TEST(ScenarioJsonErrors, TopLevelNotAnObject) {
    EXPECT_EQ(error_text("[1, 2]"), "day6_decode.json: (top level): expected an object, got an array of 2 elements");
}

TEST(ScenarioJsonErrors, UnknownTopLevelKey) {
    json j         = base();
    j["workloads"] = json::object();
    EXPECT_EQ(error_of(j),
              "day6_decode.json: workloads: unknown key, did you mean \"workload\"? (expected one of: name, "
              "description, seed, allow_not_fitting, model, hardware, cluster, deployment, precision, routing, "
              "balancer, workload, schedule, "
              "compute, network, output, serving, training, offload)");
}

TEST(ScenarioJsonErrors, UnknownNestedKey) {
    json j                  = base();
    j["cluster"]["nvlinks"] = {{"bandwidth_GBps", 160}};
    EXPECT_EQ(error_of(j), "day6_decode.json: cluster.nvlinks: unknown key, did you mean \"nvlink\"? (expected one "
                           "of: fabric, num_nodes, gpus_per_node, nics_per_node, nvlink, pcie, host_bridge, ib)");
}

TEST(ScenarioJsonErrors, UnitlessBandwidthKeyRejected) {
    json j                 = base();
    j["cluster"]["nvlink"] = {{"bandwidth", 160}};
    EXPECT_EQ(error_of(j), "day6_decode.json: cluster.nvlink.bandwidth: unknown key (expected one of: "
                           "bandwidth_GBps, latency_us)");
}

TEST(ScenarioJsonErrors, WrongType) {
    json j                    = base();
    j["cluster"]["num_nodes"] = "18";
    EXPECT_EQ(error_of(j), "day6_decode.json: cluster.num_nodes: expected an integer, got the string \"18\"");
}

TEST(ScenarioJsonErrors, FractionalInteger) {
    json j                               = base();
    j["deployment"]["decode"]["dp_size"] = 144.5;
    EXPECT_EQ(error_of(j), "day6_decode.json: deployment.decode.dp_size: expected an integer, got the number 144.5");
}

TEST(ScenarioJsonErrors, MissingRequiredKey) {
    json j = base();
    j["deployment"]["decode"].erase("num_nodes");
    EXPECT_EQ(error_of(j), "day6_decode.json: deployment.decode: missing required key \"num_nodes\"");
}

TEST(ScenarioJsonErrors, UnknownModel) {
    json j             = base();
    j["model"]["name"] = "deepseek_v4";
    EXPECT_EQ(error_of(j).substr(0, 113),
              "day6_decode.json: model.name: \"deepseek_v4\" is not a known model (did you mean "
              "\"deepseek_v3\"?); known: deepseek_v");
}

TEST(ScenarioJsonErrors, UnknownGpu) {
    json j               = base();
    j["hardware"]["gpu"] = "h900";
    EXPECT_EQ(error_of(j).substr(0, 93), "day6_decode.json: hardware.gpu: \"h900\" is not a known gpu (did you mean "
                                         "\"h800\"?); known: h800");
}

TEST(ScenarioJsonErrors, NegativeBandwidth) {
    json j             = base();
    j["cluster"]["ib"] = {{"bandwidth_GBps", -50}};
    EXPECT_EQ(error_of(j), "day6_decode.json: cluster.ib.bandwidth_GBps: must be > 0, got -50");
}

TEST(ScenarioJsonErrors, PhaseWithoutItsUnit) {
    json j                 = base();
    j["workload"]["phase"] = "prefill";
    EXPECT_EQ(error_of(j), "day6_decode.json: workload.phase: \"prefill\" needs deployment.prefill");
}

TEST(ScenarioJsonErrors, UnknownPhase) {
    json j                 = base();
    j["workload"]["phase"] = "train";
    EXPECT_EQ(error_of(j), "day6_decode.json: workload.phase: \"train\" is not a known phase; known: prefill, decode");
}

TEST(ScenarioJsonErrors, NodeLimitAboveNodes) {
    json j       = base();
    j["routing"] = {{"node_limit", 20}};
    EXPECT_EQ(error_of(j), "day6_decode.json: routing.node_limit: 20 exceeds the unit's 18 nodes");
}

// Issue 13 item 5: the gate's groups are the model's; another model's values are refused with the model's own.
TEST(ScenarioJsonErrors, RoutingGroupsAreTheModels) {
    json j       = base();
    j["routing"] = {{"num_groups", 64}, {"topk_groups", 1}};
    EXPECT_EQ(error_of(j),
              "day6_decode.json: routing.num_groups: 64 differs from deepseek_v3's own num_groups = 8 (its "
              "gate, from the model catalogue); remove the key or set it to 8");
    j["routing"] = {{"num_groups", 8}, {"topk_groups", 4}};
    EXPECT_EQ(error_of(j), "(no error)");
    j["model"]                                          = {{"name", "qwen3_235b_a22b"}}; // 128 experts, no groups
    j["deployment"]["decode"]["redundant_experts"]      = 16;
    j["deployment"]["decode"]["routed_experts_per_gpu"] = 1;
    EXPECT_EQ(error_of(j), "day6_decode.json: routing.num_groups: 8 differs from qwen3_235b_a22b's own num_groups = 1 "
                           "(its gate, from the model catalogue); remove the key or set it to 1");
}

TEST(ScenarioJsonErrors, AcceptanceRateOutOfRange) {
    json j               = base();
    j["workload"]["mtp"] = {{"acceptance_rate", 1.5}};
    EXPECT_EQ(error_of(j), "day6_decode.json: workload.mtp.acceptance_rate: must be within [0, 1], got 1.5");
}

TEST(ScenarioJsonErrors, LoadsFileMissing) {
    json j       = base();
    j["routing"] = {{"popularity", {{"distribution", "file"}, {"path", "/nonexistent/loads.json"}}}};
    EXPECT_EQ(error_of(j), "day6_decode.json: routing.popularity.path: file \"/nonexistent/loads.json\" does not "
                           "exist");
}

TEST(ScenarioJsonErrors, DuplicateKey) {
    std::string text = base().dump();
    text.insert(1, "\"seed\": 1, \"seed\": 2, ");
    EXPECT_EQ(error_text(text), "day6_decode.json: (top level): duplicate key \"seed\"");
}

TEST(ScenarioJsonErrors, UnknownPrecision) {
    json j         = base();
    j["precision"] = {{"kv_cache", "fp32"}};
    EXPECT_EQ(error_of(j), "day6_decode.json: precision.kv_cache: \"fp32\" is not a known precision; known: bf16, "
                           "fp8_e4m3, int4, nvfp4, fp16, int8, int4_g128");
}

TEST(ScenarioJsonErrors, OverlapNeedsTwoMicroBatches) {
    json j                         = base();
    j["workload"]["micro_batches"] = 1;
    j["schedule"]                  = {{"overlap", "two_micro_batch"}};
    EXPECT_EQ(error_of(j), "day6_decode.json: schedule.overlap: \"two_micro_batch\" needs workload.micro_batches = 2, "
                           "got 1");
}

TEST(ScenarioJsonErrors, ProfileSourceWithoutPath) {
    json j       = base();
    j["compute"] = {{"source", "profile"}};
    EXPECT_EQ(error_of(j), "day6_decode.json: compute: missing required key \"profile_path\" for source \"profile\"");
}

// One validator for the cluster (topologies/cluster_builder.hpp check_cluster_spec), with the JSON path.
TEST(ScenarioJsonErrors, MultiPlanePlanesMustDivideTheNics) {
    json j             = base();
    j["cluster"]["ib"] = {{"planes", 3}};
    EXPECT_EQ(error_of(j), "day6_decode.json: cluster.ib.planes: 3 planes must divide nics_per_node (8): NIC rank r "
                           "of every node is on plane r % planes (default: one plane per NIC)");
    j["cluster"]["ib"] = {{"planes", 4}}; // two NICs of a node per plane: the builder builds it, so it parses
    EXPECT_EQ(error_of(j), "(no error)");
    j["cluster"]["ib"]            = json::object();
    j["cluster"]["nics_per_node"] = 4;
    EXPECT_EQ(error_of(j), "day6_decode.json: cluster.nics_per_node: one NIC per GPU is modelled: nics_per_node (4) "
                           "must equal gpus_per_node (8)");
}

TEST(ScenarioJson, IbPlanesFollowTheNicCount) {
    json j = base();
    EXPECT_EQ(parse_scenario(j.dump(), "t.json").cluster.ib_planes, 8);
    j["cluster"]["gpus_per_node"] = 4; // 4 NICs per node: 4 planes (the default used to be 8 and failed)
    j["deployment"]["decode"].erase("ep_size");
    j["deployment"]["decode"].erase("dp_size");
    j["deployment"]["decode"].erase("routed_experts_per_gpu");
    const Scenario s = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(s.cluster.nics_per_node, 4);
    EXPECT_EQ(s.cluster.ib_planes, 4);
    EXPECT_EQ(s.active_unit().ep_size, 72);
    EXPECT_EQ(s.active_unit().routed_experts_per_gpu, 4); // 288 / 72
    EXPECT_EQ(build_cluster(s.cluster).num_planes(), 4);
}

TEST(ScenarioJsonErrors, MissingFileNamesPath) {
    try {
        load_scenario("scenarios/no_such_scenario.json");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "scenarios/no_such_scenario.json: cannot read: No such file or directory");
    }
}

TEST(ScenarioJsonErrors, UnknownBalancerPolicy) {
    json j        = base();
    j["balancer"] = {{"policy", "eplb_v2"}};
    EXPECT_EQ(error_of(j),
              "day6_decode.json: balancer.policy: \"eplb_v2\" is not a known placement policy; known: "
              "none, replicate_hottest, eplb, eplb_hierarchical, eplb_global, lpt_swap, group_affine, minmax_swap, "
              "joint_minmax, tree_partition, replica_ring, group_ring; or \"file\" or \"command\" (bring your own "
              "placement)");
}

TEST(ScenarioJsonErrors, HierarchicalEplbNeedsGroupsToDivideOverNodes) {
    json j        = base();
    j["balancer"] = {{"policy", "eplb_hierarchical"}};
    EXPECT_EQ(error_of(j), "day6_decode.json: balancer.policy: \"eplb_hierarchical\" needs the 8 expert groups to "
                           "divide over the unit's 18 nodes; use \"eplb\" or \"eplb_global\"");
}

TEST(ScenarioJsonErrors, NonePolicyWithRedundantExperts) {
    json j        = base();
    j["balancer"] = {{"policy", "none"}};
    EXPECT_EQ(error_of(j), "day6_decode.json: balancer.policy: \"none\" places no redundant experts, but the unit "
                           "has 32");
}

TEST(ScenarioJsonErrors, MtpNeedsAnMtpModule) {
    json j                                         = base();
    j["model"]["name"]                             = "deepseek_v2";
    j["deployment"]["decode"]["redundant_experts"] = 128;
    j["deployment"]["decode"].erase("routed_experts_per_gpu");
    j["workload"]["mtp"] = {{"draft_tokens", 1}};
    EXPECT_EQ(error_of(j), "day6_decode.json: workload.mtp: deepseek_v2 has no multi-token-prediction module");
}

TEST(ScenarioJson, NetworkCalibrationKeys) {
    json j           = base();
    j["network"]     = {{"backend", "simgrid_flows"},
                        {"deepep", "v1_2025_02"},
                        {"calibration", {{"ib_efficiency", 0.8}, {"low_latency_overhead_us", 5}, {"saturating_sms", 20}}}};
    const Scenario s = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(s.network.backend, CommBackend::SimGridFlows);
    EXPECT_EQ(s.network.deepep, DeepEpGeneration::V1_2025_02);
    EXPECT_DOUBLE_EQ(s.network.calibration.ib_efficiency, 0.8);
    EXPECT_DOUBLE_EQ(s.network.calibration.low_latency_overhead_s, 5e-6);
    EXPECT_DOUBLE_EQ(s.network.calibration.nvlink_efficiency, 0.83);     // default: DeepEP fit
    EXPECT_DOUBLE_EQ(s.network.calibration.ibrc_chunk_stall_s, 3.86e-6); // the generation's own fit
    EXPECT_EQ(s.network.calibration.saturating_sms, 20);
}

TEST(ScenarioJson, DeepEpGenerationDefaultAndNames) {
    json j = base();
    j.erase("network");
    const Scenario s = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(s.network.deepep, DeepEpGeneration::V1_2025_06_Nvlink);
    EXPECT_DOUBLE_EQ(s.network.calibration.ll_nvlink_message_s, 14.52e-9);
    EXPECT_DOUBLE_EQ(s.network.calibration.ll_rdma_after_nvlink, 0.516);
    EXPECT_DOUBLE_EQ(s.network.calibration.ibrc_chunk_stall_s, 0);
    // One name table: every name parses back to its generation and prints as itself.
    for (const DeepEpGenerationInfo& g : deepep_generations()) {
        j["network"]     = {{"deepep", std::string(g.name)}};
        const Scenario t = parse_scenario(j.dump(), "t.json");
        EXPECT_EQ(t.network.deepep, g.generation);
        EXPECT_EQ(to_string(t.network.deepep), g.name);
        EXPECT_NE(scenario_to_json(t).find("\"deepep\": \"" + std::string(g.name) + "\""), std::string::npos);
    }
}

TEST(ScenarioJsonErrors, DeepEpGenerationUnknown) {
    json j       = base();
    j["network"] = {{"deepep", "v2"}};
    EXPECT_EQ(error_of(j), "day6_decode.json: network.deepep: \"v2\" is not a known DeepEP generation; known: "
                           "v1_2025_02, v1_2025_04_ibgda, v1_2025_06_nvlink");
}

TEST(ScenarioJsonErrors, LowLatencyNvlinkKeyRemoved) {
    json j       = base();
    j["network"] = {{"low_latency_nvlink", true}};
    EXPECT_EQ(error_of(j), "day6_decode.json: network.low_latency_nvlink: removed: the DeepEP generation decides it; "
                           "use \"deepep\": \"v1_2025_06_nvlink\" (network.deepep) for low-latency kernels over "
                           "NVLink inside a node");
}

TEST(ScenarioJsonErrors, EfficiencyAboveOne) {
    json j       = base();
    j["network"] = {{"calibration", {{"nvlink_efficiency", 1.2}}}};
    EXPECT_EQ(error_of(j), "day6_decode.json: network.calibration.nvlink_efficiency: a share of the nominal "
                           "bandwidth must be within (0, 1], got 1.2");
}

TEST(ScenarioJsonErrors, RdmaAfterNvlinkShareAboveOne) {
    json j       = base();
    j["network"] = {{"calibration", {{"ll_rdma_after_nvlink", 1.5}}}};
    EXPECT_EQ(error_of(j), "day6_decode.json: network.calibration.ll_rdma_after_nvlink: a share of the NVLink "
                           "stores must be within [0, 1], got 1.5");
}

TEST(ScenarioJsonErrors, ProxyRdmaCapKeyIsGone) {
    json j       = base();
    j["network"] = {{"calibration", {{"proxy_rdma_GBps", 37.3}}}};
    EXPECT_NE(error_of(j).find("network.calibration.proxy_rdma_GBps"), std::string::npos) << error_of(j);
}

TEST(ScenarioJson, CalibrationKeyRoundTripsAndIsReadStrictly) {
    const std::filesystem::path cal =
        std::filesystem::temp_directory_path() / ("moetwin_cal_" + std::to_string(::getpid()) + ".json");
    { std::ofstream(cal) << "{\"format\": \"moetwin.calibration\", \"version\": 7}"; }
    json j           = base();
    j["compute"]     = {{"source", "roofline"}, {"calibration", cal.string()}};
    const Scenario s = parse_scenario(j.dump(), "day6_decode.json");
    EXPECT_EQ(s.compute.calibration_path, cal);
    const std::string once = scenario_to_json(s);
    EXPECT_EQ(scenario_to_json(parse_scenario(once, "canonical.json")), once);
    // run() reads the file before simulating: its errors name the key, the file and the JSON path.
    try {
        run(s);
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), "compute.calibration: " + cal.string() + ": version: expected 1, got 7");
    }
    std::filesystem::remove(cal);
    j["compute"]["calibration"] = "/no/such/calibration.json";
    EXPECT_EQ(error_of(j), "day6_decode.json: compute.calibration: file \"/no/such/calibration.json\" does not exist");
}

namespace moetwin {
namespace {

// Issue 13 item 7: the key was parsed, printed and ignored by run.
TEST(ScenarioJsonRules, RebalancePeriodIsRefusedInAStep) {
    nlohmann::json j =
        nlohmann::json::parse(R"({"name": "d", "model": {"name": "deepseek_v3"}, "hardware": {"gpu": "h800"},
      "cluster": {"num_nodes": 18, "gpus_per_node": 8},
      "deployment": {"decode": {"num_nodes": 18, "ep_size": 144, "dp_size": 144, "redundant_experts": 32,
                                "routed_experts_per_gpu": 2}},
      "balancer": {"policy": "eplb", "rebalance_period_min": 10},
      "workload": {"phase": "decode", "requests_per_gpu": 128}})");
    try {
        parse_scenario(j.dump(), "d.json");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("d.json: balancer.rebalance_period_min: a simulated step uses one "
                                              "placement and never rebalances",
                                              0),
                  0u)
            << e.what();
    }
    j["balancer"].erase("rebalance_period_min");
    EXPECT_NO_THROW(parse_scenario(j.dump(), "d.json"));
}

} // namespace
} // namespace moetwin

// Dynamic redundancy (issue 16): balancer.hosted_experts_per_gpu round-trips, is bounded by the
// active slots below and the unit's slots above, and the memory fit counts the hosted weights.
TEST(ScenarioJson, HostedExpertsPerGpuRoundTripsAndIsChecked) {
    json j                                  = base();
    j["balancer"]["hosted_experts_per_gpu"] = 4;
    const Scenario s                        = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(s.balancer.hosted_experts_per_gpu, 4);
    const Scenario again = parse_scenario(scenario_to_json(s), "again.json");
    EXPECT_EQ(again.balancer.hosted_experts_per_gpu, 4);
    EXPECT_EQ(scenario_to_json(again), scenario_to_json(s));
    EXPECT_EQ(parse_scenario(base().dump(), "t.json").balancer.hosted_experts_per_gpu, 0); // off by default
    j["balancer"]["hosted_experts_per_gpu"] = 1; // fewer than the 2 active slots per GPU
    EXPECT_NE(error_of(j).find("balancer.hosted_experts_per_gpu:"), std::string::npos) << error_of(j);
    j["balancer"]["hosted_experts_per_gpu"] = 289; // more than the unit's 288 slots
    EXPECT_NE(error_of(j).find("balancer.hosted_experts_per_gpu:"), std::string::npos) << error_of(j);
    j["balancer"]["hosted_experts_per_gpu"] = "4";
    EXPECT_NE(error_of(j).find("balancer.hosted_experts_per_gpu:"), std::string::npos) << error_of(j);
}

// balancer.active_set_sample_steps: round-trips, needs hosted experts, at least 1 step.
TEST(ScenarioJson, ActiveSetSampleStepsRoundTripsAndIsChecked) {
    json j                                   = base();
    j["balancer"]["active_set_sample_steps"] = 10;
    EXPECT_NE(error_of(j).find("balancer.active_set_sample_steps:"), std::string::npos) << error_of(j);
    j["balancer"]["hosted_experts_per_gpu"] = 4;
    const Scenario s                        = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(s.balancer.active_set_sample_steps, 10);
    EXPECT_EQ(parse_scenario(scenario_to_json(s), "again.json").balancer.active_set_sample_steps, 10);
    j["balancer"]["active_set_sample_steps"] = 0;
    EXPECT_NE(error_of(j).find("balancer.active_set_sample_steps:"), std::string::npos) << error_of(j);
}

namespace moetwin {
namespace {

// Issue 20: models, precisions and hardware the catalogue added, and their bad inputs.
json one_node(const std::string& model, const std::string& gpu) {
    return json::parse(R"({"name": "w", "model": {"name": ")" + model + R"("}, "hardware": {"gpu": ")" + gpu +
                       R"("}, "cluster": {"fabric": "single_node", "gpus_per_node": 8},
                          "deployment": {"decode": {"num_nodes": 1}},
                          "workload": {"phase": "decode", "requests_per_gpu": 8}})");
}

TEST(ScenarioJson, Fp8WeightsOnAGpuWithoutFp8AreRejectedNamingTheKey) {
    json j = one_node("mixtral_8x7b", "a100");
    // The default weight format is fp8_e4m3: the error names the key it defaulted.
    EXPECT_NE(error_of(j).find("precision.expert_weights: \"fp8_e4m3\" needs fp8_e4m3 tensor cores, which a100 does "
                               "not have"),
              std::string::npos)
        << error_of(j);
    j["precision"] = {{"expert_weights", "bf16"}, {"dense_weights", "fp8_e4m3"}};
    EXPECT_NE(error_of(j).find("precision.dense_weights: \"fp8_e4m3\" needs"), std::string::npos) << error_of(j);
    j["precision"]   = {{"expert_weights", "int4_g128"}, {"dense_weights", "int8"}};
    const Scenario s = parse_scenario(j.dump(), "w.json"); // INT8 tensor cores exist on A100
    EXPECT_EQ(s.precision.expert_weights, Precision::Int4G128);
    EXPECT_EQ(s.cluster.nvlink.bandwidth_Bps, 240e9); // A100 NVLink 3: 300 GB/s × 0.8 achieved
}

TEST(ScenarioJson, ExpertsThatDoNotCoverTheEpGroupAreRejectedNamingTheKey) {
    json j                                 = one_node("mixtral_8x7b", "h800");
    j["cluster"]["fabric"]                 = "fat_tree";
    j["deployment"]["decode"]["num_nodes"] = 2; // 8 experts over EP16
    EXPECT_NE(error_of(j).find("deployment.decode.redundant_experts: 8 routed + 0 redundant + 0 shared-expert slots = "
                               "8 leave some of the 16 GPUs without a slot"),
              std::string::npos)
        << error_of(j);
}

TEST(ScenarioJson, DenseModelsTakeNoExpertKeysAndRunOverPcieWithoutNvlink) {
    json j           = one_node("r1_distill_qwen_7b", "rtx4090");
    j["precision"]   = {{"expert_weights", "bf16"}, {"dense_weights", "int4_g128"}};
    const Scenario s = parse_scenario(j.dump(), "w.json");
    EXPECT_EQ(s.active_unit().routed_experts_per_gpu, 0);
    // No NVLink on the RTX 4090: its peers are reached over PCIe Gen4 x16 (31.5 GB/s per direction).
    EXPECT_DOUBLE_EQ(s.cluster.nvlink.bandwidth_Bps, 16 * 16e9 * 128.0 / 130.0 / 8);
    j["deployment"]["decode"]["redundant_experts"] = 2;
    EXPECT_NE(error_of(j).find("deployment.decode.redundant_experts: r1_distill_qwen_7b is a dense model"),
              std::string::npos)
        << error_of(j);
    j["deployment"]["decode"].erase("redundant_experts");
    j["routing"] = {{"node_limit", 1}};
    EXPECT_NE(error_of(j).find("routing.node_limit: r1_distill_qwen_7b is a dense model: it has no gate"),
              std::string::npos)
        << error_of(j);
}

} // namespace
} // namespace moetwin

namespace moetwin {
namespace {

TEST(ScenarioJson, CachedPrefixKeyRoundTripsAndIsReadStrictly) {
    json j = json::parse(std::ifstream(kScenarios + "deepseek_v3_prefill_ep32.json"));
    j.erase("routing"); // its recorded-loads path is relative to scenarios/; the defaults need no file
    j.erase("balancer");
    EXPECT_EQ(parse_scenario(j.dump(), "p.json").workload.cached_prefix_tokens, 0); // default
    // Absent at 0 in the written scenario (so results of every existing scenario stay byte-identical).
    EXPECT_EQ(
        json::parse(scenario_to_json(parse_scenario(j.dump(), "p.json")))["workload"].count("cached_prefix_tokens"),
        0u);
    j["workload"]["cached_prefix_tokens"] = 3072;
    const Scenario s                      = parse_scenario(j.dump(), "p.json");
    EXPECT_EQ(s.workload.cached_prefix_tokens, 3072);
    const std::string once = scenario_to_json(s);
    EXPECT_EQ(json::parse(once)["workload"]["cached_prefix_tokens"], 3072);
    EXPECT_EQ(scenario_to_json(parse_scenario(once, "canonical.json")), once);

    j["workload"]["cached_prefix_tokens"] = -1;
    EXPECT_NE(error_of(j).find("day6_decode.json: workload.cached_prefix_tokens"), std::string::npos) << error_of(j);
    j["workload"]["cached_prefix_tokens"] = 1.5;
    EXPECT_NE(error_of(j).find("day6_decode.json: workload.cached_prefix_tokens"), std::string::npos) << error_of(j);
    j["workload"]["cached_prefix_tokens"] = "many";
    EXPECT_NE(error_of(j).find("day6_decode.json: workload.cached_prefix_tokens"), std::string::npos) << error_of(j);
    json d                                = base(); // decode: the context already holds the prefix
    d["workload"]["cached_prefix_tokens"] = 100;
    EXPECT_EQ(error_of(d), "day6_decode.json: workload.cached_prefix_tokens: needs phase \"prefill\" (a decode "
                           "request's context already holds its prefix)");
    d["workload"]["cached_prefix_tokens"] = 0; // 0 is the default anywhere
    EXPECT_EQ(error_of(d), "(no error)");
}

} // namespace
} // namespace moetwin
