// SPDX-License-Identifier: Apache-2.0
// The result records' scalar fields, described once: one table per record (RunMeta, Summary, GpuCounters,
// LinkStats) drives the result.json writer (keys in table order), the strict reader (accepted keys, types,
// integer ranges), the CSV header and rows (fields marked csv), validate()'s per-field checks and the
// field list in sim/result/README.md (tests/result/test_result_fields.cpp keeps the README in step).
// Cross-field invariants (num_gpus = num_nodes * gpus_per_node, a GPU's node, slowest_gpu < num_gpus,
// unique link names, ...) stay hand-written in result_validate.cpp.
// Adding a field: add the member to the struct and one row here; nothing else (format version aside).
#pragma once

#include "sim/result/result.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace moetwin {

// What validate() checks on one field alone. Integers are read in their type's range, except 64-bit
// signed ones, which are counts, times or bytes and read in [0, 2^63 - 1] (every such row says so).
enum class FieldCheck : uint8_t {
    None,     // any value of the type (or a cross-field rule in result_validate.cpp)
    Range,    // integer in [lo, hi]
    NonNeg,   // integer >= 0; double finite and >= 0
    Positive, // double finite and > 0
    StepTime, // integer in [0, summary.step_time_ns]
    Ratio,    // double 0 (no MoE layer) or >= 1 (a busiest / mean ratio)
    Choice,   // string, one of `choices`
};

template <class S>
using FieldMember = std::variant<int32_t S::*, int64_t S::*, uint64_t S::*, double S::*, bool S::*, std::string S::*,
                                 std::vector<std::string> S::*>;

template <class S> struct Field {
    std::string_view name; // result.json key and CSV column
    FieldMember<S> member;
    std::string_view doc; // unit and meaning (README)
    FieldCheck check                          = FieldCheck::None;
    int64_t lo                                = 0; // Range only
    int64_t hi                                = 0;
    std::span<const std::string_view> choices = {}; // Choice only
    bool csv                                  = false;
};

// Calls fn(member) with the field's member of `s`, typed.
template <class S, class F> void visit_field(const Field<S>& f, S& s, F&& fn) {
    std::visit([&](auto m) { fn(s.*m); }, f.member);
}
template <class S, class F> void visit_field(const Field<S>& f, const S& s, F&& fn) {
    std::visit([&](auto m) { fn(s.*m); }, f.member);
}

// "int32", "int64", "uint64", "double", "bool", "string", "[string]".
template <class S> std::string_view field_type_name(const Field<S>& f) {
    constexpr std::string_view names[] = {"int32", "int64", "uint64", "double", "bool", "string", "[string]"};
    return names[f.member.index()];
}

namespace result_fields_detail {
inline constexpr std::array<std::string_view, 2> kPhases         = {"prefill", "decode"};
inline constexpr std::array<std::string_view, 3> kComputeSources = {"roofline", "profile", "mixed"};
inline constexpr std::array<std::string_view, 3> kLinkKinds      = {"nvlink", "pcie", "ib"};
// Limits of the meta counts: the span row types (layer int16, micro_batch int8) and sizes far beyond any
// cluster (2^20 nodes, 2^10 GPUs per node), so a corrupt file fails here, not in an allocation.
inline constexpr int64_t kMaxNodes        = int64_t(1) << 20;
inline constexpr int64_t kMaxGpusPerNode  = int64_t(1) << 10;
inline constexpr int64_t kMaxLayers       = std::numeric_limits<int16_t>::max();
inline constexpr int64_t kMaxMicroBatches = std::numeric_limits<int8_t>::max();
} // namespace result_fields_detail

inline constexpr std::array<Field<RunMeta>, 14> kMetaFields = {{
    {.name = "format_version", .member = &RunMeta::format_version, .doc = "result format (kResultFormatVersion)"},
    {.name = "moetwin_version", .member = &RunMeta::moetwin_version, .doc = "moetwin that wrote the file"},
    {.name = "scenario", .member = &RunMeta::scenario, .doc = "scenario name"},
    {.name = "model", .member = &RunMeta::model, .doc = "model name, e.g. deepseek_v3"},
    {.name    = "phase",
     .member  = &RunMeta::phase,
     .doc     = "step phase",
     .check   = FieldCheck::Choice,
     .choices = result_fields_detail::kPhases},
    {.name = "seed", .member = &RunMeta::seed, .doc = "scenario seed"},
    {.name   = "num_nodes",
     .member = &RunMeta::num_nodes,
     .doc    = "nodes",
     .check  = FieldCheck::Range,
     .lo     = 1,
     .hi     = result_fields_detail::kMaxNodes},
    {.name   = "gpus_per_node",
     .member = &RunMeta::gpus_per_node,
     .doc    = "GPUs per node",
     .check  = FieldCheck::Range,
     .lo     = 1,
     .hi     = result_fields_detail::kMaxGpusPerNode},
    {.name = "num_gpus", .member = &RunMeta::num_gpus, .doc = "GPUs, = num_nodes * gpus_per_node"},
    {.name   = "num_layers",
     .member = &RunMeta::num_layers,
     .doc    = "layers",
     .check  = FieldCheck::Range,
     .lo     = 0,
     .hi     = result_fields_detail::kMaxLayers},
    {.name   = "num_micro_batches",
     .member = &RunMeta::num_micro_batches,
     .doc    = "micro-batches",
     .check  = FieldCheck::Range,
     .lo     = 1,
     .hi     = result_fields_detail::kMaxMicroBatches},
    {.name    = "compute_source",
     .member  = &RunMeta::compute_source,
     .doc     = "where compute times came from",
     .check   = FieldCheck::Choice,
     .choices = result_fields_detail::kComputeSources},
    {.name = "network_model", .member = &RunMeta::network_model, .doc = "SimGrid network model, e.g. CM02"},
    {.name = "notes", .member = &RunMeta::notes, .doc = "e.g. timing not simulated, roofline fallbacks used"},
}};

inline constexpr std::array<Field<Summary>, 15> kSummaryFields = {{
    {.name = "step_time_ns", .member = &Summary::step_time_ns, .doc = "ns, the step", .check = FieldCheck::NonNeg},
    {.name = "tokens_per_step", .member = &Summary::tokens_per_step, .doc = "tokens", .check = FieldCheck::NonNeg},
    {.name   = "tokens_per_s_per_gpu",
     .member = &Summary::tokens_per_s_per_gpu,
     .doc    = "tokens/s per GPU",
     .check  = FieldCheck::NonNeg},
    {.name   = "tokens_per_s_per_node",
     .member = &Summary::tokens_per_s_per_node,
     .doc    = "tokens/s per node",
     .check  = FieldCheck::NonNeg},
    {.name = "slowest_gpu", .member = &Summary::slowest_gpu, .doc = "least idle GPU, -1 when unknown"},
    {.name   = "slowest_gpu_busy_ns",
     .member = &Summary::slowest_gpu_busy_ns,
     .doc    = "ns its lanes were busy",
     .check  = FieldCheck::StepTime},
    {.name = "busiest_link", .member = &Summary::busiest_link, .doc = "link of max utilisation, \"\" when none"},
    {.name   = "max_link_utilisation",
     .member = &Summary::max_link_utilisation,
     .doc    = "its utilisation",
     .check  = FieldCheck::NonNeg},
    {.name = "timing_simulated", .member = &Summary::timing_simulated, .doc = "false: loads only, no spans"},
    {.name   = "gpu_balance_layer_mean",
     .member = &Summary::gpu_balance_layer_mean,
     .doc    = "busiest / mean GPU selections, mean over MoE layers",
     .check  = FieldCheck::Ratio},
    {.name   = "gpu_balance_layer_worst",
     .member = &Summary::gpu_balance_layer_worst,
     .doc    = "the same, worst MoE layer",
     .check  = FieldCheck::Ratio},
    {.name   = "gpu_balance_step",
     .member = &Summary::gpu_balance_step,
     .doc    = "the same on the step's sums",
     .check  = FieldCheck::Ratio},
    {.name   = "node_balance_layer_mean",
     .member = &Summary::node_balance_layer_mean,
     .doc    = "busiest / mean node, mean over MoE layers",
     .check  = FieldCheck::Ratio},
    {.name   = "node_balance_step",
     .member = &Summary::node_balance_step,
     .doc    = "the same on the step's sums",
     .check  = FieldCheck::Ratio},
    {.name   = "node_max_over_min_step",
     .member = &Summary::node_max_over_min_step,
     .doc    = "busiest / least busy node, step",
     .check  = FieldCheck::Ratio},
}};

inline constexpr std::array<Field<GpuCounters>, 13> kGpuFields = {{
    {.name = "gpu", .member = &GpuCounters::gpu, .doc = "index, = position in gpus", .csv = true},
    {.name = "node", .member = &GpuCounters::node, .doc = "gpu / gpus_per_node", .csv = true},
    {.name = "local_rank", .member = &GpuCounters::local_rank, .doc = "gpu % gpus_per_node", .csv = true},
    {.name   = "tokens_received",
     .member = &GpuCounters::tokens_received,
     .doc    = "tokens dispatched to its experts, all layers",
     .check  = FieldCheck::NonNeg,
     .csv    = true},
    {.name   = "tokens_sent",
     .member = &GpuCounters::tokens_sent,
     .doc    = "tokens it dispatched to other GPUs",
     .check  = FieldCheck::NonNeg,
     .csv    = true},
    {.name   = "expert_selections",
     .member = &GpuCounters::expert_selections,
     .doc    = "(token, expert) pairs its experts processed",
     .check  = FieldCheck::NonNeg,
     .csv    = true},
    {.name   = "busy_compute_ns",
     .member = &GpuCounters::busy_compute_ns,
     .doc    = "ns the compute lane was busy",
     .check  = FieldCheck::StepTime,
     .csv    = true},
    {.name   = "dispatch_ns",
     .member = &GpuCounters::dispatch_ns,
     .doc    = "ns the dispatch lane was busy",
     .check  = FieldCheck::StepTime,
     .csv    = true},
    {.name   = "combine_ns",
     .member = &GpuCounters::combine_ns,
     .doc    = "ns the combine lane was busy",
     .check  = FieldCheck::StepTime,
     .csv    = true},
    {.name   = "idle_ns",
     .member = &GpuCounters::idle_ns,
     .doc    = "ns with no lane busy",
     .check  = FieldCheck::StepTime,
     .csv    = true},
    {.name   = "bytes_sent",
     .member = &GpuCounters::bytes_sent,
     .doc    = "bytes",
     .check  = FieldCheck::NonNeg,
     .csv    = true},
    {.name   = "bytes_received",
     .member = &GpuCounters::bytes_received,
     .doc    = "bytes",
     .check  = FieldCheck::NonNeg,
     .csv    = true},
    {.name   = "hbm_used_bytes",
     .member = &GpuCounters::hbm_used_bytes,
     .doc    = "bytes of HBM in use",
     .check  = FieldCheck::NonNeg,
     .csv    = true},
}};

inline constexpr std::array<Field<LinkStats>, 8> kLinkFields = {{
    {.name = "name", .member = &LinkStats::name, .doc = "unique, not empty", .csv = true},
    {.name    = "kind",
     .member  = &LinkStats::kind,
     .doc     = "link technology",
     .check   = FieldCheck::Choice,
     .choices = result_fields_detail::kLinkKinds,
     .csv     = true},
    {.name = "src", .member = &LinkStats::src, .doc = "endpoint device", .csv = true},
    {.name = "dst", .member = &LinkStats::dst, .doc = "endpoint device", .csv = true},
    {.name   = "capacity_Bps",
     .member = &LinkStats::capacity_Bps,
     .doc    = "bytes/s per direction",
     .check  = FieldCheck::Positive,
     .csv    = true},
    {.name = "bytes", .member = &LinkStats::bytes, .doc = "bytes carried", .check = FieldCheck::NonNeg, .csv = true},
    {.name   = "busy_ns",
     .member = &LinkStats::busy_ns,
     .doc    = "ns it carried bytes",
     .check  = FieldCheck::StepTime,
     .csv    = true},
    {.name   = "utilisation",
     .member = &LinkStats::utilisation,
     .doc    = "bytes / (capacity_Bps * step_time)",
     .check  = FieldCheck::NonNeg,
     .csv    = true},
}};

// Every 64-bit signed field is read in [0, 2^63 - 1] (see FieldCheck), so each must say it is non-negative.
template <class S, std::size_t N> constexpr bool int64_fields_non_negative(const std::array<Field<S>, N>& fields) {
    for (const Field<S>& f : fields)
        if (std::holds_alternative<int64_t S::*>(f.member) && f.check != FieldCheck::NonNeg &&
            f.check != FieldCheck::StepTime)
            return false;
    return true;
}
static_assert(int64_fields_non_negative(kMetaFields) && int64_fields_non_negative(kSummaryFields) &&
              int64_fields_non_negative(kGpuFields) && int64_fields_non_negative(kLinkFields));

} // namespace moetwin
