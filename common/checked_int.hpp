// SPDX-License-Identifier: Apache-2.0
// 64-bit integer arithmetic that reports overflow instead of wrapping (issue 15 item 6: products such as
// dp_size × tp_size overflowed int). For counts read from user files: callers turn nullopt into a ConfigError
// naming the key.
#pragma once

#include <cstdint>
#include <optional>

namespace moetwin {

// a × b, or nullopt when the product does not fit in int64.
inline std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
    int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
    return r;
}

// a + b, or nullopt when the sum does not fit in int64.
inline std::optional<int64_t> checked_add(int64_t a, int64_t b) {
    int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
    return r;
}

} // namespace moetwin
