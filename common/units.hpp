// SPDX-License-Identifier: Apache-2.0
// Unit factors for the one place where units are converted: reading and writing input files whose
// keys carry their unit (`bandwidth_GBps`, `latency_us`, `hbm_GiB`). Inside moetwin everything is SI.
#pragma once

namespace moetwin::units {

inline constexpr double kGB  = 1e9;          // GB, GB/s: decimal (network and HBM bandwidths)
inline constexpr double kGiB = 1073741824.0; // GiB: binary (memory capacities)
inline constexpr double kUs  = 1e-6;         // microseconds

} // namespace moetwin::units
