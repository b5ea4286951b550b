// SPDX-License-Identifier: Apache-2.0
// Bisection bandwidth of a Topology: the max flow between the first and second half of the GPUs
// (by index, i.e. by node), every link carrying its bandwidth in each direction.
#pragma once

#include "topologies/topology.hpp"

namespace moetwin {

// Bytes per second that can cross from GPUs [0, n/2) to GPUs [n/2, n) at once (push-relabel max
// flow, Boost.Graph). For the symmetric fabrics built here the natural half is the worst one.
// Resolution: 1 MB/s. Measured: 0.01 s for FT2 at 2,048 GPUs, 0.06 s for MPFT at 16,384.
double bisection_bandwidth_Bps(const Topology& topo);

} // namespace moetwin
