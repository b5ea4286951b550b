// SPDX-License-Identifier: Apache-2.0
#include "sim/step/pipeline_program.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <string>

namespace moetwin::step {
namespace {

std::vector<PipeOp> one_f_one_b(int pp, int m, int r) {
    std::vector<PipeOp> p;
    const int warm = std::min(pp - 1 - r, m);
    for (int k = 0; k < warm; ++k)
        p.push_back({PipeOpKind::F, 0, k});
    for (int k = 0; k < m - warm; ++k) {
        p.push_back({PipeOpKind::F, 0, warm + k});
        p.push_back({PipeOpKind::BW, 0, k});
    }
    for (int k = m - warm; k < m; ++k)
        p.push_back({PipeOpKind::BW, 0, k});
    return p;
}

// The greedy zero-bubble order at unit times (F = B = W = 1, no transfer time): whenever a rank is free it
// runs, among the ops whose inputs have arrived, an input gradient first, then a forward (at most pp − r
// forwards ahead of the backwards), then the oldest queued weight gradient; a rank with nothing ready
// waits for its earliest input. Ties between ranks go to the earliest start, then the lowest rank.
std::vector<std::vector<PipeOp>> zero_bubble(int pp, int m) {
    std::vector<std::vector<PipeOp>> progs{std::size_t(pp)};
    std::vector<int> nf(std::size_t(pp), 0), nb(std::size_t(pp), 0);
    std::vector<long> clock(std::size_t(pp), 0);
    std::vector<std::deque<int>> wq{std::size_t(pp)};
    std::map<std::pair<int, int>, long> f_arrival, b_arrival; // (rank, micro-batch) -> unit time
    constexpr long kNever = std::numeric_limits<long>::max();
    for (int done = 0; done < 3 * m * pp; ++done) {
        long best_t = kNever;
        int best_r = -1, best_kind = -1;
        for (int r = 0; r < pp; ++r) {
            const auto ri = std::size_t(r);
            long t[3]     = {kNever, kNever, kNever}; // B, F, W
            if (nb[ri] < nf[ri]) {
                if (r == pp - 1)
                    t[0] = clock[ri];
                else if (auto it = b_arrival.find({r, nb[ri]}); it != b_arrival.end())
                    t[0] = std::max(clock[ri], it->second);
            }
            if (nf[ri] < m && nf[ri] - nb[ri] < pp - r) {
                if (r == 0)
                    t[1] = clock[ri];
                else if (auto it = f_arrival.find({r, nf[ri]}); it != f_arrival.end())
                    t[1] = std::max(clock[ri], it->second);
            }
            if (!wq[ri].empty()) t[2] = clock[ri];
            int kind = -1;
            for (int k = 0; k < 3 && kind < 0; ++k) // ready now, by priority
                if (t[k] <= clock[ri]) kind = k;
            if (kind < 0)
                for (int k = 0; k < 3; ++k) // else the earliest to become ready
                    if (t[k] != kNever && (kind < 0 || t[k] < t[kind])) kind = k;
            if (kind >= 0 && t[kind] < best_t) best_t = t[kind], best_r = r, best_kind = kind;
        }
        MOETWIN_ASSERT(best_r >= 0, "zero-bubble schedule deadlocked");
        const auto ri  = std::size_t(best_r);
        const long end = best_t + 1;
        if (best_kind == 0) {
            const int k = nb[ri]++;
            progs[ri].push_back({PipeOpKind::B, 0, k});
            wq[ri].push_back(k);
            if (best_r > 0) b_arrival[{best_r - 1, k}] = end;
        } else if (best_kind == 1) {
            const int k = nf[ri]++;
            progs[ri].push_back({PipeOpKind::F, 0, k});
            if (best_r < pp - 1) f_arrival[{best_r + 1, k}] = end;
        } else {
            progs[ri].push_back({PipeOpKind::W, 0, wq[ri].front()});
            wq[ri].pop_front();
        }
        clock[ri] = end;
    }
    return progs;
}

// dualpipe.py's DualPipe.step() for one rank (reference §9 lists its 8 phases and their step counts), with its
// point-to-point queue: _recv_forward/_send_forward/_recv_backward/_send_backward append to comm_ops, and
// _commit_and_wait_comm() (at the start of every chunk and at the end of the step) posts and waits for them.
// Local phase 0 is the chunk this rank is nearer the start of: direction 0 in the first half of the ranks,
// direction 1 in the second (dualpipe.py: phase ^= is_in_second_half).
class DualPipeRank {
  public:
    DualPipeRank(int n, int chunks, int r) : n_(n), r_(r), second_(r >= n / 2) {
        const int half = n / 2, half_chunks = chunks / 2;
        const int h       = std::min(r, n - 1 - r);
        const bool middle = h == half - 1;           // dualpipe.py is_middle_rank
        for (int i = 0; i < (half - h - 1) * 2; ++i) // 1: nF0
            forward(0);
        recv_forward(0); // 2: nF0F1
        for (int i = 0; i < h + 1; ++i) {
            forward(0, false, middle);
            recv_forward(0);
            forward(1, true, !middle || i < h);
            if (!middle) send_forward(0);
        }
        for (int i = 0; i < half - h - 1; ++i) { // 3: nB1W1F1 (zero bubble)
            backward(1, true);
            recv_forward(1);
            weight();
            forward(1, false);
        }
        for (int i = 0; i < half_chunks - n + h + 1; ++i) { // 4: main nF0B1F1B0
            if (i == 0 && middle) { // dualpipe.py does not overlap these two, to shrink the bubble
                forward(0, false, false);
                send_forward(1);
                backward(1, false, true, false);
                send_forward(0);
                send_backward(1);
            } else {
                forward_backward(0, 1, i != 0);
            }
            forward_backward(1, 0);
        }
        for (int i = 0; i < half - h - 1; ++i) { // 5: nB1F1B0
            backward(1, false);
            forward_backward(1, 0);
        }
        bool zb = false;
        for (int i = 0; i < h + 1; ++i) { // 6: nB1B0, the second half with zero bubble
            if (i == (h + 1) / 2 && h % 2 == 1) zb = true;
            backward(1, zb);
            if (i == (h + 1) / 2 && h % 2 == 0) zb = true;
            backward(0, zb);
        }
        for (int i = 0; i < half - h - 1; ++i) { // 7: nWB0
            weight();
            backward(0, true);
        }
        for (int i = 0; i < h + 1; ++i) // 8: nW
            weight();
        commit();
        MOETWIN_ASSERT(wq_.empty() && fc_[0] == half_chunks && fc_[1] == half_chunks && bc_[0] == half_chunks &&
                           bc_[1] == half_chunks && commits_.size() == ops_.size() + 1,
                       "DualPipe program does not cover its micro-batches");
    }
    std::vector<PipeOp> ops_;
    std::vector<PipeCommit> commits_;

  private:
    int dir(int phase) const { return phase ^ (second_ ? 1 : 0); }
    int pos(int d) const { return stage_position(d, r_, n_); }
    void recv_forward(int ph) {
        const int d = dir(ph);
        if (pos(d) > 0) queue_.recvs.push_back({false, d, rf_[d]++, pos(d)});
    }
    void send_forward(int ph) {
        const int d = dir(ph);
        if (pos(d) < n_ - 1) queue_.sends.push_back({false, d, sf_[d]++, pos(d) + 1});
    }
    void recv_backward(int ph) {
        const int d = dir(ph);
        if (pos(d) < n_ - 1) queue_.recvs.push_back({true, d, rb_[d]++, pos(d)});
    }
    void send_backward(int ph) {
        const int d = dir(ph);
        if (pos(d) > 0) queue_.sends.push_back({true, d, sb_[d]++, pos(d) - 1});
    }
    void commit() {
        commits_.push_back(std::move(queue_));
        queue_ = {};
    }
    void forward(int ph, bool recv = true, bool send = true) { // _forward_chunk
        if (recv) recv_forward(ph);
        commit();
        ops_.push_back({PipeOpKind::F, dir(ph), fc_[dir(ph)]++});
        if (send) send_forward(ph);
    }
    void backward(int ph, bool zb, bool recv = true, bool send = true) { // _backward_chunk
        if (recv) recv_backward(ph);
        commit();
        const int d = dir(ph);
        ops_.push_back({zb ? PipeOpKind::B : PipeOpKind::BW, d, bc_[d]});
        if (zb) wq_.emplace_back(d, bc_[d]);
        ++bc_[d];
        if (send) send_backward(ph);
    }
    void forward_backward(int pf, int pb, bool recv_f = true) { // _forward_backward_chunk
        if (recv_f) recv_forward(pf);
        recv_backward(pb);
        commit();
        ops_.push_back({PipeOpKind::FB, dir(pf), fc_[dir(pf)]++, dir(pb), bc_[dir(pb)]++});
        send_forward(pf);
        send_backward(pb);
    }
    void weight() { // _weight_chunk: WeightGradStore.pop(), oldest first
        commit();
        ops_.push_back({PipeOpKind::W, wq_.front().first, wq_.front().second});
        wq_.pop_front();
    }

    int n_, r_;
    bool second_;
    int fc_[2] = {0, 0}, bc_[2] = {0, 0};                                   // chunk ids by direction
    int rf_[2] = {0, 0}, sf_[2] = {0, 0}, rb_[2] = {0, 0}, sb_[2] = {0, 0}; // transfer ids by direction
    std::deque<std::pair<int, int>> wq_;                                    // queued weight gradients (WeightGradStore)
    PipeCommit queue_;                                                      // comm_ops
};

} // namespace

std::ostream& operator<<(std::ostream& out, const PipeOp& op) {
    static constexpr const char* kNames[] = {"F", "B", "BW", "W", "FB"};
    out << kNames[int(op.kind)] << op.dir << '.' << op.mb;
    if (op.kind == PipeOpKind::FB) out << '/' << op.dir_b << '.' << op.mb_b;
    return out;
}

std::ostream& operator<<(std::ostream& out, const PipeMsg& m) {
    return out << (m.backward ? 'b' : 'f') << m.dir << '.' << m.mb << '>' << m.to;
}

std::vector<PipeMsg> op_inputs(const PipeOp& op, int rank, int pp) {
    std::vector<PipeMsg> in;
    if (op.kind == PipeOpKind::F || op.kind == PipeOpKind::FB) {
        const int p = stage_position(op.dir, rank, pp);
        if (p > 0) in.push_back({false, op.dir, op.mb, p});
    }
    if (op.kind == PipeOpKind::B || op.kind == PipeOpKind::BW || op.kind == PipeOpKind::FB) {
        const int d = op.kind == PipeOpKind::FB ? op.dir_b : op.dir, mb = op.kind == PipeOpKind::FB ? op.mb_b : op.mb;
        const int p = stage_position(d, rank, pp);
        if (p < pp - 1) in.push_back({true, d, mb, p});
    }
    return in;
}

std::vector<PipeMsg> op_outputs(const PipeOp& op, int rank, int pp) {
    std::vector<PipeMsg> out;
    if (op.kind == PipeOpKind::F || op.kind == PipeOpKind::FB) {
        const int p = stage_position(op.dir, rank, pp);
        if (p < pp - 1) out.push_back({false, op.dir, op.mb, p + 1});
    }
    if (op.kind == PipeOpKind::B || op.kind == PipeOpKind::BW || op.kind == PipeOpKind::FB) {
        const int d = op.kind == PipeOpKind::FB ? op.dir_b : op.dir, mb = op.kind == PipeOpKind::FB ? op.mb_b : op.mb;
        const int p = stage_position(d, rank, pp);
        if (p > 0) out.push_back({true, d, mb, p - 1});
    }
    return out;
}

PipelinePrograms build_pipeline_programs(PipelineSchedule schedule, int pp, int m) {
    if (const std::string why = pipeline_requirement_error(schedule, pp, m); !why.empty()) throw ConfigError(why);
    PipelinePrograms out;
    out.schedule      = schedule;
    out.pp            = pp;
    out.micro_batches = m;
    out.directions    = schedule == PipelineSchedule::DualPipe ? 2 : 1;
    switch (schedule) {
    case PipelineSchedule::OneFOneB:
        for (int r = 0; r < pp; ++r)
            out.ranks.push_back(one_f_one_b(pp, m, r));
        break;
    case PipelineSchedule::Zb1p:
        out.ranks = zero_bubble(pp, m);
        break;
    case PipelineSchedule::DualPipe:
        for (int r = 0; r < pp; ++r) {
            DualPipeRank d(pp, m, r);
            out.ranks.push_back(std::move(d.ops_));
            out.commits.push_back(std::move(d.commits_));
        }
        break;
    }
    return out;
}

} // namespace moetwin::step
