// SPDX-License-Identifier: Apache-2.0
// build_cluster(): turns a ClusterSpec into a Topology for each supported fabric.
//
// One H800 node (ISCA'25 §4.1): 8 GPUs on NVSwitch, one ConnectX-7 400 Gb/s NIC per GPU over PCIe.
// The NVSwitch fabric is one logical device; each GPU has one NVLink port link to it.
//
//            node n
//   +-----------------------------+
//   |          [ NVSwitch ]       |          NvLink: GPU <-> NVSwitch (160 GB/s achieved per direction)
//   |      /    |    ...    \     |
//   |   GPU0  GPU1  ...   GPU7    |          Pcie:   GPU k <-> NIC k  (64 GB/s, Gen5 x16)
//   |    |     |           |      |
//   |  NIC0  NIC1  ...   NIC7     |          IbAccess: NIC <-> leaf (50 GB/s, 400 Gb/s)
//   +----|-----|-----------|------+
//        |     |           |
//   FT2:  all NICs of all nodes on one two-tier fat tree (64-port switches: 32 down, 32 up)
//   MPFT: NIC k of every node on plane k; each plane is its own two-tier fat tree; planes meet
//         only inside nodes (cross-plane traffic is forwarded over NVLink, ISCA'25 §5.1)
//   Rail: NIC k of the 32 nodes of a scalable unit on rail leaf (unit, k); all leaves share spines
//   NVL72: scale-up domains of gpus_per_node (<= 72) GPUs on one NVSwitch; FT2 between domains
//
//   two-tier fat tree (one plane), k-port switches:      spine_0 ... spine_{k/2-1}
//                                                        /  each leaf has one link to each spine
//                                      leaf_0  leaf_1 ... leaf_{L-1}      (L = ceil(E / (k/2)))
//                                      /||\    k/2 NICs each
// A plane with one leaf has no spines. Capacity: k * k/2 endpoints per plane (2,048 for k = 64).
#pragma once

#include "topologies/cluster_spec.hpp"
#include "topologies/topology.hpp"

#include <optional>
#include <string>

namespace moetwin {

// Throws ConfigError if the spec cannot be built (too many endpoints for the switch radix, NIC and
// GPU counts that differ, ...). Link latencies are split so that routes sum to ISCA'25 Table 5:
// NVLink 3.33 us = 2 NVLink hops; IB same leaf 2.8 us = 2 PCIe + 2 access hops; cross leaf 3.7 us
// adds two trunk hops of (3.7 - 2.8) / 2.
Topology build_cluster(const ClusterSpec& spec);

// The first rule a spec breaks: `key` is the scenario key under "cluster" it concerns ("ib.planes"),
// `what` what was expected. The one validator: the scenario parser reports it with the file and JSON
// path, build_cluster() throws it.
struct ClusterSpecIssue {
    std::string key;
    std::string what;
};
std::optional<ClusterSpecIssue> check_cluster_spec(const ClusterSpec& spec);

// Throws ConfigError "cluster.<key>: <what>" for check_cluster_spec's issue; build_cluster() calls it first.
void validate_cluster_spec(const ClusterSpec& spec);

// Endpoints one two-tier fat-tree plane of `switch_ports`-port switches can hold: ports * ports / 2.
int fat_tree_plane_capacity(int switch_ports);

} // namespace moetwin
