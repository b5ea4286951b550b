// SPDX-License-Identifier: Apache-2.0
#include "sim/step/training_dp_sync.hpp"

#include "common/errors.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <string>

namespace sg4 = simgrid::s4u;

namespace moetwin::step {
namespace {

int g_chunk = 0; // payload pointer; never read

void raise(double& slot, double t) {
    slot = std::max(slot, t);
}

} // namespace

int other_ring_position(int i, int n, int gpn) {
    if (gpn <= 1 || n % gpn != 0) return i;
    const int nodes = n / gpn;
    return (i % gpn) * nodes + i / gpn;
}

int other_ring_member(int pos, int n, int gpn) {
    if (gpn <= 1 || n % gpn != 0) return pos;
    const int nodes = n / gpn;
    return (pos % nodes) * gpn + pos / nodes;
}

void ring_collective(const std::string& tag, int me, int n, double bytes) {
    if (n <= 1) return;
    sg4::Mailbox* mine = sg4::Mailbox::by_name(tag + "." + std::to_string(me));
    sg4::Mailbox* next = sg4::Mailbox::by_name(tag + "." + std::to_string((me + 1) % n));
    const auto chunk_B = uint64_t(bytes / n);
    for (int k = 0; k < n - 1; ++k) {
        void* got                       = nullptr;
        std::vector<sg4::CommPtr> comms = {next->put_async(&g_chunk, chunk_B), mine->get_async(&got)};
        sg4::Comm::wait_all(comms);
    }
}

void init_dp_sync_times(int pp, DpSyncTimes* out) {
    for (auto* v : {&out->start_s, &out->reduce_scatter_end_s, &out->optimizer_end_s, &out->all_gather_end_s})
        v->assign(std::size_t(pp), 0.0);
}

void start_dp_sync(const DpSyncSpec& spec, int rank, DpSyncTimes* out) {
    const int n = spec.gpus_per_stage, ep = spec.ep_size;
    MOETWIN_ASSERT(n % ep == 0 && int(spec.routed_params.size()) == spec.pp, "start_dp_sync: stage of whole EP groups");
    const auto ri = std::size_t(rank);
    raise(out->start_s[ri], sg4::Engine::get_clock());
    const std::string stage = "dp" + std::to_string(rank);
    for (int i = 0; i < n; ++i) {
        const int gpu = rank * n + i;
        sg4::Actor::create(stage + ".g" + std::to_string(i), spec.host_of(gpu), [&spec, out, n, ep, i, ri, stage] {
            const int dp_routed = n / ep, routed_pos = i / ep;
            const std::string routed = stage + ".r" + std::to_string(i % ep);
            const int other_pos      = other_ring_position(i, n, spec.gpus_per_node);
            ring_collective(routed + ".rs", routed_pos, dp_routed, 4.0 * spec.routed_params[ri]);
            ring_collective(stage + ".o.rs", other_pos, n, 4.0 * spec.other_params[ri]);
            raise(out->reduce_scatter_end_s[ri], sg4::Engine::get_clock());
            sg4::this_actor::sleep_for(spec.optimizer_s[ri]);
            raise(out->optimizer_end_s[ri], sg4::Engine::get_clock());
            ring_collective(routed + ".ag", routed_pos, dp_routed, 2.0 * spec.routed_params[ri]);
            ring_collective(stage + ".o.ag", other_pos, n, 2.0 * spec.other_params[ri]);
            raise(out->all_gather_end_s[ri], sg4::Engine::get_clock());
        });
    }
}

} // namespace moetwin::step
