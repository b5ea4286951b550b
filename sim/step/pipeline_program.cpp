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

// dualpipe.py's DualPipe.step() for one rank (reference §9 lists its 8 phases and their step counts).
// Local phase 0 is the chunk this rank is nearer the start of: direction 0 in the first half of the
// ranks, direction 1 in the second (dualpipe.py: phase ^= is_in_second_half).
std::vector<PipeOp> dualpipe(int n, int chunks, int r) {
    const int half = n / 2, half_chunks = chunks / 2;
    const int h       = std::min(r, n - 1 - r);
    const bool second = r >= half;
    const bool middle = h == half - 1;
    const auto dir    = [&](int phase) { return phase ^ (second ? 1 : 0); };
    int fc[2] = {0, 0}, bc[2] = {0, 0};
    std::deque<std::pair<int, int>> wq; // queued weight gradients (WeightGradStore), oldest first
    std::vector<PipeOp> p;
    const auto F = [&](int ph) { p.push_back({PipeOpKind::F, dir(ph), fc[ph]++}); };
    const auto B = [&](int ph, bool zb) {
        if (zb) {
            p.push_back({PipeOpKind::B, dir(ph), bc[ph]});
            wq.emplace_back(dir(ph), bc[ph]);
        } else {
            p.push_back({PipeOpKind::BW, dir(ph), bc[ph]});
        }
        ++bc[ph];
    };
    const auto W = [&] {
        p.push_back({PipeOpKind::W, wq.front().first, wq.front().second});
        wq.pop_front();
    };
    const auto FB = [&](int pf, int pb) { p.push_back({PipeOpKind::FB, dir(pf), fc[pf]++, dir(pb), bc[pb]++}); };
    for (int i = 0; i < (half - h - 1) * 2; ++i) // 1: nF0
        F(0);
    for (int i = 0; i < h + 1; ++i) { // 2: nF0F1
        F(0);
        F(1);
    }
    for (int i = 0; i < half - h - 1; ++i) { // 3: nB1W1F1 (zero bubble)
        B(1, true);
        W();
        F(1);
    }
    for (int i = 0; i < half_chunks - n + h + 1; ++i) { // 4: main nF0B1F1B0
        if (i == 0 && middle) {                         // dualpipe.py does not overlap these two, to shrink the bubble
            F(0);
            B(1, false);
        } else {
            FB(0, 1);
        }
        FB(1, 0);
    }
    for (int i = 0; i < half - h - 1; ++i) { // 5: nB1F1B0
        B(1, false);
        FB(1, 0);
    }
    bool zb = false;
    for (int i = 0; i < h + 1; ++i) { // 6: nB1B0, the second half with zero bubble
        if (i == (h + 1) / 2 && h % 2 == 1) zb = true;
        B(1, zb);
        if (i == (h + 1) / 2 && h % 2 == 0) zb = true;
        B(0, zb);
    }
    for (int i = 0; i < half - h - 1; ++i) { // 7: nWB0
        W();
        B(0, true);
    }
    for (int i = 0; i < h + 1; ++i) // 8: nW
        W();
    MOETWIN_ASSERT(wq.empty() && fc[0] == half_chunks && fc[1] == half_chunks && bc[0] == half_chunks &&
                       bc[1] == half_chunks,
                   "DualPipe program does not cover its micro-batches");
    return p;
}

} // namespace

std::ostream& operator<<(std::ostream& out, const PipeOp& op) {
    static constexpr const char* kNames[] = {"F", "B", "BW", "W", "FB"};
    out << kNames[int(op.kind)] << op.dir << '.' << op.mb;
    if (op.kind == PipeOpKind::FB) out << '/' << op.dir_b << '.' << op.mb_b;
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
        for (int r = 0; r < pp; ++r)
            out.ranks.push_back(dualpipe(pp, m, r));
        break;
    }
    return out;
}

} // namespace moetwin::step
