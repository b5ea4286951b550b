// SPDX-License-Identifier: Apache-2.0
// Scenario: everything one moetwin run needs, as plain structs in SI units. Parsed and validated
// once, in sim/scenario_json.cpp (the only scenario code that sees JSON); the schema, with every
// key, unit and default, is documented in scenarios/README.md.
#pragma once

#include "engine/gpu_spec.hpp"
#include "engine/phase.hpp"
#include "engine/precision.hpp"
#include "sim/published/comm_enums.hpp"
#include "sim/published/deepep_generation.hpp"
#include "sim/published/network_calibration.hpp"
#include "sim/scenario_enums.hpp"
#include "sim/scenario_offload.hpp"
#include "sim/scenario_training.hpp"
#include "sim/serving/serving_config.hpp"
#include "topologies/cluster_spec.hpp"

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin {

// One disaggregated serving unit (DeepSeek's Day-6 overview: prefill 4 nodes/EP32, decode 18 nodes/EP144).
// NOTES: ep_size == num_nodes * gpus_per_node, dp_size * tp_size == ep_size, and
// n_routed_experts + redundant_experts + shared_expert_slots == ep_size * routed_experts_per_gpu.
struct DeploymentUnit {
    int num_nodes              = 0;
    int ep_size                = 0; // expert-parallel GPUs (the whole unit)
    int dp_size                = 0; // attention data-parallel ranks
    int tp_size                = 1; // attention tensor-parallel degree per DP rank
    int redundant_experts      = 0; // extra replicas of hot routed experts (EPLB)
    int routed_experts_per_gpu = 0; // physical routed-expert slots per GPU, redundant ones included
    int shared_experts_per_gpu = 1; // shared expert replicated on every GPU (DeepSeek production)
    int shared_expert_slots    = 0; // shared expert served as a routed one from dedicated slots (tech report EP320)
};

struct Deployment {
    std::optional<DeploymentUnit> prefill;
    std::optional<DeploymentUnit> decode;
};

// Weights and traffic precisions (reference §3: FP8 GEMMs and dispatch, BF16 MLA core and combine).
struct PrecisionConfig {
    Precision expert_weights = Precision::Fp8E4m3;
    Precision dense_weights  = Precision::Fp8E4m3; // attention projections and dense FFN
    Precision kv_cache       = Precision::Bf16;
    Precision dispatch       = Precision::Fp8E4m3;
    Precision combine        = Precision::Bf16;
};

struct RoutingConfig {
    int num_groups              = 8; // expert groups (DeepSeek-V3 n_expert_groups)
    int topk_groups             = 4; // groups kept per token (n_limited_groups)
    int node_limit              = 4; // M: nodes a token may reach (tech report §2.1.2)
    ExpertPopularity popularity = ExpertPopularity::Uniform;
    double zipf_s               = 1.0;
    double lognormal_sigma      = 1.0;
    std::filesystem::path loads_path;           // popularity == File: {"logical_count": [[experts] x layers]}
    std::string replica_policy = "round_robin"; // a dispatch policy (sim/balancer/dispatch.hpp registry)
};

struct BalancerConfig {
    std::string policy = "eplb";          // see scenarios/README.md for the list
    std::filesystem::path fit_loads_path; // loads the placement is fitted on (default: routing's)
    // Dynamic redundancy (sim/balancer/active_set.hpp): expert weights hosted per GPU, of which
    // routed_experts_per_gpu are active in a step, chosen from the step's loads; 0: off (hosted = active).
    int hosted_experts_per_gpu = 0;
    // With hosted experts: the active set is chosen from a sample of the last N steps' (token,
    // expert) pairs (sim/balancer/recent_load.hpp; a step's pairs: ep_size × its tokens per GPU ×
    // top-k) instead of the step's expected loads; 0: from the expected loads.
    int active_set_sample_steps = 0;
    // policy "file": a placement JSON (sim/balancer/external/placement_json.hpp)
    std::filesystem::path placement_path;
    // policy "command": argv of a program that reads loads on stdin and writes a placement on stdout
    std::vector<std::string> command;
    double command_timeout_s = 60;     // killed after this
    std::filesystem::path command_dir; // its working directory (default: the scenario file's)
};

// serving.prefill / serving.decode "routing" and "balancer" (scenarios/README.md, "serving"): the settings that
// pool's unit runs with when its step-time model is built, in place of the scenario's top-level ones (the
// phases differ: Day-6's prefill units see other expert loads than its decode units). nullopt: the scenario's.
struct PoolUnitSettings {
    std::optional<RoutingConfig> routing;
    std::optional<BalancerConfig> balancer;
};

struct WorkloadConfig {
    Phase phase                              = Phase::Decode;
    int requests_per_gpu                     = 128;   // decode batch per DP rank
    int64_t tokens_per_gpu                   = 16384; // prefill tokens per DP rank per step
    ContextDistribution context_distribution = ContextDistribution::Fixed;
    int64_t context_tokens                   = 4096; // mean KV length per request (Fixed: every request)
    int64_t context_min_tokens               = 0;    // Uniform
    int64_t context_max_tokens               = 0;    // Uniform; also the KV-capacity horizon for the fit
    double context_sigma                     = 0.5;  // LogNormal (of ln tokens)
    int micro_batches                        = 2;
    int mtp_draft_tokens                     = 0;   // multi-token prediction draft tokens per step (DeepSeek-V3: 1)
    double mtp_acceptance                    = 0.0; // accepted fraction of draft tokens (tech report §5.4.3: 85-90 %)
    // Prefill: tokens of each request's prompt already in the KV cache (a prefix-cache hit); the prompt
    // (context_*) is then the new tokens only, which attend to the prefix + the new tokens before them.
    int64_t cached_prefix_tokens = 0;
};

struct ScheduleConfig {
    OverlapSchedule overlap = OverlapSchedule::TwoMicroBatch;
    int compute_sms         = 108; // prefill overlap: 108 compute + 24 communication SMs (reference §4)
    int comm_sms            = 24;
};

struct ComputeConfig {
    ComputeSource source = ComputeSource::Roofline;
    std::filesystem::path profile_path;
    std::filesystem::path calibration_path; // empty: the roofline's built-in constants (engine/calibration.hpp)
};

struct NetworkConfig {
    std::string simgrid_model = "CM02"; // CM02 with crosstraffic off: exact latency + bytes/bandwidth
    bool crosstraffic         = false;
    AllToAllMode all_to_all   = AllToAllMode::Auto; // Auto: normal in prefill, low-latency in decode
    CommBackend backend       = CommBackend::Fluid; // fluid: one solve per phase; simgrid_flows: the slow reference
    // DeepEP kernel generation the all-to-all is calibrated to (sim/published/deepep_generation.hpp):
    // low-latency routing inside a node and the defaults of `calibration`.
    DeepEpGeneration deepep        = kDefaultDeepEpGeneration;
    NetworkCalibration calibration = deepep_calibration(kDefaultDeepEpGeneration); // fitted to DeepEP (§5.1)
};

struct OutputConfig {
    std::filesystem::path dir = "out";
    bool result_json          = true;
    bool trace                = true;
    bool csv                  = true;
};

struct ModelConfig {
    std::string name     = "deepseek_v3";
    int num_dense_layers = -1; // -1: the model's own; smaller values truncate (tiny test scenarios)
    int num_moe_layers   = -1;
};

struct Scenario {
    std::string name;
    std::string description;
    std::filesystem::path source; // the file it came from ("<embedded>" for the default)
    uint64_t seed = 1;
    // Simulate even when the active unit does not fit in GPU memory (top-level key allow_not_fitting,
    // or `moetwin run --allow-not-fitting`); the result then records the fit's verdict in its notes.
    bool allow_not_fitting = false;
    ModelConfig model;
    GpuSpec gpu; // from the hardware table, with the scenario's overrides applied
    ClusterSpec cluster;
    Deployment deployment;
    PrecisionConfig precision;
    RoutingConfig routing;
    BalancerConfig balancer;
    WorkloadConfig workload;
    ScheduleConfig schedule;
    ComputeConfig compute;
    NetworkConfig network;
    OutputConfig output;
    std::optional<serving::ServingConfig> serving;              // `moetwin serve` (sim/serving/); absent: not a service
    PoolUnitSettings serving_prefill_unit, serving_decode_unit; // per-pool overrides (with `serving` only)
    // workload.phase = "training": one training step (sim/scenario_training.hpp); workload and schedule then
    // hold the DualPipe chunk pair each stage's chunk times come from (phase prefill, 2 micro-batches).
    std::optional<TrainingConfig> training;
    OffloadConfig offload; // expert offloading to host memory (sim/scenario_offload.hpp); off by default

    // The unit that workload.phase simulates (validated to exist).
    const DeploymentUnit& active_unit() const;
};

// Reads, parses and validates; throws ConfigError "<file>: <json.path>: <what was expected>".
Scenario load_scenario(const std::filesystem::path& path);
// Same, from text; `origin` names it in errors and relative input paths resolve against `base_dir`.
Scenario parse_scenario(std::string_view json_text, const std::string& origin, const std::filesystem::path& base_dir);
Scenario parse_scenario(std::string_view json_text, const std::string& origin); // base_dir: current directory
// The production decode scenario compiled into the binary (scenarios/deepseek_v3_decode_ep144.json).
Scenario default_scenario();
std::string_view default_scenario_text();

// The canonical JSON of a scenario: every key explicit, input paths as resolved (absolute when the
// scenario named them relative). parse_scenario(scenario_to_json(s)) gives back s.
std::string scenario_to_json(const Scenario& s);

// Every field, one per line (design.md example 4).
std::ostream& operator<<(std::ostream& out, const Scenario& s);

} // namespace moetwin
