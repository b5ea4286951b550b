// SPDX-License-Identifier: Apache-2.0
// NetworkCalibration: checks, printing, effective bandwidth per link kind.
#include "sim/network/network_calibration.hpp"

#include "common/errors.hpp"

#include <ostream>

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
}

double effective_bandwidth_Bps(const Link& link, const NetworkCalibration& c) {
    switch (link.kind) {
    case LinkKind::NvLink:
        return link.bandwidth_Bps * c.nvlink_efficiency;
    case LinkKind::Pcie:
        return link.bandwidth_Bps * c.pcie_efficiency;
    case LinkKind::IbAccess:
    case LinkKind::IbTrunk:
        return link.bandwidth_Bps * c.ib_efficiency;
    }
    return link.bandwidth_Bps;
}

std::ostream& operator<<(std::ostream& out, const NetworkCalibration& c) {
    return out << "nvlink_efficiency " << c.nvlink_efficiency << ", pcie_efficiency " << c.pcie_efficiency
               << ", ib_efficiency " << c.ib_efficiency << ", normal_overhead " << c.normal_overhead_s * 1e6
               << " us, low_latency_overhead " << c.low_latency_overhead_s * 1e6 << " us, chunk " << c.chunk_bytes
               << " B";
}

} // namespace moetwin
