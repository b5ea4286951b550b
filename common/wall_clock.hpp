// SPDX-License-Identifier: Apache-2.0
// wall_now(): the one wall clock of the benches and the run pipeline's stage timings.
#pragma once

#include <chrono>

namespace moetwin {

// Seconds on a monotonic clock (std::chrono::steady_clock); only differences mean anything.
inline double wall_now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

} // namespace moetwin
