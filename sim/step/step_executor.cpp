// SPDX-License-Identifier: Apache-2.0
// execute_step(): a SimEngine, per-GPU actors walking the step program, phases created lazily.
#include "sim/step/step_executor.hpp"

#include "common/errors.hpp"
#include "sim/network/deepep_notify.hpp"

#include <algorithm>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/ConditionVariable.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Mutex.hpp>

#include <memory>

namespace sg4 = simgrid::s4u;

namespace moetwin::step {
namespace {

// Comm id of a MoE (layer, micro-batch, direction).
int comm_id(const StepPlan& p, int layer, int mb, CommDirection d) {
    return ((layer - p.num_dense) * p.micro_batches + mb) * 2 + int(d);
}

// Per-GPU handshake between the compute actor and the comm-lane actor.
struct GpuLane {
    sg4::MutexPtr mutex          = sg4::Mutex::create();
    sg4::ConditionVariablePtr cv = sg4::ConditionVariable::create();
    std::vector<char> signaled, done;
};

struct Sim {
    const StepPlan& plan;
    const Router& router;
    CommFabric& fabric;
    PhaseOptions phase_options;
    std::array<double, 2> normal_rate_share; // [dispatch, combine], ExecOptions
    RoutePolicy ll_policy;
    double notify_s; // normal mode: notify_dispatch before each dispatch joins (0: low-latency)
    const ProgressFn& progress;
    int reported_tenths = 0;                            // GPU 0's last progress report, in tenths of the layers
    std::vector<std::shared_ptr<AllToAllPhase>> phases; // by comm id, live while in use
    std::vector<char> created;                          // by comm id: creation begun
    sg4::MutexPtr create_mutex          = sg4::Mutex::create();
    sg4::ConditionVariablePtr create_cv = sg4::ConditionVariable::create();
    std::vector<int> waits;      // ranks done with each phase
    std::vector<int> lane_order; // comm ids in signal order
    std::vector<GpuLane> lanes;  // serial comm lane only
    StepTrace trace;
    RouteTable routes{router};                  // every phase's routes, computed once per GPU pair
    std::vector<std::vector<Flow>> spare_flows; // storage of finished phases, for the next ones

    // The first rank to need a phase builds it. NOTES: creating a phase creates s4u synchronisation
    // objects, which yields to other actors, hence the mutex around the creation.
    AllToAllPhase& phase(int id) {
        auto& ph = phases[std::size_t(id)];
        if (ph) return *ph; // built: no simcall needed (actors switch only inside simcalls)
        std::unique_lock lock(*create_mutex);
        if (!created[std::size_t(id)]) {
            created[std::size_t(id)] = 1;
            const int mb = (id / 2) % plan.micro_batches, layer = plan.num_dense + id / 2 / plan.micro_batches;
            DeepEpOptions opt;
            opt.mode      = plan.comm_mode;
            opt.direction = id % 2 == 0 ? CommDirection::Dispatch : CommDirection::Combine;
            opt.shape     = plan.comm_shape;
            opt.ll_policy = ll_policy;
            std::vector<Flow> storage;
            if (!spare_flows.empty()) {
                storage = std::move(spare_flows.back());
                spare_flows.pop_back();
            }
            FlowSet fs = build_deepep_flows(plan.route(layer, mb).traffic, routes, first_gpus(plan.num_gpus), opt,
                                            std::move(storage));
            for (const Flow& f : fs.flows) {
                if (f.hop_end == f.hop_begin) continue;
                trace.gpu_bytes_sent[std::size_t(f.src)] += f.bytes;
                trace.gpu_bytes_received[std::size_t(f.dst)] += f.bytes;
            }
            PhaseOptions po = phase_options;
            if (plan.comm_mode == DeepEpMode::Normal) po.rate_share = normal_rate_share[id % 2];
            ph = fabric.create_phase(std::move(fs), po);
            create_cv->notify_all();
        }
        create_cv->wait(lock, [&] { return ph != nullptr; });
        return *ph;
    }
    // TP all-reduces (StepPlan::tp): one ring phase per (layer, micro-batch, slot, group), built lazily
    // by the group's first rank, as phase() does.
    std::vector<std::shared_ptr<AllToAllPhase>> tp_phases;
    std::vector<char> tp_created;
    std::vector<int> tp_waits;
    int tp_groups() const { return plan.num_gpus / plan.tp.group_size; }
    int tp_id(int layer, int mb, int slot, int group) const {
        return ((layer * plan.micro_batches + mb) * 2 + slot) * tp_groups() + group;
    }
    AllToAllPhase& tp_phase(int id, int layer, int mb, int group) {
        auto& ph = tp_phases[std::size_t(id)];
        if (ph) return *ph;
        std::unique_lock lock(*create_mutex);
        if (!tp_created[std::size_t(id)]) {
            tp_created[std::size_t(id)] = 1;
            const int n                 = plan.tp.group_size;
            const int pass              = plan.is_mtp(layer) ? layer - (plan.num_layers() - plan.num_mtp) : 0;
            const double bytes = plan.tp.bytes[std::size_t(pass)][std::size_t(group * plan.micro_batches + mb)];
            std::vector<int> gpus(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i)
                gpus[std::size_t(i)] = group * n + i;
            FlowSet fs = ring_allreduce_flows(router, gpus, bytes);
            for (const Flow& f : fs.flows) {
                trace.gpu_bytes_sent[std::size_t(fs.gpu_of_rank[std::size_t(f.src)])] += f.bytes;
                trace.gpu_bytes_received[std::size_t(fs.gpu_of_rank[std::size_t(f.dst)])] += f.bytes;
            }
            const PhaseOptions po = ring_allreduce_options(fs, router.topology());
            ph                    = fabric.create_phase(std::move(fs), po);
            create_cv->notify_all();
        }
        create_cv->wait(lock, [&] { return ph != nullptr; });
        return *ph;
    }
    void tp_finished(int id) {
        if (++tp_waits[std::size_t(id)] < plan.tp.group_size) return;
        if (fabric.backend() == CommBackend::Fluid)
            for (const LinkLoad& l : tp_phases[std::size_t(id)]->link_loads())
                trace.link_busy.push_back(l);
        tp_phases[std::size_t(id)].reset();
    }
    // TP all-reduces after compute instruction `in`: the slots of the attention side and a split MLP.
    int tp_allreduces_after(const Instr& in) const {
        if (!plan.tp.enabled() || in.layer < 0) return 0;
        if (in.stage == Stage::Dense) return plan.tp.per_dense_layer;
        const bool attention_end = in.stage == Stage::Attn || in.stage == Stage::Attn1;
        return attention_end && in.layer >= plan.num_dense ? plan.tp.per_moe_layer : 0;
    }
    // Seconds of `in` before its first all-reduce: a dense layer's attention part, else all of it.
    double before_first_allreduce_s(int gpu, const Instr& in, double total_s) const {
        if (in.stage != Stage::Dense) return total_s;
        return plan.tp.dense_attn_s[(std::size_t(gpu) * std::size_t(plan.num_dense) + std::size_t(in.layer)) *
                                        std::size_t(plan.micro_batches) +
                                    std::size_t(in.micro_batch)];
    }
    // A batch-aware dispatch policy's cost before dispatch `id` (StepPlan::replica_choice_s).
    double replica_choice_s(int id) const {
        return plan.replica_choice_s.empty() ? 0.0 : plan.replica_choice_s[std::size_t(id / 2)];
    }
    void report(int layer) {
        const int tenths = 10 * layer / std::max(1, plan.num_layers());
        if (tenths <= reported_tenths) return;
        reported_tenths = tenths;
        progress(0.5 + 0.045 * tenths, "simulating layer " + std::to_string(layer + 1) + "/" +
                                           std::to_string(plan.num_layers()) + " (GPU 0)");
    }
    void finished(int id) {
        if (++waits[std::size_t(id)] == plan.num_gpus) {
            if (fabric.backend() == CommBackend::Fluid) // SimGrid flows: no per-link timing (LinkLoad)
                for (const LinkLoad& l : phases[std::size_t(id)]->link_loads())
                    trace.link_busy.push_back(l);
            if (fabric.backend() == CommBackend::Fluid) // SimGrid senders may still read their flows
                spare_flows.push_back(phases[std::size_t(id)]->take_flow_storage());
            phases[std::size_t(id)].reset();
        }
    }
    // A rank's part of phase `id`, from `begin` (when it went to start it) to `end`. Normal mode
    // splits it: notify (notify_dispatch / cached_notify, barrier wait included) until the phase's
    // overhead after its last rank joined has passed, then the transfer.
    void comm_span(int gpu, int id, double begin, double end, const AllToAllPhase& ph) {
        const int mb = (id / 2) % plan.micro_batches, layer = plan.num_dense + id / 2 / plan.micro_batches;
        const Lane lane = id % 2 == 0 ? Lane::Dispatch : Lane::Combine;
        end             = std::max(begin, end);
        if (plan.comm_mode == DeepEpMode::Normal) {
            const double ready = std::clamp(ph.timing().start_s + phase_options.overhead_s, begin, end);
            trace.spans.push_back({gpu, lane, begin, ready, layer, mb, Stage::Attn, true});
            begin = ready;
        }
        trace.spans.push_back({gpu, lane, begin, end, layer, mb, Stage::Attn, false});
    }

    // Compute stages advance this GPU's own clock `now` without a SimGrid sleep each; SimGrid's
    // clock catches up (one sleep) only before the GPU interacts: a signal (a phase starts when its
    // last rank joins, at that rank's clock) or a wait whose phase has not ended. A wait on a phase
    // already solved for this rank just moves `now` to its completion. Same times as one sleep per
    // stage, with fewer context switches (each sleep or simcall costs two): decode SimGrid
    // 0.325 -> 0.30 s on the bench machine of sim/step/PERF.md.
    void compute_actor(int r) {
        const bool serial = plan.program.serial_comm_lane();
        std::vector<AllToAllHandle> handles(serial ? 0 : phases.size());
        std::vector<double> begin(serial ? 0 : phases.size());
        double now    = sg4::Engine::get_clock();
        auto catch_up = [&] {
            if (now > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(now);
            now = sg4::Engine::get_clock();
        };
        for (const Instr& in : plan.program.instrs) {
            if (r == 0 && progress && in.layer >= 0) report(in.layer);
            if (in.kind == Instr::Compute) {
                const double t       = plan.seconds(r, in.layer, in.micro_batch, in.stage);
                const int allreduces = tp_allreduces_after(in);
                if (t <= 0 && allreduces == 0) continue;
                if (allreduces == 0) {
                    trace.spans.push_back({r, Lane::Compute, now, now + t, in.layer, in.micro_batch, in.stage});
                    now += t;
                    continue;
                }
                const double first = before_first_allreduce_s(r, in, t);
                for (int slot = 0; slot < allreduces; ++slot) {
                    const double part = slot == 0 ? first : t - first;
                    if (part > 0) {
                        trace.spans.push_back({r, Lane::Compute, now, now + part, in.layer, in.micro_batch, in.stage});
                        now += part;
                    }
                    const int n = plan.tp.group_size, group = r / n;
                    const int id         = tp_id(in.layer, in.micro_batch, slot, group);
                    const double begin_s = now;
                    catch_up();
                    AllToAllHandle h = tp_phase(id, in.layer, in.micro_batch, group).start(r % n);
                    h.wait();
                    now = std::max(sg4::Engine::get_clock(), h.phase->completion_s(r % n));
                    trace.spans.push_back(
                        {r, Lane::Compute, begin_s, now, in.layer, in.micro_batch, in.stage, false, true});
                    h = {};
                    tp_finished(id);
                }
                if (allreduces == 1 && t - first > 0) { // a dense layer's FFN after attention's all-reduce
                    trace.spans.push_back({r, Lane::Compute, now, now + t - first, in.layer, in.micro_batch, in.stage});
                    now += t - first;
                }
                continue;
            }
            const int id = comm_id(plan, in.layer, in.micro_batch, in.dir);
            if (serial) {
                GpuLane& lane = lanes[std::size_t(r)];
                if (in.kind == Instr::Wait && lane.done[std::size_t(id)]) continue; // ended before `now`
                catch_up();
                std::unique_lock lock(*lane.mutex);
                if (in.kind == Instr::Signal) {
                    lane.signaled[std::size_t(id)] = 1;
                    lane.cv->notify_all();
                } else {
                    lane.cv->wait(lock, [&] { return lane.done[std::size_t(id)] != 0; });
                    now = sg4::Engine::get_clock();
                }
            } else if (in.kind == Instr::Signal) {
                begin[std::size_t(id)] = now;
                if (id % 2 == 0) now += notify_s + replica_choice_s(id); // layout + notify_dispatch (+ replica choice)
                catch_up();
                handles[std::size_t(id)] = phase(id).start(r);
            } else {
                AllToAllHandle& h = handles[std::size_t(id)];
                if (h.phase->done_for(r)) {
                    now = std::max(now, h.phase->completion_s(r));
                } else {
                    catch_up();
                    h.wait();
                    now = sg4::Engine::get_clock();
                }
                comm_span(r, id, begin[std::size_t(id)], h.phase->completion_s(r), *h.phase);
                h = {};
                finished(id);
            }
        }
        catch_up();
    }

    void comm_lane_actor(int r) {
        GpuLane& lane = lanes[std::size_t(r)];
        for (int id : lane_order) {
            {
                std::unique_lock lock(*lane.mutex);
                lane.cv->wait(lock, [&] { return lane.signaled[std::size_t(id)] != 0; });
            }
            const double t0 = sg4::Engine::get_clock();
            if (id % 2 == 0 && notify_s + replica_choice_s(id) > 0)
                sg4::this_actor::sleep_for(notify_s +
                                           replica_choice_s(id)); // layout + notify_dispatch (+ replica choice)
            AllToAllHandle h = phase(id).start(r);
            h.wait();
            comm_span(r, id, t0, h.phase->completion_s(r), *h.phase);
            h = {};
            finished(id);
            std::unique_lock lock(*lane.mutex);
            lane.done[std::size_t(id)] = 1;
            lane.cv->notify_all();
        }
    }
};

} // namespace

ExecOptions exec_options_for(const Scenario& s) {
    ExecOptions o;
    o.network.backend       = s.network.backend;
    o.network.calibration   = s.network.calibration;
    o.network.simgrid_model = s.network.simgrid_model;
    o.network.crosstraffic  = s.network.crosstraffic;
    o.network.deepep        = s.network.deepep;
    o.comm_sms              = s.schedule.comm_sms;
    o.hbm_Bps               = s.gpu.hbm_bandwidth_Bps;
    return o;
}

StepTrace execute_step(const StepPlan& plan, const Router& router, const ExecOptions& options,
                       const ProgressFn& progress) {
    if (router.topology().num_gpus() < plan.num_gpus)
        throw ConfigError("step: the cluster has " + std::to_string(router.topology().num_gpus()) +
                          " GPUs, the unit needs " + std::to_string(plan.num_gpus));

    // The rates this step's kernels reach: normal mode on comm_sms SMs (channel limit) and, for
    // v1_2025_02, through the CPU proxy; low-latency kernels hold no SMs.
    const bool normal               = plan.comm_mode == DeepEpMode::Normal;
    NetworkOptions network          = options.network;
    network.calibration             = options.network.calibration.for_kernels(normal, options.comm_sms);
    const NetworkCalibration& calib = network.calibration;
    SimEngine engine(router, network);
    const PlatformMap& platform = engine.platform();
    double notify_s             = 0;
    if (normal && plan.num_moe > 0) {
        const LayerRouting& first = plan.route(plan.num_dense, 0); // micro-batches and layers alike in size
        notify_s = notify_dispatch_cost(router, plan.num_gpus, double(first.num_tokens) / plan.num_gpus,
                                        plan.comm_shape.num_topk, options.hbm_Bps)
                       .total_s();
    }

    const int num_comm = plan.num_moe * plan.micro_batches * 2;
    Sim sim{plan,
            router,
            engine.fabric(),
            deepep_phase_options(plan.comm_mode, calib),
            {options.normal_rate_share[0], options.normal_rate_share[1]},
            router.has_scale_out() ? low_latency_policy(options.network.deepep) : RoutePolicy::NvlinkFirst,
            notify_s,
            progress};
    sim.phases.resize(std::size_t(num_comm));
    sim.created.assign(std::size_t(num_comm), 0);
    sim.waits.assign(std::size_t(num_comm), 0);
    sim.trace.gpu_bytes_sent.assign(std::size_t(plan.num_gpus), 0.0);
    sim.trace.gpu_bytes_received.assign(std::size_t(plan.num_gpus), 0.0);
    if (plan.tp.enabled()) {
        const std::size_t num_tp =
            std::size_t(plan.num_layers()) * std::size_t(plan.micro_batches) * 2 * std::size_t(sim.tp_groups());
        sim.tp_phases.resize(num_tp);
        sim.tp_created.assign(num_tp, 0);
        sim.tp_waits.assign(num_tp, 0);
    }
    for (const Instr& in : plan.program.instrs)
        if (in.kind == Instr::Signal) sim.lane_order.push_back(comm_id(plan, in.layer, in.micro_batch, in.dir));
    const bool serial = plan.program.serial_comm_lane();
    if (serial) {
        sim.lanes.resize(std::size_t(plan.num_gpus));
        for (GpuLane& l : sim.lanes) {
            l.signaled.assign(std::size_t(num_comm), 0);
            l.done.assign(std::size_t(num_comm), 0);
        }
    }
    for (int r = 0; r < plan.num_gpus; ++r) {
        sg4::Host* host = platform.gpu_hosts[std::size_t(r)];
        sg4::Actor::create("gpu" + std::to_string(r), host, [&sim, r] { sim.compute_actor(r); });
        if (serial && num_comm > 0)
            sg4::Actor::create("gpu" + std::to_string(r) + ".comm", host, [&sim, r] { sim.comm_lane_actor(r); });
    }
    sim.trace.platform_wall_s = engine.setup_wall_s();
    sim.trace.step_s          = engine.run();
    sim.trace.run_wall_s      = engine.run_wall_s();
    sim.trace.link_bytes      = engine.fabric().link_bytes();
    sim.trace.calibration     = calib;
    return std::move(sim.trace);
}

std::array<double, 2> in_situ_rate_shares(const CalibrationFile* calibration) {
    std::array<double, 2> share{1, 1};
    if (!calibration) return share;
    double sum[2] = {0, 0};
    int n[2]      = {0, 0};
    for (const DeepEpInSitu& d : calibration->deepep) {
        if (d.rate_share <= 0) continue; // notify and layout kernels move no payload
        const int k = d.kernel == "deepep_dispatch" ? 0 : d.kernel == "deepep_combine" ? 1 : -1;
        if (k < 0) continue;
        sum[k] += d.rate_share;
        ++n[k];
    }
    for (int k = 0; k < 2; ++k)
        if (n[k] > 0) share[std::size_t(k)] = sum[k] / n[k];
    return share;
}

} // namespace moetwin::step
