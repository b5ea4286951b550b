// SPDX-License-Identifier: Apache-2.0
// Placement alignment and migration cost for dynamic rebalancing.
#include "sim/balancer/migration.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <ostream>
#include <vector>

namespace moetwin::balancer {
namespace {

// overlap[a * n + b]: number of experts unit a of `next` shares with unit b of `prev` (multiset).
// A unit is a run of `unit_slots` consecutive slots starting at next_base + a * unit_slots.
std::vector<int> greedy_match(const std::vector<int>& overlap, int n) {
    std::vector<int> to(n, -1);
    std::vector<char> used_a(n, 0), used_b(n, 0);
    for (int k = 0; k < n; ++k) {
        int ba = -1, bb = -1;
        for (int a = 0; a < n; ++a)
            for (int b = 0; b < n && !used_a[a]; ++b)
                if (!used_b[b] && (ba < 0 || overlap[a * n + b] > overlap[ba * n + bb])) ba = a, bb = b;
        to[ba] = bb, used_a[ba] = 1, used_b[bb] = 1;
    }
    return to;
}

int shared(std::span<const int> x, std::span<const int> y, std::vector<int>& scratch) {
    int n = 0;
    for (int e : y)
        if (e != kEmptySlot) ++scratch[e];
    for (int e : x)
        if (e != kEmptySlot && scratch[e] > 0) --scratch[e], ++n;
    for (int e : y)
        if (e != kEmptySlot) scratch[e] = 0;
    return n;
}

} // namespace

void MigrationSpec::validate() const {
    if (!(bytes_per_expert >= 0) || !(ib_Bps > 0) || !(nvlink_Bps > 0))
        throw ConfigError("migration: bytes_per_expert must be ≥ 0 and bandwidths > 0");
}

std::ostream& operator<<(std::ostream& os, const MigrationSpec& m) {
    return os << "MigrationSpec{bytes_per_expert=" << m.bytes_per_expert << ", ib_Bps=" << m.ib_Bps
              << ", nvlink_Bps=" << m.nvlink_Bps << "}";
}

// NOTES: with uneven slots a node (GPU) only takes the place of one holding as many slots: such pairs
// get overlap -1, below every allowed pair, and each slot count has as many units on both sides, so the
// greedy matching always completes inside the allowed pairs.
Placement align_to_previous(const Placement& next, const Placement& prev, const PlacementSpec& spec) {
    MOETWIN_ASSERT(next.num_layers == prev.num_layers && next.num_slots == prev.num_slots, "align: shapes");
    const int N = spec.num_nodes, Gn = spec.gpus_per_node();
    std::vector<int> out(next.phy2log.size()), scratch(next.num_experts, 0);
    const auto node_slots = [&](std::span<const int> row, int n) {
        return row.subspan(spec.first_slot_of_node(n), spec.slots_on_node(n));
    };
    const auto gpu_slots = [&](std::span<const int> row, int g) {
        return row.subspan(spec.first_slot(g), spec.slots_on_gpu(g));
    };
    for (int l = 0; l < next.num_layers; ++l) {
        const auto a = next.slots(l), b = prev.slots(l);
        std::vector<int> node_overlap(static_cast<std::size_t>(N) * N);
        for (int x = 0; x < N; ++x)
            for (int y = 0; y < N; ++y)
                node_overlap[x * N + y] = spec.slots_on_node(x) != spec.slots_on_node(y)
                                              ? -1
                                              : shared(node_slots(a, x), node_slots(b, y), scratch);
        const auto node_to = greedy_match(node_overlap, N);
        int* row           = out.data() + static_cast<std::size_t>(l) * next.num_slots;
        for (int x = 0; x < N; ++x) {
            const int y = node_to[x];
            std::vector<int> gpu_overlap(static_cast<std::size_t>(Gn) * Gn);
            for (int i = 0; i < Gn; ++i)
                for (int j = 0; j < Gn; ++j) {
                    const int gx = x * Gn + i, gy = y * Gn + j;
                    gpu_overlap[i * Gn + j] = spec.slots_on_gpu(gx) != spec.slots_on_gpu(gy)
                                                  ? -1
                                                  : shared(gpu_slots(a, gx), gpu_slots(b, gy), scratch);
                }
            const auto gpu_to = greedy_match(gpu_overlap, Gn);
            for (int i = 0; i < Gn; ++i) {
                const auto from = gpu_slots(a, x * Gn + i);
                std::copy(from.begin(), from.end(), row + spec.first_slot(y * Gn + gpu_to[i]));
            }
        }
    }
    return make_placement(next.num_layers, next.num_experts, next.num_slots, std::move(out));
}

MigrationCost migration_cost(const Placement& prev, const Placement& next, const PlacementSpec& spec,
                             const MigrationSpec& m) {
    m.validate();
    MOETWIN_ASSERT(next.num_layers == prev.num_layers && next.num_slots == prev.num_slots, "migration: shapes");
    const int G = spec.num_gpus;
    std::vector<double> nv_bytes(G, 0.0), ib_bytes(G, 0.0);
    std::vector<int> had(next.num_experts), node_had(next.num_experts);
    MigrationCost cost;
    for (int l = 0; l < next.num_layers; ++l) {
        const auto a = next.slots(l), b = prev.slots(l);
        for (int g = 0; g < G; ++g) {
            std::fill(had.begin(), had.end(), 0);
            std::fill(node_had.begin(), node_had.end(), 0);
            const int n = spec.node_of_gpu(g);
            for (int e : b.subspan(spec.first_slot(g), spec.slots_on_gpu(g)))
                if (e != kEmptySlot) ++had[e];
            for (int e : b.subspan(spec.first_slot_of_node(n), spec.slots_on_node(n)))
                if (e != kEmptySlot) node_had[e] = 1;
            for (int e : a.subspan(spec.first_slot(g), spec.slots_on_gpu(g))) {
                if (e == kEmptySlot) continue;
                if (had[e] > 0) {
                    --had[e];
                    continue;
                }
                ++cost.experts_moved;
                (node_had[e] ? nv_bytes[g] : ib_bytes[g]) += m.bytes_per_expert;
            }
        }
    }
    for (int g = 0; g < G; ++g) {
        cost.bytes += nv_bytes[g] + ib_bytes[g];
        cost.bytes_ib += ib_bytes[g];
        cost.time_s = std::max(cost.time_s, nv_bytes[g] / m.nvlink_Bps + ib_bytes[g] / m.ib_Bps);
    }
    return cost;
}

} // namespace moetwin::balancer
