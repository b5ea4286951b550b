// SPDX-License-Identifier: Apache-2.0
// Moving from one placement to the next: relabel the new one to keep as many experts where they
// already are, and count the expert weights that must cross the network.
#pragma once

#include "sim/balancer/placement.hpp"

#include <iosfwd>

namespace moetwin::balancer {

// Reference §1.3: one expert = 3 × 7168 × 2048 parameters = 44,040,192 B in FP8 (block scales,
// 0.02 %, ignored). Bandwidths per GPU: reference §2 (ISCA §4.3: 40 GB/s effective IB, 160 GB/s NVLink).
struct MigrationSpec {
    double bytes_per_expert = 3.0 * 7168 * 2048;
    double ib_Bps           = 40e9;
    double nvlink_Bps       = 160e9;
    void validate() const;
};

std::ostream& operator<<(std::ostream& os, const MigrationSpec& m);

struct MigrationCost {
    long long experts_moved = 0; // replicas a GPU must receive, all layers
    double bytes            = 0;
    double bytes_ib         = 0; // copies whose nearest source is on another node
    double time_s           = 0; // busiest GPU: its NVLink bytes / nvlink_Bps + IB bytes / ib_Bps
};

// Permutes whole nodes, then GPUs inside each node, of `next` (greedy, largest overlap first) so
// that it shares as many (GPU, expert) pairs with `prev` as possible. Loads per GPU keep their
// multiset, so balance is unchanged; node membership is kept, so node-level locality is too.
Placement align_to_previous(const Placement& next, const Placement& prev, const PlacementSpec& spec);

// Every replica in `next` that its GPU did not hold in `prev` is copied: over NVLink if some GPU of
// the same node held that expert in `prev`, else over IB.
MigrationCost migration_cost(const Placement& prev, const Placement& next, const PlacementSpec& spec,
                             const MigrationSpec& m = {});

} // namespace moetwin::balancer
