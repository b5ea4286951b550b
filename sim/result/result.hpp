// SPDX-License-Identifier: Apache-2.0
// RunResult: everything one simulated prefill/decode step produced, as plain data shared by the CLI,
// the tests and the GUI (which never links SimGrid). I/O lives beside it: result_json, chrome_trace, result_csv.
#pragma once

#include "sim/result/comm_timeline.hpp"

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin {

// 2: the summary's realised routed balance (gpu_balance_*, node_balance_*, node_max_over_min_step).
// 3: the fully resolved scenario that was run (RunResult::scenario_json, top-level key "scenario").
inline constexpr int32_t kResultFormatVersion = 3;

struct RunMeta {
    int32_t format_version = kResultFormatVersion;
    std::string moetwin_version;
    std::string scenario; // scenario name
    std::string model;    // e.g. "deepseek_v3"
    std::string phase;    // "prefill" | "decode"
    uint64_t seed             = 0;
    int32_t num_nodes         = 0;
    int32_t gpus_per_node     = 0;
    int32_t num_gpus          = 0; // == num_nodes * gpus_per_node; GPU g is node g / gpus_per_node
    int32_t num_layers        = 0;
    int32_t num_micro_batches = 0;
    std::string compute_source;     // "roofline" | "profile" | "mixed"
    std::string network_model;      // SimGrid network model, e.g. "raw", "CM02"
    std::vector<std::string> notes; // e.g. "timing not simulated", roofline fallbacks used

    bool operator==(const RunMeta&) const = default;
};

enum class Lane : uint8_t { Compute = 0, Dispatch = 1, Combine = 2 };
inline constexpr int kNumLanes = 3;

std::string_view to_string(Lane lane); // "compute" | "dispatch" | "combine"
std::optional<Lane> lane_from_string(std::string_view name);

// One interval of activity of one GPU on one lane. 32 bytes, so 10^6 spans stay small.
// NOTES: layer and micro_batch are -1 for work outside any layer / micro-batch (embedding, lm head).
struct Span {
    int64_t begin_ns   = 0;
    int64_t end_ns     = 0; // >= begin_ns, <= Summary::step_time_ns
    int32_t gpu        = 0;
    Lane lane          = Lane::Compute;
    int16_t layer      = 0;
    int8_t micro_batch = 0;
    uint16_t op        = 0; // index into RunResult::op_names

    int64_t duration_ns() const { return end_ns - begin_ns; }
    bool operator==(const Span&) const = default;
};

struct GpuCounters {
    int32_t gpu               = 0;
    int32_t node              = 0;
    int32_t local_rank        = 0;
    int64_t tokens_received   = 0; // tokens dispatched to this GPU's experts (all layers)
    int64_t tokens_sent       = 0; // tokens this GPU dispatched to other GPUs
    int64_t expert_selections = 0; // (token, expert) pairs processed by this GPU's experts
    int64_t busy_compute_ns   = 0;
    int64_t dispatch_ns       = 0;
    int64_t combine_ns        = 0;
    int64_t idle_ns           = 0; // step time with no activity on any lane
    int64_t bytes_sent        = 0;
    int64_t bytes_received    = 0;
    int64_t hbm_used_bytes    = 0;

    bool operator==(const GpuCounters&) const = default;
};

// Per (layer, GPU) load, for heatmaps.
struct LayerGpuLoad {
    std::vector<std::vector<int64_t>> tokens_received; // [num_layers][num_gpus]
    std::vector<std::vector<int64_t>> compute_ns;      // [num_layers][num_gpus]

    bool operator==(const LayerGpuLoad&) const = default;
};

struct LinkStats {
    std::string name; // unique
    std::string kind; // "nvlink" | "pcie" | "ib"
    std::string src;  // endpoint device names
    std::string dst;
    double capacity_Bps = 0; // per direction
    int64_t bytes       = 0;
    int64_t busy_ns     = 0;
    double utilisation  = 0; // bytes / (capacity_Bps * step time), see link_utilisation()

    bool operator==(const LinkStats&) const = default;
};

// Routed load per logical expert and the expert placement, per layer.
// NOTES: a dense layer (no experts) has empty rows in both matrices.
struct ExpertStats {
    int32_t num_experts   = 0;                 // logical experts per MoE layer
    int32_t slots_per_gpu = 0;                 // physical expert slots on the busiest GPU (logical + redundant)
    std::vector<int32_t> gpu_slots;            // [num_gpus] slots on each GPU when they differ, else empty
    std::vector<std::vector<int64_t>> tokens;  // [num_layers][num_experts]: tokens routed to each expert
    std::vector<std::vector<int32_t>> phy2log; // [num_layers][total_slots()]: slot -> logical expert; each
                                               // GPU's slots are consecutive, GPU 0's first

    // Slots per layer, and GPU g's first slot and slot count (uneven: from gpu_slots).
    size_t total_slots(int32_t num_gpus) const {
        if (gpu_slots.empty()) return size_t(slots_per_gpu) * size_t(num_gpus);
        size_t n = 0;
        for (int32_t x : gpu_slots)
            n += size_t(x);
        return n;
    }
    size_t first_slot(int32_t gpu) const {
        if (gpu_slots.empty()) return size_t(gpu) * size_t(slots_per_gpu);
        size_t n = 0;
        for (int32_t g = 0; g < gpu; ++g)
            n += size_t(gpu_slots[size_t(g)]);
        return n;
    }
    size_t slots_on_gpu(int32_t gpu) const {
        return gpu_slots.empty() ? size_t(slots_per_gpu) : size_t(gpu_slots[size_t(gpu)]);
    }

    bool operator==(const ExpertStats&) const = default;
};

struct Summary {
    int64_t step_time_ns         = 0;
    int64_t tokens_per_step      = 0;
    double tokens_per_s_per_gpu  = 0;
    double tokens_per_s_per_node = 0;
    int32_t slowest_gpu          = -1; // most busy GPU, -1 when unknown
    int64_t slowest_gpu_busy_ns  = 0;
    std::string busiest_link; // name of the link with max utilisation, "" when there are none
    double max_link_utilisation = 0;
    bool timing_simulated       = true; // false: loads only (no spans), see RunMeta::notes
    // Realised routed-expert balance: (token, expert) selections each GPU's slots served, busiest /
    // mean (`moetwin balance`'s busy/mean, there from loads, here from the routed tokens). Per MoE
    // layer, then the mean and the worst over MoE layers; "step": summed over the MoE layers first.
    // Per node the same on node sums, and the step's busiest / least busy node. 0: no MoE layer.
    double gpu_balance_layer_mean  = 0;
    double gpu_balance_layer_worst = 0;
    double gpu_balance_step        = 0;
    double node_balance_layer_mean = 0;
    double node_balance_step       = 0;
    double node_max_over_min_step  = 0;

    bool operator==(const Summary&) const = default;
};

struct RunResult {
    RunMeta meta;
    // The scenario that was run, every default filled in (sim/scenario_json_write.cpp's canonical form, input
    // paths absolute), as opaque JSON text: this library never depends on the scenario model. Canonical text:
    // a JSON object dumped compactly with sorted keys (canonical_json_object()), so it survives
    // write -> read unchanged. "{}" when unknown (hand-built results in tests).
    std::string scenario_json = "{}";
    Summary summary;
    std::vector<std::string> op_names; // Span::op indexes this
    std::vector<GpuCounters> gpus;     // [num_gpus], gpus[g].gpu == g
    LayerGpuLoad layer_gpu;
    std::vector<LinkStats> links;
    ExpertStats experts;
    std::vector<Span> spans; // sorted by (gpu, lane, begin_ns, end_ns, ...): see span_less()
    CommTimeline comm;       // trace-only (flows, link counters): not in result.json, see comm_timeline.hpp

    bool operator==(const RunResult&) const = default;
};

// Throws ConfigError "<json.path>: <what is wrong>" when `r` breaks an invariant: meta counts, spans inside
// [0, step_time_ns] and sorted, gpu/op/layer indices in range, matrix shapes, counters, links, summary.
void validate(const RunResult& r);

// `json_text` (a JSON object) in RunResult::scenario_json's canonical form: compact, keys sorted.
// Throws ConfigError "scenario: ..." when it is not valid JSON or not an object.
std::string canonical_json_object(std::string_view json_text);

// The span order: (gpu, lane, begin_ns, end_ns, layer, micro_batch, op). Spans of one (gpu, lane) are contiguous.
bool span_less(const Span& a, const Span& b);
void sort_spans(std::vector<Span>& spans);

// The spans of one (gpu, lane), sorted by begin_ns. Requires sorted spans.
std::span<const Span> lane_spans(const RunResult& r, int32_t gpu, Lane lane);

// Index of `name` in r.op_names, appended when missing.
uint16_t intern_op(RunResult& r, std::string_view name);

// Time covered by at least one span (union of intervals, so overlaps count once), per GPU.
struct GpuBusy {
    int64_t lane_ns[kNumLanes] = {0, 0, 0}; // indexed by Lane
    int64_t any_ns             = 0;         // covered by any lane
};
std::vector<GpuBusy> busy_from_spans(const RunResult& r); // [num_gpus]; requires sorted spans

// Sets busy_compute_ns, dispatch_ns, combine_ns and idle_ns of every GPU from the spans.
void fill_counters_from_spans(RunResult& r);

// bytes / (capacity_Bps * step time); 0 when either is 0.
double link_utilisation(const LinkStats& link, int64_t step_time_ns);

// Recomputes every link's utilisation and the derived Summary fields (tokens/s, slowest GPU =
// least idle, busiest link) from step_time_ns, tokens_per_step, counters and links. Ties go to the lowest index.
void fill_summary(RunResult& r);

std::ostream& operator<<(std::ostream& os, const RunMeta& m);
std::ostream& operator<<(std::ostream& os, const Summary& s);
std::ostream& operator<<(std::ostream& os, const Span& s);

} // namespace moetwin
