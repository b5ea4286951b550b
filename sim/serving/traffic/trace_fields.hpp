// SPDX-License-Identifier: Apache-2.0
// Strict parsing of one trace field (a token count, a timestamp) and the CSV header check shared by the
// trace readers. Every failure is a ConfigError "<file>:<line>: <column>: expected ..., got \"...\"".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin::serving::traffic {

// The largest input or output length a trace may hold: 2^20 = 1,048,576 tokens, 8 x DeepSeek-V3's
// 131,072-token context window (DeepSeek-V3 technical report, sec. 4.3, long-context extension to 128K).
// The longest request in the shipped traces is Mooncake's 126,195-token input (../shared/data/traces), so
// a larger value is a corrupt field or a wrong column, not a long prompt.
inline constexpr int64_t kMaxRequestTokens = int64_t{1} << 20;

// A token count in [1, kMaxRequestTokens]: decimal digits only (no sign, no spaces, no fraction).
int64_t parse_tokens(std::string_view field, const std::string& where, std::string_view column);

// A non-negative decimal integer below 2^63 (timestamps in ms, hash ids).
int64_t parse_non_negative(std::string_view field, const std::string& where, std::string_view column);

// Azure's TIMESTAMP, "YYYY-MM-DD HH:MM:SS[.f...]" (1 to 9 fractional digits; the shipped files have 7), as
// nanoseconds since 1970-01-01 00:00:00 (the proleptic Gregorian calendar, no time zone).
int64_t parse_datetime_ns(std::string_view field, const std::string& where, std::string_view column);

// Splits a CSV line at commas (the traces quote nothing; a quote is an error).
void split_csv(std::string_view line, std::vector<std::string_view>& fields, const std::string& where);

// The index of each of `wanted` in the header line; throws "<file>:1: missing column \"X\" (the header
// has: ...)" naming every missing one.
std::vector<std::size_t> header_columns(std::string_view header, const std::vector<std::string_view>& wanted,
                                        const std::string& where, std::size_t& n_columns);

} // namespace moetwin::serving::traffic
