// SPDX-License-Identifier: Apache-2.0
// NetworkCalibration: checks, printing, effective bandwidth per link kind.
#include "sim/published/network_calibration.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <ostream>
#include <string>

namespace moetwin {

void NetworkCalibration::validate() const {
    auto in01 = [](double v, const char* name) {
        if (!(v > 0 && v <= 1)) throw ConfigError(std::string("network calibration: ") + name + " must be in (0, 1]");
    };
    in01(nvlink_efficiency, "nvlink_efficiency");
    in01(pcie_efficiency, "pcie_efficiency");
    in01(ib_efficiency, "ib_efficiency");
    if (!(normal_overhead_s >= 0) || !(low_latency_overhead_s >= 0) || !(chunk_bytes >= 0))
        throw ConfigError("network calibration: overheads and chunk size must be >= 0");
    if (!(ibrc_chunk_stall_s >= 0) || !(ll_nvlink_message_s >= 0))
        throw ConfigError("network calibration: QP stall and message time must be >= 0");
    if (!(ll_rdma_after_nvlink >= 0 && ll_rdma_after_nvlink <= 1))
        throw ConfigError("network calibration: ll_rdma_after_nvlink must be in [0, 1]");
    if (saturating_sms < 2) throw ConfigError("network calibration: saturating_sms must be >= 2 (one channel)");
    if (!(channel_share > 0 && channel_share <= 1)) throw ConfigError("network calibration: channel share in (0, 1]");
}

NetworkCalibration NetworkCalibration::for_kernels(bool normal_mode, int comm_sms) const {
    NetworkCalibration c = *this;
    c.channel_share      = 1;
    if (!normal_mode) return c;
    if (comm_sms < 2)
        throw ConfigError("network: normal-mode kernels need at least 2 communication SMs (one channel), got " +
                          std::to_string(comm_sms));
    // Channels are SM pairs (DeepEP: num_channels = num_sms / 2).
    c.channel_share = std::min(1.0, double(comm_sms / 2) / double(saturating_sms / 2));
    return c;
}

double effective_bandwidth_Bps(const Link& link, const NetworkCalibration& c) {
    switch (link.kind) {
    case LinkKind::NvLink:
        return link.bandwidth_Bps * c.nvlink_efficiency * c.channel_share;
    case LinkKind::Pcie:
        return link.bandwidth_Bps * c.pcie_efficiency;
    case LinkKind::IbAccess:
        return link.bandwidth_Bps * c.ib_efficiency * c.channel_share;
    case LinkKind::IbTrunk:
        return link.bandwidth_Bps * c.ib_efficiency;
    case LinkKind::HostBridge:
        return link.bandwidth_Bps * c.pcie_efficiency;
    }
    return link.bandwidth_Bps;
}

std::ostream& operator<<(std::ostream& out, const NetworkCalibration& c) {
    return out << "nvlink_efficiency " << c.nvlink_efficiency << ", pcie_efficiency " << c.pcie_efficiency
               << ", ib_efficiency " << c.ib_efficiency << ", normal_overhead " << c.normal_overhead_s * 1e6
               << " us, low_latency_overhead " << c.low_latency_overhead_s * 1e6 << " us, chunk " << c.chunk_bytes
               << " B, ibrc_chunk_stall " << c.ibrc_chunk_stall_s * 1e6 << " us, ll_nvlink_message "
               << c.ll_nvlink_message_s * 1e9 << " ns, ll_rdma_after_nvlink " << c.ll_rdma_after_nvlink
               << ", saturating_sms " << c.saturating_sms;
}

} // namespace moetwin
