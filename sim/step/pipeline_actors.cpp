// SPDX-License-Identifier: Apache-2.0
#include "sim/step/pipeline_actors.hpp"

#include "common/errors.hpp"
#include "sim/network/platform.hpp"

#include <simgrid/s4u.hpp>

#include <map>
#include <memory>
#include <sstream>
#include <string>

namespace sg4 = simgrid::s4u;

namespace moetwin::step {
namespace {

sg4::Mailbox* mailbox_of(const PipeMsg& m) {
    std::ostringstream name;
    name << "pp." << m;
    return sg4::Mailbox::by_name(name.str());
}

// The payload pointer SimGrid hands over; its contents are never read.
int g_payload = 0;

sg4::CommPtr capped_put(const std::string& mailbox, double bytes, double rate_Bps) {
    sg4::CommPtr c = sg4::Mailbox::by_name(mailbox)->put_init(&g_payload, uint64_t(bytes));
    c->set_rate(rate_Bps);
    c->start();
    return c;
}

// Receives `n` all-to-all stand-in transfers on `mailbox` (all posted at once, so they never wait for it).
void a2a_sink(const std::string& mailbox, int n) {
    std::vector<void*> into(std::size_t(n), nullptr);
    std::vector<sg4::CommPtr> comms;
    for (void*& p : into)
        comms.push_back(sg4::Mailbox::by_name(mailbox)->get_async(&p));
    sg4::Comm::wait_all(comms);
}

struct RankActor {
    const PipelinePrograms* prog;
    const std::vector<ChunkTimes>* by_position;
    const PipelineActorsSetup* setup;
    PipelineActorsOutput* out;
    int rank;
    std::shared_ptr<std::vector<sg4::CommPtr>> background = std::make_shared<std::vector<sg4::CommPtr>>();

    sg4::CommPtr send(const PipeMsg& m) const {
        out->sent_B[std::size_t(rank)] += setup->msg_bytes;
        return mailbox_of(m)->put_async(&g_payload, uint64_t(setup->msg_bytes));
    }
    sg4::CommPtr receive(const PipeMsg& m, void** into) const {
        out->received_B[std::size_t(rank)] += setup->msg_bytes;
        return mailbox_of(m)->get_async(into);
    }
    // The all-to-all bytes one op sends out of (and receives into) the rank GPU's NIC (0 for an op of no time).
    double nic_bytes(const PipeOp& op) const {
        if (setup->nic_bytes_per_chunk.empty() || op_seconds(op, rank, prog->pp, *by_position) <= 0) return 0;
        const auto at = [&](int dir) {
            return setup->nic_bytes_per_chunk[std::size_t(stage_position(dir, rank, prog->pp))];
        };
        switch (op.kind) {
        case PipeOpKind::F:
        case PipeOpKind::B:
        case PipeOpKind::BW:
            return at(op.dir);
        case PipeOpKind::FB:
            return at(op.dir) + at(op.dir_b);
        case PipeOpKind::W:
            return 0;
        }
        return 0;
    }
    void run_op(const PipeOp& op) const {
        const double begin = sg4::Engine::get_clock();
        const double d_s   = op_seconds(op, rank, prog->pp, *by_position);
        const double a2a_B = nic_bytes(op);
        if (a2a_B > 0) { // SimGrid 3.32 caps the rate of mailbox comms (not of host-to-host ones)
            const std::string r = std::to_string(rank);
            background->push_back(capped_put("a2a.out." + r, a2a_B, a2a_B / d_s));
            sg4::Actor::create("a2a.in." + r, setup->nic_peers[std::size_t(rank)].second,
                               [r, a2a_B, d_s] { capped_put("a2a.in." + r, a2a_B, a2a_B / d_s)->wait(); });
        }
        sg4::this_actor::sleep_for(d_s);
        out->spans[std::size_t(rank)].push_back({rank, op, begin, sg4::Engine::get_clock()});
    }

    void operator()() const {
        const auto ri                  = std::size_t(rank);
        const std::vector<PipeOp>& ops = prog->ranks[ri];
        if (!prog->commits.empty()) {
            const std::vector<PipeCommit>& commits = prog->commits[ri];
            for (std::size_t i = 0; i < commits.size(); ++i) {
                std::vector<sg4::CommPtr> comms;
                std::vector<void*> sinks(commits[i].recvs.size());
                for (std::size_t k = 0; k < commits[i].recvs.size(); ++k)
                    comms.push_back(receive(commits[i].recvs[k], &sinks[k]));
                for (const PipeMsg& m : commits[i].sends)
                    comms.push_back(send(m));
                if (!comms.empty()) sg4::Comm::wait_all(comms);
                if (i < ops.size()) run_op(ops[i]);
            }
            out->end_s[ri] = sg4::Engine::get_clock();
            if (setup->on_rank_end) setup->on_rank_end(rank);
            if (!background->empty()) sg4::Comm::wait_all(*background);
            background->clear(); // see below
            return;
        }
        // Eager: every receive posted now, each waited for by the op that needs it; sends never waited for.
        std::map<PipeMsg, sg4::CommPtr> inbox;
        std::vector<void*> sinks;
        for (const PipeOp& op : ops)
            for (const PipeMsg& m : op_inputs(op, rank, prog->pp))
                inbox[m] = nullptr;
        sinks.resize(inbox.size());
        std::size_t k = 0;
        for (auto& [m, comm] : inbox)
            comm = receive(m, &sinks[k++]);
        std::vector<sg4::CommPtr> sent;
        for (const PipeOp& op : ops) {
            for (const PipeMsg& m : op_inputs(op, rank, prog->pp))
                inbox.at(m)->wait();
            run_op(op);
            for (const PipeMsg& m : op_outputs(op, rank, prog->pp))
                sent.push_back(send(m));
        }
        out->end_s[ri] = sg4::Engine::get_clock();
        if (setup->on_rank_end) setup->on_rank_end(rank);
        if (!sent.empty()) sg4::Comm::wait_all(sent);
        if (!background->empty()) sg4::Comm::wait_all(*background);
        // SimGrid keeps an actor's code (this functor) as long as the actor, and each comm keeps its sending
        // actor: comms left here would close a reference cycle that is never freed (LeakSanitizer).
        background->clear();
    }
};

} // namespace

void create_pipeline_actors(const PipelinePrograms& prog, const std::vector<ChunkTimes>& by_position,
                            const PipelineActorsSetup& setup, PipelineActorsOutput* out) {
    const int pp = prog.pp;
    MOETWIN_ASSERT(int(by_position.size()) == pp && int(prog.ranks.size()) == pp &&
                       int(setup.rank_hosts.size()) == pp && setup.msg_bytes >= 0 &&
                       (setup.nic_bytes_per_chunk.empty() ||
                        (int(setup.nic_bytes_per_chunk.size()) == pp && int(setup.nic_peers.size()) == pp)),
                   "create_pipeline_actors: one chunk time and one host per rank");
    out->spans.assign(std::size_t(pp), {});
    out->end_s.assign(std::size_t(pp), 0.0);
    out->sent_B.assign(std::size_t(pp), 0.0);
    out->received_B.assign(std::size_t(pp), 0.0);
    for (int r = 0; r < pp; ++r) {
        const RankActor actor{&prog, &by_position, &setup, out, r};
        sg4::Actor::create("pp" + std::to_string(r), setup.rank_hosts[std::size_t(r)], actor);
        int n = 0; // ops loading the NIC
        for (const PipeOp& op : prog.ranks[std::size_t(r)])
            n += actor.nic_bytes(op) > 0 ? 1 : 0;
        if (n == 0) continue;
        const std::string rs = std::to_string(r);
        sg4::Actor::create("a2a.sink.out." + rs, setup.nic_peers[std::size_t(r)].first,
                           [rs, n] { a2a_sink("a2a.out." + rs, n); });
        sg4::Actor::create("a2a.sink.in." + rs, setup.rank_hosts[std::size_t(r)],
                           [rs, n] { a2a_sink("a2a.in." + rs, n); });
    }
}

PipelineRun simulate_pipeline_actors(const PipelinePrograms& prog, const std::vector<ChunkTimes>& by_position,
                                     double p2p_s) {
    MOETWIN_ASSERT(p2p_s >= 0, "simulate_pipeline_actors: a non-negative p2p time");
    char arg0[]  = "moetwin";
    char arg1[]  = "--log=root.thres:warning";
    int argc     = 2;
    char* argv[] = {arg0, arg1, nullptr};
    sg4::Engine engine(&argc, argv);
    configure_network_model("CM02", false);
    auto* zone = sg4::create_full_zone("pipeline");
    PipelineActorsSetup setup;
    for (int r = 0; r < prog.pp; ++r)
        setup.rank_hosts.push_back(zone->create_host("rank" + std::to_string(r), kGpuHostSpeedFlops));
    // Every ordered pair its own fat-pipe link: a transfer of 0 bytes then takes exactly its latency, p2p_s.
    constexpr double kUnboundedBps = 1e30; // no bandwidth term (0 bytes are sent anyway)
    for (int s = 0; s < prog.pp; ++s)
        for (int d = 0; d < prog.pp; ++d) {
            if (s == d) continue;
            auto* link = zone->create_link("p2p" + std::to_string(s) + "_" + std::to_string(d), kUnboundedBps)
                             ->set_latency(p2p_s)
                             ->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE)
                             ->seal();
            zone->add_route(setup.rank_hosts[std::size_t(s)]->get_netpoint(),
                            setup.rank_hosts[std::size_t(d)]->get_netpoint(), nullptr, nullptr,
                            {sg4::LinkInRoute(link)}, false);
        }
    zone->seal();
    PipelineActorsOutput out;
    create_pipeline_actors(prog, by_position, setup, &out);
    engine.run();
    return finish_pipeline_run(out.spans, out.end_s);
}

} // namespace moetwin::step
