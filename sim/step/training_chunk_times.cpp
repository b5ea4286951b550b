// SPDX-License-Identifier: Apache-2.0
#include "sim/step/training_chunk_times.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace moetwin::step {

ChunkTimes chunk_times_from_trace(const StepTrace& trace) {
    struct Sums {
        double f = 0, b = 0, w = 0;
    };
    // A notify span holds the barrier wait for the phase's last rank: the shortest over the ranks (the last
    // to join) is the notify itself.
    std::map<std::tuple<int, int, int>, double> notify_s; // (layer, micro-batch, lane)
    for (const ExecSpan& s : trace.spans)
        if (s.notify) {
            const auto [it, fresh] = notify_s.try_emplace({s.layer, s.micro_batch, int(s.lane)}, s.end_s - s.begin_s);
            if (!fresh) it->second = std::min(it->second, s.end_s - s.begin_s);
        }
    std::map<int, Sums> by_gpu;
    for (const ExecSpan& s : trace.spans) {
        const double d = s.notify ? notify_s.at({s.layer, s.micro_batch, int(s.lane)}) : s.end_s - s.begin_s;
        Sums& g        = by_gpu[s.gpu];
        if (s.lane != Lane::Compute) {
            (s.micro_batch == 0 ? g.f : g.b) += d;
        } else if (s.stage == Stage::AttnW || s.stage == Stage::MlpW) {
            g.w += d;
        } else if (s.stage == Stage::AttnB || s.stage == Stage::MlpB) {
            g.b += d;
        } else if (s.micro_batch == 0) {
            g.f += d;
        }
    }
    ChunkTimes t;
    for (const auto& [gpu, g] : by_gpu) {
        t.f_s = std::max(t.f_s, g.f);
        t.b_s = std::max(t.b_s, g.b);
        t.w_s = std::max(t.w_s, g.w);
    }
    t.fb_s = trace.step_s;
    return t;
}

} // namespace moetwin::step
