// SPDX-License-Identifier: Apache-2.0
// A trace read once and held in memory, replayed by any number of sources. Rate scaling and looping read
// their base trace once per copy (a Day-6 day looped from Mooncake's 1-hour trace at ~350x its rate opens
// ~350 copies an hour, ~10^8 lines a day): from memory a copy costs a pointer walk, from the file a gzip
// inflate and a strict JSON parse per line. The requests are exactly those the streaming reader returns.
#pragma once

#include "sim/serving/request_source.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace moetwin::serving::traffic {

struct MemoryTrace {
    struct Row {
        int64_t id;
        double arrival_s;
        int64_t input_tokens, output_tokens;
        int32_t tenant;
        int64_t session;
        std::size_t first_block, blocks; // [first_block, first_block + blocks) of `hashes`
    };
    std::vector<Row> rows;
    std::vector<uint64_t> hashes;
    int64_t block_tokens = kDefaultBlockTokens;
    int64_t bytes() const { return int64_t(rows.size() * sizeof(Row) + hashes.size() * sizeof(uint64_t)); }
};

// The bound on a held trace: 1 GiB, ~10^7 requests of Mooncake's mean 14 blocks (~170 B each), 800x the
// shipped Mooncake trace (12,031 requests); a larger trace is streamed from its file as before.
inline constexpr int64_t kMaxMemoryTraceBytes = int64_t{1} << 30;

// Drains `src` into memory; nullptr (with `src` partly read) when it exceeds max_bytes. Throws what the
// source throws (ConfigError naming file and line), so a bad line fails here, before any replay.
std::shared_ptr<const MemoryTrace> load_trace(RequestSource& src, int64_t max_bytes = kMaxMemoryTraceBytes);

// A source over a held trace: the same requests, ids and prefix blocks as the source it was read from.
std::unique_ptr<RequestSource> replay_memory_trace(std::shared_ptr<const MemoryTrace> trace);

} // namespace moetwin::serving::traffic
