// SPDX-License-Identifier: Apache-2.0
// LinkCapacityBasis from the embedded scenario.
#include "gui/link_capacity.hpp"

#include "gui/format.hpp"

#include <nlohmann/json.hpp>

namespace moetwin::gui {
namespace {

std::string efficiency(double e) {
    std::string s = format_fixed(e, 3);
    while (s.size() > 1 && s.back() == '0')
        s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

} // namespace

LinkCapacityBasis link_capacity_basis(const RunResult& r) {
    LinkCapacityBasis b;
    try {
        const nlohmann::json j = nlohmann::json::parse(r.scenario_json);
        if (!j.is_object() || !j.contains("network")) return b;
        const nlohmann::json& n = j.at("network");
        if (!n.is_object() || !n.contains("calibration")) return b;
        const nlohmann::json& c = n.at("calibration");
        b.nvlink_efficiency     = c.at("nvlink_efficiency").get<double>();
        b.ib_efficiency         = c.at("ib_efficiency").get<double>();
        b.pcie_efficiency       = c.at("pcie_efficiency").get<double>();
        if (n.contains("deepep") && n.at("deepep").is_string()) b.deepep = n.at("deepep").get<std::string>();
        b.known      = true;
        b.calibrated = b.nvlink_efficiency != 1 || b.ib_efficiency != 1 || b.pcie_efficiency != 1;
    } catch (const std::exception&) {
        return LinkCapacityBasis{};
    }
    return b;
}

std::string LinkCapacityBasis::describe() const {
    if (!known) return "capacity basis unknown: the result records no resolved scenario (network.calibration)";
    if (!calibrated) return "nominal capacities: every calibration efficiency is 1";
    return "calibrated capacities, not nominal: nominal x efficiency" +
           (deepep.empty() ? std::string() : " (DeepEP " + deepep + " fit)") + ": NVLink " +
           efficiency(nvlink_efficiency) + ", InfiniBand " + efficiency(ib_efficiency) + ", PCIe " +
           efficiency(pcie_efficiency) + "; NVLink and NIC links also x the SM channel share";
}

} // namespace moetwin::gui
