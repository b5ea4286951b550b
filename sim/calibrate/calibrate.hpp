// SPDX-License-Identifier: Apache-2.0
// `moetwin calibrate`: a profiler trace of a real run + the scenario describing that run -> per-stage and
// per-op measured GPU time against the twin's roofline at the same shapes and SMs, profile records
// (engine/profile.hpp) and a calibration file of fitted efficiency factors and in-situ DeepEP figures
// (engine/calibration.hpp).
#pragma once

#include "engine/calibration.hpp"
#include "engine/op_spec.hpp"
#include "engine/profile.hpp"
#include "sim/calibrate/attribution.hpp"
#include "sim/calibrate/kernel_family.hpp"
#include "sim/calibrate/profiler_trace.hpp"
#include "sim/calibrate/training_recipe.hpp"
#include "sim/scenario.hpp"

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace moetwin::calib {

// One op of the catalogue as measured in the trace (all occurrences of its stage).
struct OpRow {
    std::string op;
    std::string stage;
    std::string kernel_family;               // of its kernels ("gemm_fp8"; "+"-joined when several)
    std::optional<CalibrationFamily> family; // the roofline family it is timed and fitted in
    OpSpec spec;                             // the catalogue's op (forward or training_ops.hpp)
    OpShape shape;
    int num_sms = 0;              // SMs its kernels had (most common over occurrences; ties: fewer)
    std::vector<double> times_us; // per occurrence: union of its kernels' intervals
    int kernels      = 0;         // over all occurrences
    double median_us = 0, p10_us = 0, p90_us = 0;
    double twin_us            = 0; // roofline with the built-in constants
    double twin_calibrated_us = 0; // roofline with the fitted factors
};

// A stage name over its occurrences (the 4 MoE layers of a chunk).
struct StageRow {
    std::string name;
    std::vector<double> span_us, busy_us;       // per occurrence
    double ops_measured_us = 0;                 // mean over occurrences of the catalogue ops' time
    double twin_us = 0, twin_calibrated_us = 0; // the same ops, back to back, as the twin times them
    double glue_us         = 0;                 // mean per occurrence of kernels kept at the family level
    double unclassified_us = 0;                 // mean per occurrence of unclassified kernels
    double comm_us         = 0;                 // mean per occurrence of DeepEP kernels
    double mean_span_us() const;
};

// Kernels a stage runs that the catalogue has no op for yet, per family.
struct GlueRow {
    std::string stage;
    KernelFamily family = KernelFamily::Elementwise;
    int kernels         = 0;
    double mean_us      = 0; // per occurrence (sum of durations)
};

struct UnclassifiedRow {
    std::string name;  // the kernel name (shortened)
    std::string stage; // "(none)" when no annotation encloses its launch
    int count       = 0;
    double total_us = 0;
};

struct CalibrationResult {
    std::string trace;
    int kernels_total = 0, kernels_attributed = 0;
    int device_sms = 0;
    std::vector<StageRow> stages;
    std::vector<OpRow> ops;
    std::vector<GlueRow> glue;
    std::vector<UnclassifiedRow> unclassified;
    CalibrationFile calibration;
    std::map<int, ProfileFile> profiles; // by num_sms (a profile file holds one SM count)
    int main_profile_sms = 0;            // the scenario's compute SMs: written as profile.json
};

// The shape every op of the traced run had: phase prefill (training's forward runs whole sequences),
// tokens_per_gpu tokens in sequences of context_tokens, the unit's routed experts per GPU, and
// tokens_per_expert = tokens × top_k / experts per GPU (balanced routing). Throws ConfigError when the
// scenario is not a prefill scenario.
OpShape traced_shape(const Scenario& s);

// The scenario describing DeepSeek's traced H800 training run (scenarios/deepseek_v3_train_ep64_trace.json,
// compiled in): the default of `moetwin calibrate --scenario`.
Scenario traced_scenario();

// Expected distinct nodes a token's top-k selections reach under uniform (balanced) routing: with
// node-aligned expert groups (routing.num_groups = nodes) top_k experts drawn without replacement from the
// experts of min(topk_groups, node_limit) groups; otherwise from all experts.
double expected_nodes_per_token(const Scenario& s);

// Contract: pure in (trace, scenario, recipe); throws ConfigError when the scenario's model lacks an op the
// recipe names or the scenario is not prefill.
CalibrationResult calibrate_trace(const ProfilerTrace& trace, const Scenario& scenario,
                                  std::span<const RecipeEntry> recipe, const std::string& generator);

// The per-stage, per-op, fitted-factor, DeepEP and unclassified tables.
void print_calibration(std::ostream& out, const CalibrationResult& r);

// Writes DIR/profile.json (records at the scenario's compute SMs), DIR/profile_<n>sms.json for other SM
// counts, and DIR/calibration.json, each atomically.
std::vector<std::filesystem::path> write_calibration_outputs(const std::filesystem::path& dir,
                                                             const CalibrationResult& r);

} // namespace moetwin::calib
