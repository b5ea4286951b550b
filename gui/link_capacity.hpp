// SPDX-License-Identifier: Apache-2.0
// Whether the result's link capacities are nominal or calibrated, read from the resolved scenario the result
// embeds (RunResult::scenario_json: network.deepep and network.calibration's efficiencies). The step simulator
// records capacity_Bps = nominal x efficiency (x the SM channel share on NVLink and NIC links), see
// sim/published/network_calibration.hpp effective_bandwidth_Bps. No ImGui.
#pragma once

#include "sim/result/result.hpp"

#include <string>

namespace moetwin::gui {

struct LinkCapacityBasis {
    bool known      = false; // false: the result records no resolved scenario (older results, hand-built ones)
    bool calibrated = false; // some efficiency differs from 1: capacities are below the links' nominal rates
    std::string deepep;      // network.deepep: the DeepEP generation whose fit the calibration defaults to
    double nvlink_efficiency = 1, ib_efficiency = 1, pcie_efficiency = 1;

    // One line for the links view: "calibrated capacities: nominal x efficiency (DeepEP v1_2025_06_nvlink fit:
    // NVLink 0.83, InfiniBand 0.89, PCIe 1)..." or "nominal capacities" or "capacity basis unknown ...".
    std::string describe() const;
};

// Contract: never throws; a scenario_json that is not the expected object gives known == false.
LinkCapacityBasis link_capacity_basis(const RunResult& r);

} // namespace moetwin::gui
