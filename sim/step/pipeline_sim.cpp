// SPDX-License-Identifier: Apache-2.0
#include "sim/step/pipeline_sim.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace moetwin::step {
namespace {

bool has_forward(PipeOpKind k) {
    return k == PipeOpKind::F || k == PipeOpKind::FB;
}
// The backward part of an op: (dir, mb), or dir −1 when it has none.
std::pair<int, int> backward_of(const PipeOp& op) {
    switch (op.kind) {
    case PipeOpKind::B:
    case PipeOpKind::BW:
        return {op.dir, op.mb};
    case PipeOpKind::FB:
        return {op.dir_b, op.mb_b};
    default:
        return {-1, 0};
    }
}
// The (dir, mb) whose weight gradient the op ends with, dir −1 when none.
std::pair<int, int> weight_of(const PipeOp& op) {
    switch (op.kind) {
    case PipeOpKind::BW:
    case PipeOpKind::W:
        return {op.dir, op.mb};
    case PipeOpKind::FB:
        return {op.dir_b, op.mb_b};
    default:
        return {-1, 0};
    }
}

} // namespace

double op_seconds(const PipeOp& op, int rank, int pp, const std::vector<ChunkTimes>& c) {
    const auto at = [&](int dir) -> const ChunkTimes& { return c[std::size_t(stage_position(dir, rank, pp))]; };
    switch (op.kind) {
    case PipeOpKind::F:
        return at(op.dir).f_s;
    case PipeOpKind::B:
        return at(op.dir).b_s;
    case PipeOpKind::BW:
        return at(op.dir).full_backward_s();
    case PipeOpKind::W:
        return at(op.dir).w_s;
    case PipeOpKind::FB: {
        const ChunkTimes &f = at(op.dir), &b = at(op.dir_b);
        const auto ratio = [](const ChunkTimes& t) {
            const double sum = t.f_s + t.full_backward_s();
            return sum > 0 ? t.fb_s / sum : 1.0;
        };
        return (f.f_s + b.full_backward_s()) * 0.5 * (ratio(f) + ratio(b));
    }
    }
    return 0;
}

namespace {

// Eager transfers (1F1B, ZB1P): an op's outputs arrive p2p_s after it ends; receives are posted at the start.
void run_eager(const PipelinePrograms& prog, const std::vector<ChunkTimes>& by_position, double p2p_s,
               std::vector<double>& clock, std::vector<std::vector<PipeSpan>>& spans) {
    const int pp = prog.pp;
    // Arrival of an op's input at a stage position: (forward 0 / backward 1, dir, mb, position) -> seconds.
    std::map<std::tuple<int, int, int, int>, double> arrival;
    std::vector<std::size_t> next(std::size_t(pp), 0);
    std::size_t total = 0, done = 0;
    for (const auto& r : prog.ranks)
        total += r.size();
    while (done < total) {
        bool progressed = false;
        for (int r = 0; r < pp; ++r) {
            const auto ri = std::size_t(r);
            while (next[ri] < prog.ranks[ri].size()) {
                const PipeOp& op = prog.ranks[ri][next[ri]];
                double start     = clock[ri];
                bool ready       = true;
                if (has_forward(op.kind)) {
                    const int p = stage_position(op.dir, r, pp);
                    if (p > 0) {
                        const auto it = arrival.find({0, op.dir, op.mb, p});
                        if (it == arrival.end())
                            ready = false;
                        else
                            start = std::max(start, it->second);
                    }
                }
                const auto [bd, bm] = backward_of(op);
                if (bd >= 0) {
                    const int p = stage_position(bd, r, pp);
                    if (p < pp - 1) {
                        const auto it = arrival.find({1, bd, bm, p});
                        if (it == arrival.end())
                            ready = false;
                        else
                            start = std::max(start, it->second);
                    }
                }
                if (!ready) break;
                const double end = start + op_seconds(op, r, pp, by_position);
                if (has_forward(op.kind)) {
                    const int p = stage_position(op.dir, r, pp);
                    if (p < pp - 1) arrival[{0, op.dir, op.mb, p + 1}] = end + p2p_s;
                }
                if (bd >= 0) {
                    const int p = stage_position(bd, r, pp);
                    if (p > 0) arrival[{1, bd, bm, p - 1}] = end + p2p_s;
                }
                spans[ri].push_back({r, op, start, end});
                clock[ri] = end;
                ++next[ri];
                ++done;
                progressed = true;
            }
        }
        MOETWIN_ASSERT(progressed, "pipeline program deadlocked");
    }
}

// DualPipe's commits (pipeline_program.hpp): a transfer starts when both its send and its receive are posted
// (each at the time its rank reaches the commit holding it) and ends p2p_s later; a commit ends when all its
// transfers have ended, and the rank's next op (or its end) follows.
void run_commits(const PipelinePrograms& prog, const std::vector<ChunkTimes>& by_position, double p2p_s,
                 std::vector<double>& clock, std::vector<std::vector<PipeSpan>>& spans) {
    const int pp = prog.pp;
    struct Posts {
        double send_s = -1, recv_s = -1;
    };
    std::map<PipeMsg, Posts> posts;
    std::vector<std::size_t> next(std::size_t(pp), 0); // the commit each rank is at
    std::vector<char> posted(std::size_t(pp), 0);
    std::size_t total = 0, done = 0;
    for (const auto& r : prog.commits)
        total += r.size();
    while (done < total) {
        bool progressed = false;
        for (int r = 0; r < pp; ++r) {
            const auto ri = std::size_t(r);
            while (next[ri] < prog.commits[ri].size()) {
                const PipeCommit& c = prog.commits[ri][next[ri]];
                if (!posted[ri]) {
                    for (const PipeMsg& m : c.sends)
                        posts[m].send_s = clock[ri];
                    for (const PipeMsg& m : c.recvs)
                        posts[m].recv_s = clock[ri];
                    posted[ri] = 1;
                    progressed = true;
                }
                double end = clock[ri];
                bool ready = true;
                for (const auto* list : {&c.sends, &c.recvs})
                    for (const PipeMsg& m : *list) {
                        const Posts& p = posts[m];
                        if (p.send_s < 0 || p.recv_s < 0)
                            ready = false;
                        else
                            end = std::max(end, std::max(p.send_s, p.recv_s) + p2p_s);
                    }
                if (!ready) break;
                clock[ri]  = end;
                posted[ri] = 0;
                if (next[ri] < prog.ranks[ri].size()) {
                    const PipeOp& op = prog.ranks[ri][next[ri]];
                    const double e   = end + op_seconds(op, r, pp, by_position);
                    spans[ri].push_back({r, op, end, e});
                    clock[ri] = e;
                }
                ++next[ri];
                ++done;
                progressed = true;
            }
        }
        MOETWIN_ASSERT(progressed, "pipeline program deadlocked");
    }
}

} // namespace

PipelineRun finish_pipeline_run(const std::vector<std::vector<PipeSpan>>& spans, const std::vector<double>& end_s) {
    const int pp = int(spans.size());
    PipelineRun out;
    out.step_s = *std::max_element(end_s.begin(), end_s.end());
    for (int r = 0; r < pp; ++r) {
        double busy = 0;
        int live = 0, peak = 0;
        for (const PipeSpan& s : spans[std::size_t(r)]) {
            busy += s.end_s - s.begin_s;
            if (has_forward(s.op.kind)) peak = std::max(peak, ++live);
            if (weight_of(s.op).first >= 0) --live;
            out.spans.push_back(s);
        }
        out.busy_s.push_back(busy);
        out.bubble_s.push_back(out.step_s - busy);
        out.peak_live.push_back(peak);
    }
    return out;
}

PipelineRun simulate_pipeline(const PipelinePrograms& prog, const std::vector<ChunkTimes>& by_position, double p2p_s) {
    const int pp = prog.pp;
    MOETWIN_ASSERT(int(by_position.size()) == pp && int(prog.ranks.size()) == pp && p2p_s >= 0,
                   "simulate_pipeline: one chunk time per stage position and a non-negative p2p time");
    std::vector<double> clock(std::size_t(pp), 0);
    std::vector<std::vector<PipeSpan>> spans{std::size_t(pp)};
    if (prog.commits.empty())
        run_eager(prog, by_position, p2p_s, clock, spans);
    else
        run_commits(prog, by_position, p2p_s, clock, spans);
    return finish_pipeline_run(spans, clock);
}

} // namespace moetwin::step
