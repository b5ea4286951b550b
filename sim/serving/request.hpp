// SPDX-License-Identifier: Apache-2.0
// One request of the serving replay (`moetwin serve`, issue 17), as a traffic source hands it over: its
// arrival, its lengths, who sent it and which prefix blocks its input starts with. Plain data: the traffic
// readers and generators (sim/serving/traffic/) fill it, the serving simulator (sim/serving/) owns its life.
#pragma once

#include <cstdint>
#include <span>

namespace moetwin::serving {

// Tokens per prefix block (Mooncake's trace hashes its inputs in blocks of 512 tokens; the on-disk KV
// cache of Day-6 stores and matches whole blocks). A source says its own (RequestSource::block_tokens).
inline constexpr int64_t kDefaultBlockTokens = 512;

struct Request {
    int64_t id            = 0;  // 0, 1, 2, ... in arrival order, per source
    double arrival_s      = 0;  // seconds since the start of the replay; non-decreasing across a source
    int64_t input_tokens  = 0;  // >= 1
    int64_t output_tokens = 0;  // >= 1
    int32_t tenant        = 0;  // index into the traffic's tenants (0 when the source has none)
    int64_t session       = -1; // multi-turn conversation the request continues (-1: none)
    // Hashes of the input's leading blocks of block_tokens tokens each, in order, chained as Mooncake's
    // hash_ids are (equal hashes at position i mean equal inputs up to the end of block i). At most
    // ceil(input_tokens / block_tokens) of them; empty when the source has no prefix information.
    // Valid until the source's next call to next().
    std::span<const uint64_t> prefix_blocks;
};

} // namespace moetwin::serving
