// SPDX-License-Identifier: Apache-2.0
// The scenario's own named choices, each with its one name table (common/name_table.hpp): the table drives
// the parser (sim/scenario_json.cpp), the writer and to_string, `moetwin validate --list` and the GUI's
// what-if choices. Choices a library owns keep their table there: Phase and Precision (engine/), FabricKind
// (topologies/cluster_spec.hpp), CommBackend and DeepEpMode (sim/published/comm_enums.hpp), the GPU and model
// catalogues (engine/), the balancer and replica-dispatch policies (sim/balancer/ registries).
// No JSON and no SimGrid here.
#pragma once

#include "common/name_table.hpp"
#include "sim/published/comm_enums.hpp"

#include <array>
#include <string_view>

namespace moetwin {

enum class ExpertPopularity { Uniform, Zipf, LogNormal, File };
inline constexpr std::array<NameEntry<ExpertPopularity>, 4> kExpertPopularities = {{
    {ExpertPopularity::Uniform, "uniform", "every expert equally likely"},
    {ExpertPopularity::Zipf, "zipf", "expert popularity ~ 1 / rank^s (routing.popularity.s)"},
    {ExpertPopularity::LogNormal, "lognormal", "log-normal popularity (routing.popularity.sigma)"},
    {ExpertPopularity::File, "file", "recorded per-layer expert loads (routing.popularity.path)"},
}};
constexpr std::string_view to_string(ExpertPopularity v) {
    return table_name(kExpertPopularities, v);
}

enum class ContextDistribution { Fixed, Uniform, LogNormal };
inline constexpr std::array<NameEntry<ContextDistribution>, 3> kContextDistributions = {{
    {ContextDistribution::Fixed, "fixed", "every request has workload.context.tokens of KV"},
    {ContextDistribution::Uniform, "uniform", "KV length uniform in [min_tokens, max_tokens]"},
    {ContextDistribution::LogNormal, "lognormal", "log-normal KV length around tokens (sigma of ln tokens)"},
}};
constexpr std::string_view to_string(ContextDistribution v) {
    return table_name(kContextDistributions, v);
}

// DualPipeChunkPair: one DualPipe forward chunk overlapped with one backward chunk over the MoE layers
// (training, reference §4; the window DeepSeek's H800 training trace records), in the prefill unit.
enum class OverlapSchedule { Sequential, TwoMicroBatch, DualPipeChunkPair };
inline constexpr std::array<NameEntry<OverlapSchedule>, 3> kOverlapSchedules = {{
    {OverlapSchedule::Sequential, "sequential", "no overlap: attention, dispatch, experts, combine in turn"},
    {OverlapSchedule::TwoMicroBatch, "two_micro_batch", "DeepSeek's two-micro-batch overlap (reference §4)"},
    {OverlapSchedule::DualPipeChunkPair, "dualpipe_chunk_pair",
     "training: a DualPipe forward chunk overlapped with a backward chunk (prefill unit)"},
}};
constexpr std::string_view to_string(OverlapSchedule v) {
    return table_name(kOverlapSchedules, v);
}

// The DeepEP kernel family of the step's all-to-alls: Auto picks normal in prefill and low-latency in decode;
// the other two are DeepEpMode's own, spelled by its table.
enum class AllToAllMode { Auto, Normal, LowLatency };
inline constexpr std::array<NameEntry<AllToAllMode>, 3> kAllToAllModes = {{
    {AllToAllMode::Auto, "auto", "normal kernels in prefill, low-latency kernels in decode"},
    {AllToAllMode::Normal, table_name(kDeepEpModes, DeepEpMode::Normal),
     table_entry(kDeepEpModes, DeepEpMode::Normal).description},
    {AllToAllMode::LowLatency, table_name(kDeepEpModes, DeepEpMode::LowLatency),
     table_entry(kDeepEpModes, DeepEpMode::LowLatency).description},
}};
constexpr std::string_view to_string(AllToAllMode v) {
    return table_name(kAllToAllModes, v);
}

enum class ComputeSource { Roofline, Profile };
inline constexpr std::array<NameEntry<ComputeSource>, 2> kComputeSources = {{
    {ComputeSource::Roofline, "roofline", "calibrated roofline of every op (engine/roofline.hpp)"},
    {ComputeSource::Profile, "profile", "measured op times from a profile database (compute.profile_path)"},
}};
constexpr std::string_view to_string(ComputeSource v) {
    return table_name(kComputeSources, v);
}

} // namespace moetwin
