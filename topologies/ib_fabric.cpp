// SPDX-License-Identifier: Apache-2.0
// Two-tier leaf-spine planes (ISCA'25 §5.1, Table 3: 64-port switches, 32 down / 32 up per leaf).
#include "topologies/ib_fabric.hpp"

#include "common/errors.hpp"

#include <string>

namespace moetwin::detail {

void add_leaf_spine_plane(TopologyGraph& g, const std::vector<std::vector<DeviceId>>& leaf_groups, int plane,
                          const LeafSpineParams& p) {
    const int down       = p.switch_ports / 2;
    const int num_leaves = int(leaf_groups.size());
    if (num_leaves > p.switch_ports)
        throw ConfigError("plane " + std::to_string(plane) + ": " + std::to_string(num_leaves) +
                          " leaf switches exceed the " + std::to_string(p.switch_ports) +
                          " ports of a spine (at most " + std::to_string(p.switch_ports * down) +
                          " endpoints per two-tier plane)");
    const std::string prefix = "p" + std::to_string(plane) + ".";
    std::vector<DeviceId> leaves;
    for (int i = 0; i < num_leaves; ++i) {
        const auto& group = leaf_groups[std::size_t(i)];
        if (int(group.size()) > down)
            throw ConfigError("plane " + std::to_string(plane) + ": leaf " + std::to_string(i) + " would need " +
                              std::to_string(group.size()) + " down ports, has " + std::to_string(down));
        const DeviceId leaf =
            g.add_device({DeviceKind::LeafSwitch, prefix + "leaf" + std::to_string(i), -1, -1, plane, i});
        leaves.push_back(leaf);
        for (DeviceId nic : group)
            g.add_link(nic, leaf, {LinkKind::IbAccess, p.bandwidth_Bps, p.access_latency_s, plane});
    }
    if (num_leaves <= 1) return; // one leaf switches everything itself
    const int num_spines = p.switch_ports - down;
    for (int s = 0; s < num_spines; ++s) {
        const DeviceId spine =
            g.add_device({DeviceKind::SpineSwitch, prefix + "spine" + std::to_string(s), -1, -1, plane, s});
        for (DeviceId leaf : leaves)
            g.add_link(leaf, spine, {LinkKind::IbTrunk, p.bandwidth_Bps, p.trunk_latency_s, plane});
    }
}

std::vector<std::vector<DeviceId>> consecutive_groups(const std::vector<DeviceId>& nics, int group_size) {
    std::vector<std::vector<DeviceId>> groups;
    for (std::size_t i = 0; i < nics.size(); i += std::size_t(group_size)) {
        const std::size_t end = std::min(nics.size(), i + std::size_t(group_size));
        groups.emplace_back(nics.begin() + long(i), nics.begin() + long(end));
    }
    return groups;
}

} // namespace moetwin::detail
