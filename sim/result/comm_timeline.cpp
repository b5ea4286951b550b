// SPDX-License-Identifier: Apache-2.0
// CommTimeline invariants and the bytes its counters imply.
#include "sim/result/comm_timeline.hpp"

#include "common/errors.hpp"
#include "sim/result/result.hpp"

#include <cmath>
#include <sstream>

namespace moetwin {
namespace {

template <class... Args> [[noreturn]] void fail(const Args&... args) {
    std::ostringstream os;
    (os << ... << args);
    throw ConfigError(os.str());
}

} // namespace

double counter_bytes(const LinkCounter& c) {
    double bytes = 0;
    for (std::size_t i = 0; i + 1 < c.samples.size(); ++i)
        bytes += c.samples[i].Bps * double(c.samples[i + 1].t_ns - c.samples[i].t_ns) * 1e-9;
    return bytes;
}

void validate_comm(const RunResult& r) {
    const RunMeta& m = r.meta;
    for (std::size_t i = 0; i < r.comm.flows.size(); ++i) {
        const CommFlow& f   = r.comm.flows[i];
        const std::string p = "comm.flows[" + std::to_string(i) + "]";
        if (f.src_gpu < 0 || f.src_gpu >= m.num_gpus || f.dst_gpu < 0 || f.dst_gpu >= m.num_gpus ||
            f.src_gpu == f.dst_gpu)
            fail(p, ": GPUs ", f.src_gpu, " -> ", f.dst_gpu, " must be two different GPUs in [0, ", m.num_gpus, ")");
        if (f.layer < 0 || f.layer >= m.num_layers)
            fail(p, ".layer: must be in [0, ", m.num_layers, "), got ", f.layer);
        if (f.micro_batch < 0 || f.micro_batch >= m.num_micro_batches)
            fail(p, ".micro_batch: must be in [0, ", m.num_micro_batches, "), got ", int(f.micro_batch));
        if (f.tokens <= 0) fail(p, ".tokens: must be > 0, got ", f.tokens);
    }
    for (std::size_t i = 0; i < r.comm.counters.size(); ++i) {
        const LinkCounter& c = r.comm.counters[i];
        const std::string p  = "comm.counters[" + std::to_string(i) + "]";
        if (c.node < 0 || c.node >= m.num_nodes) fail(p, ".node: must be in [0, ", m.num_nodes, "), got ", c.node);
        if (!(c.capacity_Bps > 0) || !std::isfinite(c.capacity_Bps))
            fail(p, ".capacity_Bps: must be a finite number > 0, got ", c.capacity_Bps);
        for (std::size_t k = 0; k < c.samples.size(); ++k) {
            const RateSample& s = c.samples[k];
            if (s.t_ns < 0 || s.t_ns > r.summary.step_time_ns || (k > 0 && s.t_ns <= c.samples[k - 1].t_ns))
                fail(p, ".samples[", k, "].t_ns: ", s.t_ns, " must increase inside [0, summary.step_time_ns]");
            if (!(s.Bps >= 0 && s.Bps <= c.capacity_Bps))
                fail(p, ".samples[", k, "].Bps: must be in [0, capacity_Bps ", c.capacity_Bps, "], got ", s.Bps);
        }
        if (!c.samples.empty() && c.samples.back().Bps != 0) fail(p, ".samples: the last sample must be 0");
    }
}

} // namespace moetwin
