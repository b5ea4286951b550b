// SPDX-License-Identifier: Apache-2.0
// Streaming readers of the request traces in ../shared/data/traces (formats in its README): one line in
// memory at a time, plain or gzip. Arrivals are seconds since the trace's first request. Strict: a missing
// column or key, a non-numeric field, a negative or decreasing timestamp, a length outside [1,
// kMaxRequestTokens] (trace_fields.hpp) or more hash ids than ceil(input / 512) is a ConfigError naming
// "<file>:<line>" and what was expected, thrown by the next() that reaches the line.
#pragma once

#include "sim/serving/request_source.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

namespace moetwin::serving::traffic {

// Opens a trace. `arrivals` and `seed` are used by lengths_csv only (which has no timestamps: a Gamma renewal
// process of arrivals.rate_req_per_s and arrivals.cv draws them, the rows kept in file order).
std::unique_ptr<RequestSource> open_trace(TraceFormat format, const std::filesystem::path& file,
                                          const ArrivalSpec& arrivals, uint64_t seed);

// Every input (output = false) or output length of a trace, in file order: the values an empirical length
// distribution draws from. Reads the whole file (streaming); the values themselves are kept.
std::vector<int64_t> read_trace_lengths(TraceFormat format, const std::filesystem::path& file, bool output);

} // namespace moetwin::serving::traffic
