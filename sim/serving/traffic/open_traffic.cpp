// SPDX-License-Identifier: Apache-2.0
// open_traffic: the request stream a TrafficConfig describes (traffic_config.hpp).
#include "sim/serving/traffic/scaling.hpp"
#include "sim/serving/traffic/synthetic.hpp"
#include "sim/serving/traffic/trace_readers.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

namespace moetwin::serving::traffic {

std::unique_ptr<RequestSource> open_traffic(const TrafficConfig& c, uint64_t seed) {
    if (c.source == TrafficSource::Synthetic) return open_synthetic(c.synthetic, c.synthetic.block_tokens, seed);
    const SourceFactory base = [format = c.format, file = c.file, arrivals = c.arrivals, seed] {
        return open_trace(format, file, arrivals, seed);
    };
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
