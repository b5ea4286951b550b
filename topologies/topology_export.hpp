// SPDX-License-Identifier: Apache-2.0
// Topology output for people and the GUI: Graphviz DOT (boost::write_graphviz) and JSON.
// The JSON is written by hand (no JSON library in topologies/); names are [a-z0-9._] only.
#pragma once

#include "topologies/topology.hpp"

#include <iosfwd>

namespace moetwin {

// digraph G { 0[label="n0.nvswitch", kind=nvswitch ...]; ... } with one edge (lower -> upper) per physical link,
// labelled with its kind and bandwidth. Large fabrics give large files (16,384-GPU MPFT: ~70k edges).
void write_dot(const Topology& topo, std::ostream& out);

// {"fabric": ..., "num_nodes": ..., "gpus_per_node": ..., "counts": {...},
//  "devices": [{"id", "kind", "name", "node", "local_rank", "plane", "index"}],
//  "links":   [{"id", "kind", "lower", "upper", "plane", "bandwidth_GBps", "latency_us"}]}
void write_json(const Topology& topo, std::ostream& out);

} // namespace moetwin
