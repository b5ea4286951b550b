// SPDX-License-Identifier: Apache-2.0
// NetworkCalibration: how much of each link's bandwidth DeepEP-style transfers achieve, and the
// fixed cost of a phase. Both network backends (fluid and SimGrid) use the same effective
// bandwidths. The defaults are fitted to DeepEP V1's published tables (reference §5.1); see
// deepep_calibration.cpp for the fit and `moetwin bench comm` for the resulting table.
#pragma once

#include "topologies/topology.hpp"

#include <iosfwd>

namespace moetwin {

// Fitted by `moetwin bench comm --fit` (minimax over the 20 target rows of deepep_published_rows(),
// FT2 fabric, seed 1): worst |error| 5.3 %. Physical reading:
//  - NVLink: 0.83 x 160 GB/s = 133 GB/s per direction for DeepEP's SM-driven copies (24 SMs),
//    below the ~160 GB/s DeepSeek quotes as achievable (ISCA'25 §4.3).
//  - InfiniBand: 0.89 x 50 GB/s = 44.5 GB/s per NIC and direction, between ISCA'25's "40 GB/s
//    effective considering small message size and latency" (§4.3) and the 400 Gb/s line rate.
//  - Fixed per-phase costs (kernel launch, notify/barrier, flag polling): 9 us normal, 7 us LL.
struct NetworkCalibration {
    double nvlink_efficiency      = 0.83;
    double pcie_efficiency        = 1.0; // PCIe Gen5 x16 (64 GB/s) never limits a 50 GB/s NIC
    double ib_efficiency          = 0.89;
    double normal_overhead_s      = 9e-6; // per normal-mode phase
    double low_latency_overhead_s = 7e-6; // per low-latency phase
    // Normal mode relays forward in chunks: DeepEP's default RDMA chunk is 16 tokens
    // (deep_ep.Config(num_sms, 8, nvl_buffer, 16, rdma_buffer) in tests/test_internode.py) of 7,472 B.
    double chunk_bytes = 16 * 7472.0;

    void validate() const; // throws ConfigError
};

double effective_bandwidth_Bps(const Link& link, const NetworkCalibration& c);
std::ostream& operator<<(std::ostream& out, const NetworkCalibration& c);

} // namespace moetwin
