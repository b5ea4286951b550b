// SPDX-License-Identifier: Apache-2.0
// Pure helpers over RunResult: lane names, span order, busy time from spans, link utilisation, summary.
// validate() lives in result_validate.cpp.
#include "sim/result/result.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <limits>
#include <ostream>
#include <tuple>

namespace moetwin {

std::string_view to_string(Lane lane) {
    switch (lane) {
    case Lane::Compute:
        return "compute";
    case Lane::Dispatch:
        return "dispatch";
    case Lane::Combine:
        return "combine";
    }
    return "?";
}

std::optional<Lane> lane_from_string(std::string_view name) {
    for (int i = 0; i < kNumLanes; ++i)
        if (to_string(Lane(i)) == name) return Lane(i);
    return std::nullopt;
}

bool span_less(const Span& a, const Span& b) {
    return std::tie(a.gpu, a.lane, a.begin_ns, a.end_ns, a.layer, a.micro_batch, a.op) <
           std::tie(b.gpu, b.lane, b.begin_ns, b.end_ns, b.layer, b.micro_batch, b.op);
}

void sort_spans(std::vector<Span>& spans) {
    std::sort(spans.begin(), spans.end(), span_less);
}

std::span<const Span> lane_spans(const RunResult& r, int32_t gpu, Lane lane) {
    const auto key = [](const Span& s) { return std::pair(s.gpu, s.lane); };
    const auto lo  = std::lower_bound(r.spans.begin(), r.spans.end(), std::pair(gpu, lane),
                                      [&](const Span& s, const auto& k) { return key(s) < k; });
    const auto hi  = std::upper_bound(lo, r.spans.end(), std::pair(gpu, lane),
                                      [&](const auto& k, const Span& s) { return k < key(s); });
    return {lo, hi};
}

uint16_t intern_op(RunResult& r, std::string_view name) {
    for (size_t i = 0; i < r.op_names.size(); ++i)
        if (r.op_names[i] == name) return uint16_t(i);
    MOETWIN_ASSERT(r.op_names.size() <= std::numeric_limits<uint16_t>::max(), "more than 65536 op names");
    r.op_names.emplace_back(name);
    return uint16_t(r.op_names.size() - 1);
}

namespace {

// Length of the union of [begin, end) intervals given sorted by begin.
struct UnionLength {
    int64_t total     = 0;
    int64_t cur_begin = 0, cur_end = -1; // cur_end < cur_begin: no open interval

    void add(int64_t begin, int64_t end) {
        if (cur_end >= cur_begin && begin <= cur_end) {
            cur_end = std::max(cur_end, end);
            return;
        }
        close();
        cur_begin = begin;
        cur_end   = end;
    }
    int64_t close() {
        if (cur_end >= cur_begin) total += cur_end - cur_begin;
        cur_begin = 0;
        cur_end   = -1;
        return total;
    }
};

} // namespace

std::vector<GpuBusy> busy_from_spans(const RunResult& r) {
    std::vector<GpuBusy> busy(size_t(std::max(r.meta.num_gpus, 0)));
    for (int32_t g = 0; g < r.meta.num_gpus; ++g) {
        std::vector<std::span<const Span>> lanes;
        for (int l = 0; l < kNumLanes; ++l) {
            lanes.push_back(lane_spans(r, g, Lane(l)));
            UnionLength u;
            for (const Span& s : lanes.back())
                u.add(s.begin_ns, s.end_ns);
            busy[size_t(g)].lane_ns[l] = u.close();
        }
        // Merge the three sorted lanes by begin to get the union over all lanes.
        std::vector<std::pair<int64_t, int64_t>> all;
        for (const auto& lane : lanes)
            for (const Span& s : lane)
                all.emplace_back(s.begin_ns, s.end_ns);
        std::sort(all.begin(), all.end());
        UnionLength u;
        for (const auto& [b, e] : all)
            u.add(b, e);
        busy[size_t(g)].any_ns = u.close();
    }
    return busy;
}

void fill_counters_from_spans(RunResult& r) {
    const std::vector<GpuBusy> busy = busy_from_spans(r);
    for (GpuCounters& c : r.gpus) {
        if (c.gpu < 0 || size_t(c.gpu) >= busy.size()) continue;
        const GpuBusy& b  = busy[size_t(c.gpu)];
        c.busy_compute_ns = b.lane_ns[int(Lane::Compute)];
        c.dispatch_ns     = b.lane_ns[int(Lane::Dispatch)];
        c.combine_ns      = b.lane_ns[int(Lane::Combine)];
        c.idle_ns         = std::max<int64_t>(r.summary.step_time_ns - b.any_ns, 0);
    }
}

double link_utilisation(const LinkStats& link, int64_t step_time_ns) {
    if (link.capacity_Bps <= 0 || step_time_ns <= 0) return 0;
    return double(link.bytes) * 1e9 / (link.capacity_Bps * double(step_time_ns)); // 1e9 first: exact for round inputs
}

void fill_summary(RunResult& r) {
    Summary& s = r.summary;
    for (LinkStats& l : r.links)
        l.utilisation = link_utilisation(l, s.step_time_ns);

    const double tokens_per_s = s.step_time_ns > 0 ? double(s.tokens_per_step) * 1e9 / double(s.step_time_ns) : 0;
    s.tokens_per_s_per_gpu    = r.meta.num_gpus > 0 ? tokens_per_s / r.meta.num_gpus : 0;
    s.tokens_per_s_per_node   = r.meta.num_nodes > 0 ? tokens_per_s / r.meta.num_nodes : 0;

    s.slowest_gpu         = -1;
    s.slowest_gpu_busy_ns = 0;
    for (const GpuCounters& c : r.gpus) {
        const int64_t busy = std::max<int64_t>(s.step_time_ns - c.idle_ns, 0);
        if (s.slowest_gpu < 0 || busy > s.slowest_gpu_busy_ns) {
            s.slowest_gpu         = c.gpu;
            s.slowest_gpu_busy_ns = busy;
        }
    }
    s.busiest_link.clear();
    s.max_link_utilisation = 0;
    for (const LinkStats& l : r.links) {
        if (s.busiest_link.empty() || l.utilisation > s.max_link_utilisation) {
            s.busiest_link         = l.name;
            s.max_link_utilisation = l.utilisation;
        }
    }
}

std::ostream& operator<<(std::ostream& os, const RunMeta& m) {
    os << "RunMeta{format_version=" << m.format_version << ", moetwin_version=" << m.moetwin_version
       << ", scenario=" << m.scenario << ", model=" << m.model << ", phase=" << m.phase << ", seed=" << m.seed
       << ", num_nodes=" << m.num_nodes << ", gpus_per_node=" << m.gpus_per_node << ", num_gpus=" << m.num_gpus
       << ", num_layers=" << m.num_layers << ", num_micro_batches=" << m.num_micro_batches
       << ", compute_source=" << m.compute_source << ", network_model=" << m.network_model << ", notes=[";
    for (size_t i = 0; i < m.notes.size(); ++i)
        os << (i ? "; " : "") << m.notes[i];
    return os << "]}";
}

std::ostream& operator<<(std::ostream& os, const Summary& s) {
    return os << "Summary{step_time_ns=" << s.step_time_ns << ", tokens_per_step=" << s.tokens_per_step
              << ", tokens_per_s_per_gpu=" << s.tokens_per_s_per_gpu
              << ", tokens_per_s_per_node=" << s.tokens_per_s_per_node << ", slowest_gpu=" << s.slowest_gpu
              << ", slowest_gpu_busy_ns=" << s.slowest_gpu_busy_ns << ", busiest_link=" << s.busiest_link
              << ", max_link_utilisation=" << s.max_link_utilisation
              << ", timing_simulated=" << (s.timing_simulated ? "true" : "false")
              << ", gpu_balance_layer_mean=" << s.gpu_balance_layer_mean
              << ", gpu_balance_layer_worst=" << s.gpu_balance_layer_worst
              << ", gpu_balance_step=" << s.gpu_balance_step
              << ", node_balance_layer_mean=" << s.node_balance_layer_mean
              << ", node_balance_step=" << s.node_balance_step
              << ", node_max_over_min_step=" << s.node_max_over_min_step << "}";
}

std::ostream& operator<<(std::ostream& os, const Span& s) {
    return os << "Span{gpu=" << s.gpu << ", lane=" << to_string(s.lane) << ", begin_ns=" << s.begin_ns
              << ", end_ns=" << s.end_ns << ", layer=" << int(s.layer) << ", micro_batch=" << int(s.micro_batch)
              << ", op=" << s.op << "}";
}

} // namespace moetwin
