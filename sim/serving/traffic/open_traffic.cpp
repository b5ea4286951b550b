// SPDX-License-Identifier: Apache-2.0
// open_traffic: the request stream a TrafficConfig describes (traffic_config.hpp).
#include "sim/serving/traffic/memory_trace.hpp"
#include "sim/serving/traffic/scaling.hpp"
#include "sim/serving/traffic/synthetic.hpp"
#include "sim/serving/traffic/trace_readers.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

namespace moetwin::serving::traffic {

std::unique_ptr<RequestSource> open_traffic(const TrafficConfig& c, uint64_t seed) {
    if (c.source == TrafficSource::Synthetic) return open_synthetic(c.synthetic, c.synthetic.block_tokens, seed);
    SourceFactory base = [format = c.format, file = c.file, arrivals = c.arrivals, seed] {
        return open_trace(format, file, arrivals, seed);
    };
    // Looping and rate scaling read the trace once per copy: hold it in memory when it fits
    // (memory_trace.hpp), so the file is read and parsed once.
    if (c.loop_enabled || c.rate_scale != 1)
        if (std::shared_ptr<const MemoryTrace> held = load_trace(*base()))
            base = [held] { return replay_memory_trace(held); };
    if (c.loop_enabled) {
        const TraceExtent e = measure_trace(*base(), c.file.string());
        return looped_day(base, c.loop, e, seed);
    }
    if (c.rate_scale == 1) {
        if (c.time_scale == 1) return base();
        return time_scaled(base(), c.time_scale);
    }
    // Rate scaling needs the period; the copies read the time-scaled trace.
    const SourceFactory scaled = [base, f = c.time_scale] { return time_scaled(base(), f); };
    const TraceExtent e        = measure_trace(*scaled(), c.file.string());
    return rate_scaled(scaled, c.rate_scale, e.period_s(), seed);
}

} // namespace moetwin::serving::traffic
