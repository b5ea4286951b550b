// SPDX-License-Identifier: Apache-2.0
// ClusterSpec: the plain description of a cluster that the topology builders turn into a graph.
// Filled once by the scenario parser (sim/scenario_json.cpp) in SI units; no JSON, no SimGrid here.
#pragma once

#include "common/name_table.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace moetwin {

// The scale-out (or scale-up) fabric joining the nodes.
enum class FabricKind {
    SingleNode,    // one node: NVSwitch only, no scale-out network
    FatTree2,      // two-layer fat-tree, one plane shared by all NICs (ISCA'25 Table 3 "FT2")
    MultiPlane,    // DeepSeek's multi-plane two-layer fat-tree: NIC k of every node on plane k (ISCA'25 §5.1 "MPFT")
    RailOptimized, // rail-optimised: NIC k of every node on rail switch k, rails joined by a spine
    Nvl72,         // what-if: one NVLink scale-up domain of up to 72 GPUs (GB200 NVL72 style), IB between domains
};

// The fabric names (scenario key cluster.fabric, `moetwin bench network --fabric`, the GUI).
inline constexpr std::array<NameEntry<FabricKind>, 5> kFabricKinds = {{
    {FabricKind::SingleNode, "single_node", "one node: NVSwitch only, no scale-out network"},
    {FabricKind::FatTree2, "fat_tree", "two-layer fat-tree, one plane shared by all NICs (ISCA'25 FT2)"},
    {FabricKind::MultiPlane, "multi_plane_fat_tree", "DeepSeek's multi-plane fat-tree: NIC k of every node on plane k"},
    {FabricKind::RailOptimized, "rail_optimized", "NIC k of every node on rail switch k, rails joined by a spine"},
    {FabricKind::Nvl72, "nvl72", "what-if: NVLink domains of up to 72 GPUs, InfiniBand between domains"},
}};

constexpr std::string_view to_string(FabricKind kind) {
    return table_name(kFabricKinds, kind);
}

struct LinkParams {
    double bandwidth_Bps = 0; // per direction
    double latency_s     = 0;
};

// Dual-socket Xeon Scalable 3rd gen (Ice Lake-SP, PCIe Gen4 like the RTX 4090 and 8 × DDR4-3200 per socket,
// the host the offloading what-ifs assume): 3 UPI links at 11.2 GT/s (Intel's product brief), 2 bytes per
// transfer per direction = 22.4 GB/s per link, 67.2 GB/s per direction in all [D]. The same host as the host CPU
// catalogue's xeon_8380_2s (engine/host_cpu.cpp; tests/sim/test_expert_offload.cpp holds the two equal).
inline constexpr double kUpiIceLakeBps = 3 * 11.2e9 * 2;

struct ClusterSpec {
    FabricKind fabric = FabricKind::MultiPlane;
    int num_nodes     = 1;
    int gpus_per_node = 8;
    int nics_per_node = 8; // one ConnectX-7 per GPU on H800 nodes (ISCA'25 §4.1)

    // Scale-up: NVLink through NVSwitch. H800: 200 GB/s per direction nominal, ~160 GB/s achieved
    // (ISCA'25 §4.3); 3.33 µs end-to-end for 64 B (ISCA'25 Table 5).
    LinkParams nvlink{160e9, 3.33e-6};
    // GPU <-> NIC over PCIe Gen5 x16 (~64 GB/s per direction nominal).
    LinkParams pcie{64e9, 0.0};
    // A PCIe box without NVLink (single_node, bandwidth > 0; sim/scenario_json.cpp sets it for a GPU without
    // NVLink): the node's GPUs sit on two CPU sockets (the first ceil(g/2) on socket 0), each GPU's scale-up
    // port (`nvlink` above, carrying its PCIe x16 bandwidth) joins its socket's root complex, and the two root
    // complexes are joined by this inter-socket link, which every cross-socket GPU<->GPU transfer shares.
    // 0: no host bridge (an NVSwitch node). Default figure: kUpiIceLakeBps.
    LinkParams host_bridge{0.0, 0.0};
    // Scale-out: one 400 Gb/s InfiniBand NIC per GPU = 50 GB/s per direction (ISCA'25 §4.1).
    double ib_bandwidth_Bps        = 50e9;
    double ib_latency_same_leaf_s  = 2.8e-6; // ISCA'25 Table 5, 64 B, CPU side
    double ib_latency_cross_leaf_s = 3.7e-6; // ISCA'25 Table 5
    int switch_ports               = 64;     // 64-port 400G IB switches (ISCA'25 §5.1)
    int ib_planes                  = 8;      // MPFT planes (one per NIC rank)

    int num_gpus() const { return num_nodes * gpus_per_node; }
};

} // namespace moetwin
