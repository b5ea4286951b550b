// SPDX-License-Identifier: Apache-2.0
// NetworkCalibration: how much of each link's bandwidth DeepEP-style transfers achieve, and the
// fixed cost of a phase. Both network backends (fluid and SimGrid) use the same effective
// bandwidths. The defaults are fitted to DeepEP V1's published tables (reference §5.1); see
// deepep_calibration.cpp for the fit and `moetwin bench comm` for the resulting table.
#pragma once

#include "topologies/topology.hpp"

#include <iosfwd>

namespace moetwin {

// Shared by every DeepEP generation (deepep_generation.hpp; the generation's own parameters are
// below). Fitted by `moetwin bench comm --fit` (minimax over the v1_2025_04_ibgda table: normal
// EP8..64, low-latency EP8..256; FT2 fabric, seed 1): worst |error| 5.3 %. Physical reading:
//  - NVLink: 0.83 x 160 GB/s = 133 GB/s per direction for DeepEP's SM-driven copies (24 SMs),
//    below the ~160 GB/s DeepSeek quotes as achievable (ISCA'25 §4.3).
//  - InfiniBand: 0.89 x 50 GB/s = 44.5 GB/s per NIC and direction, between ISCA'25's "40 GB/s
//    effective considering small message size and latency" (§4.3) and the 400 Gb/s line rate.
//  - Fixed per-phase costs (kernel launch, cached notify/barrier, flag polling): 9 us normal, 7 us LL.
struct NetworkCalibration {
    double nvlink_efficiency      = 0.83;
    double pcie_efficiency        = 1.0; // PCIe Gen5 x16 (64 GB/s) never limits a 50 GB/s NIC
    double ib_efficiency          = 0.89;
    double normal_overhead_s      = 9e-6; // per normal-mode phase
    double low_latency_overhead_s = 7e-6; // per low-latency phase
    // Normal mode relays forward in chunks: DeepEP's default RDMA chunk is 16 tokens
    // (deep_ep.Config(num_sms, 8, nvl_buffer, 16, rdma_buffer) in tests/test_internode.py) of 7,472 B.
    double chunk_bytes = 16 * 7472.0;
    // Generation parameters (deepep_generation.hpp explains them), 0 where the generation lacks the
    // mechanism; the fluid backend models them, simgrid_flows does not:
    //  - normal mode through IBRC (one QP per peer node): the time a QP sends nothing after each RDMA
    //    chunk (deepep_rdma_chunk_tokens); a NIC takes bytes / rate + mean chunks per QP x this.
    //  - low-latency over NVLink: the sender's issue time per NVLink message, serial on its port.
    //  - low-latency dispatch over NVLink and RDMA: a sender's RDMA starts once this share of its
    //    NVLink stores has drained.
    double ibrc_chunk_stall_s   = 0;
    double ll_nvlink_message_s  = 0;
    double ll_rdma_after_nvlink = 0;
    // Normal kernels run comm_sms / 2 channels; each channel moves at most 1 / (saturating_sms / 2)
    // of a link's calibrated rate, so fewer SMs than this scale the GPU's NVLink and NIC rates by
    // comm_sms / saturating_sms. 24: DeepEP's tables were measured with num_sms = 24
    // (tests/test_internode.py, test_intranode.py: `num_sms = 24`), the setting whose rates the
    // efficiencies above reproduce; DeepEP's README example also calls set_num_sms(24). Reading the
    // tables as the knee is an assumption (no published V1 rate at other SM counts); it makes the
    // per-channel rate 133 / 12 = 11.1 GB/s on NVLink and 44.5 / 12 = 3.7 GB/s on RDMA.
    int saturating_sms = 24;

    // Resolved for one run by for_kernels(), not a scenario key:
    double channel_share = 1; // min(1, comm SMs / saturating_sms) in normal mode, else 1

    void validate() const; // throws ConfigError
    // The rates the kernels of `normal_mode` (true: normal, false: low-latency) reach with
    // `comm_sms` SMs: sets channel_share. Low-latency kernels hold no SMs while data moves
    // (reference §5.2): share 1.
    NetworkCalibration for_kernels(bool normal_mode, int comm_sms) const;
};

// NVLink: bandwidth x nvlink_efficiency x channel_share; IB access (NIC <-> leaf):
// bandwidth x ib_efficiency x channel_share; IB trunks: x ib_efficiency.
double effective_bandwidth_Bps(const Link& link, const NetworkCalibration& c);
std::ostream& operator<<(std::ostream& out, const NetworkCalibration& c);

} // namespace moetwin
