// SPDX-License-Identifier: Apache-2.0
// check_runnable(): run()'s checks before simulating, callable without simulating; the size guard.
#include "sim/preflight.hpp"

#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "sim/scenario_fit.hpp"
#include "sim/step/expert_popularity.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_placement.hpp"
#include "sim/step/step_plan.hpp"
#include "sim/training_run.hpp"
#include "topologies/cluster_builder.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace moetwin {
namespace {

// Time constants from the two steps README "Speed" measures (`moetwin bench step`, one core of a
// 2.3 GHz Xeon VM): decode EP144 routes 2.1 M (token, MoE layer) pairs over 236 all-to-all phases of
// 144² GPU pairs (4.9 M pair-phases) in 0.48 s of planning and simulates them in 0.27 s; prefill EP32
// routes 30.4 M pairs over 232 phases of 32² (0.24 M pair-phases) in 0.54 s. Solving the two plans for
// a per-token and a per-pair-phase cost gives the first two; the third is decode's simulation time
// per pair-phase. (Estimates of 0.75 s and 0.55 s against the measured 0.75 s and 0.58 s.)
constexpr double kPlanSecondsPerTokenLayer = 1.7e-8;
constexpr double kPlanSecondsPerPairPhase  = 9.1e-8;
constexpr double kSimSecondsPerPairPhase   = 0.27 / (236 * 144.0 * 144.0);
// Bytes: a flow of the fluid solver (endpoints, bytes, rate, times, route handle) and one trace event
// (sim/result's TraceEvent with its name) as held in memory; the fixed part is a margin over the 96 MB
// peak resident of the whole default decode run (`/usr/bin/time -v moetwin run`).
constexpr double kFlowBytes       = 96;
constexpr double kTraceEventBytes = 160;
constexpr double kBaseBytes       = 256.0 * (1 << 20);
constexpr double kGiB             = 1073741824.0;

std::string gib(double bytes) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / kGiB);
    return buf;
}

} // namespace

std::string RunEstimate::describe() const {
    char buf[96];
    if (seconds < 120)
        std::snprintf(buf, sizeof buf, "about %.0f s", seconds);
    else if (seconds < 7200)
        std::snprintf(buf, sizeof buf, "about %.0f minutes", seconds / 60);
    else
        std::snprintf(buf, sizeof buf, "about %.3g hours", seconds / 3600);
    return gib(memory_bytes) + " of memory, " + buf;
}

RunEstimate estimate_run(const Scenario& s) {
    const DeploymentUnit& unit = s.active_unit();
    const ModelSpec model = with_layers(find_model(s.model.name), s.model.num_dense_layers, s.model.num_moe_layers);
    const double n = unit.ep_size, nodes = unit.num_nodes, mbs = s.workload.micro_batches;
    const double moe             = model.num_moe_layers() + step::mtp_passes_for(s, model);
    const double layers          = model.num_dense_layers + moe;
    const double routes          = moe * mbs; // one LayerRouting (with its traffic) per MoE layer and micro-batch
    const double per_rank_tokens = s.workload.phase == Phase::Decode
                                       ? double(s.workload.requests_per_gpu) * (1 + s.workload.mtp_draft_tokens)
                                       : double(s.workload.tokens_per_gpu);
    const double token_layers    = double(unit.dp_size) * per_rank_tokens * moe;
    const double stage_cells     = n * (layers + 1) * mbs * step::kNumStages;
    RunEstimate e;
    e.memory_bytes = kBaseBytes + routes * (2 * n * n + n * nodes + n * unit.routed_experts_per_gpu) * 8 +
                     stage_cells * (8 + kTraceEventBytes) + n * n * kFlowBytes;
    const double pair_phases = 2 * routes * n * n; // a dispatch and a combine per route
    e.seconds =
        token_layers * kPlanSecondsPerTokenLayer + pair_phases * (kPlanSecondsPerPairPhase + kSimSecondsPerPairPhase);
    return e;
}

double available_memory_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    double kib = 0;
    std::string unit;
    while (in >> key >> kib >> unit)
        if (key == "MemAvailable:") return kib * 1024;
    const long pages = ::sysconf(_SC_AVPHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? double(pages) * double(page) : 0;
}

void check_run_size(const Scenario& s, const SizeLimits& limits) {
    const RunEstimate e       = estimate_run(s);
    const double machine      = available_memory_bytes();
    const double memory_limit = limits.memory_bytes > 0 ? limits.memory_bytes : machine;
    const std::string what    = s.source.string() + ": " + std::to_string(s.active_unit().ep_size) + " GPUs, " +
                             std::to_string(s.workload.micro_batches) + " micro-batch(es): the run needs " +
                             e.describe() + " (estimated before planning)";
    if (memory_limit > 0 && e.memory_bytes > memory_limit)
        throw ConfigError(what + ", more than the " + gib(memory_limit) +
                          (limits.memory_bytes > 0 ? " allowed by --max-memory-GiB"
                                                   : " this machine has available (/proc/meminfo MemAvailable)") +
                          "; shrink the unit (the traffic of every MoE layer grows with GPUs²) or raise the limit "
                          "with --max-memory-GiB on a machine that has the memory");
    if (e.seconds > limits.minutes * 60) {
        char minutes[32];
        std::snprintf(minutes, sizeof minutes, "%g", limits.minutes);
        throw ConfigError(what + ", more than the " + minutes + " minutes allowed; raise the limit with --max-minutes");
    }
}

std::shared_ptr<const CalibrationFile> load_calibration_for(const Scenario& s) {
    if (s.compute.calibration_path.empty()) return nullptr;
    try {
        return std::make_shared<const CalibrationFile>(read_calibration_file(s.compute.calibration_path));
    } catch (const ConfigError& e) {
        throw ConfigError("compute.calibration: " + std::string(e.what()));
    }
}

std::unique_ptr<ProfileTable> load_profile_for(const Scenario& s, const RooflineModel& roofline) {
    if (s.compute.source != ComputeSource::Profile) return nullptr;
    auto table = load_profile_table(s.compute.profile_path, &roofline);
    if (table->model() != s.model.name)
        throw ConfigError("compute.profile_path: " + s.compute.profile_path.string() + " profiles model '" +
                          table->model() + "' but the scenario runs '" + s.model.name + "'");
    return table;
}

void check_runnable(const Scenario& s, const SizeLimits& limits) {
    if (s.training) { // a training step runs its chunk pairs (sim/training_run.hpp)
        for (int moe : training_chunk_kinds(s))
            check_runnable(training_chunk_scenario(s, moe), limits);
        return;
    }
    // The cluster as the topology builder checks it (run() builds it after planning).
    try {
        validate_cluster_spec(s.cluster);
    } catch (const ConfigError& e) {
        throw ConfigError(s.source.string() + ": " + e.what());
    }
    check_run_size(s, limits);
    // The memory fit's inputs of every unit; its verdict is run()'s to enforce (allow_not_fitting).
    for (Phase phase : {Phase::Prefill, Phase::Decode})
        if (phase == Phase::Decode ? s.deployment.decode.has_value() : s.deployment.prefill.has_value())
            (void)fit_unit(s, phase);
    const RooflineModel roofline(s.gpu, {}, load_calibration_for(s));
    (void)load_profile_for(s, roofline);
    // The planner's checks that need no routing: the schedule program, the placement, the kernels' SMs.
    const ModelSpec& full = find_model(s.model.name);
    const ModelSpec model = with_layers(full, s.model.num_dense_layers, s.model.num_moe_layers);
    const int mtp         = step::mtp_passes_for(s, model);
    (void)step::build_program(step::program_kind_for(s), model.num_dense_layers, model.num_moe_layers() + mtp,
                              s.workload.micro_batches, mtp);
    if (model.num_moe_layers() > 0) (void)step::place_step_experts(s, step::expert_popularity(s, full, model));
    (void)step::exec_options_for(s).network.calibration.for_kernels(step::comm_mode_for(s) == DeepEpMode::Normal,
                                                                    s.schedule.comm_sms);
}

} // namespace moetwin
