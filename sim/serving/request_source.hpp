// SPDX-License-Identifier: Apache-2.0
// A stream of requests in arrival order. A day of Day-6 traffic is ~10^8 requests, so no source holds
// them all: readers stream their file, generators draw as they go (sim/serving/traffic/).
#pragma once

#include "sim/serving/request.hpp"

#include <cstdint>

namespace moetwin::serving {

class RequestSource {
  public:
    virtual ~RequestSource() = default;
    // Contract: fills `r` with the next request (ids 0, 1, 2, ...; arrival_s non-decreasing) and returns
    // true, or returns false at the end. r.prefix_blocks stays valid until the next call. Deterministic in
    // the source's input and seed. Throws ConfigError naming the file and line (or the JSON path) for
    // input it cannot use, before returning a request that depends on it.
    virtual bool next(Request& r) = 0;
    // Tokens per prefix block of this source's prefix_blocks.
    virtual int64_t block_tokens() const { return kDefaultBlockTokens; }
};

} // namespace moetwin::serving
