// SPDX-License-Identifier: Apache-2.0
// top_points and top_table (sweep_top.hpp).
#include "sim/sweep/sweep_top.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace moetwin::sweep {

std::vector<std::size_t> top_points(const SweepOutcome& outcome, const TopQuery& q) {
    std::vector<std::size_t> ok;
    for (std::size_t i = 0; i < outcome.points.size(); ++i) {
        const PointRecord& p = outcome.points[i];
        if (p.verdict != kVerdictOk) continue;
        const PointMetrics& m = *p.metrics;
        if (q.min_tokens_per_s_per_user > 0 && !(m.tokens_per_s_per_user >= q.min_tokens_per_s_per_user)) continue;
        if (q.max_tpot_ms > 0 && !(latency_ms(p) <= q.max_tpot_ms && !std::isnan(m.tokens_per_s_per_user))) continue;
        if (q.min_tokens_per_s_per_gpu > 0 && !(m.tokens_per_s_per_gpu >= q.min_tokens_per_s_per_gpu)) continue;
        ok.push_back(i);
    }
    // A throughput target alone ranks by tokens/s per user (NaN, prefill, last); otherwise by tokens/s per GPU.
    const bool by_user = q.min_tokens_per_s_per_gpu > 0 && q.min_tokens_per_s_per_user <= 0 && q.max_tpot_ms <= 0;
    const auto score   = [&](std::size_t i) {
        const PointMetrics& m = *outcome.points[i].metrics;
        const double v        = by_user ? m.tokens_per_s_per_user : m.tokens_per_s_per_gpu;
        return std::isnan(v) ? -INFINITY : v;
    };
    std::stable_sort(ok.begin(), ok.end(), [&](std::size_t a, std::size_t b) {
        if (score(a) != score(b)) return score(a) > score(b);
        return cost_per_million_tokens_usd(outcome.points[a]) < cost_per_million_tokens_usd(outcome.points[b]);
    });
    if (ok.size() > q.k) ok.resize(q.k);
    return ok;
}

std::string top_table(const SweepSpec& spec, const SweepOutcome& outcome, const TopQuery& q,
                      const std::vector<std::size_t>& top) {
    std::ostringstream s;
    s << "top " << q.k << " deployments";
    std::string target;
    char buf[160];
    if (q.min_tokens_per_s_per_user > 0) {
        std::snprintf(buf, sizeof buf, "%stokens/s per user >= %g", target.empty() ? "" : ", ",
                      q.min_tokens_per_s_per_user);
        target += buf;
    }
    if (q.max_tpot_ms > 0) {
        std::snprintf(buf, sizeof buf, "%sTPOT <= %g ms", target.empty() ? "" : ", ", q.max_tpot_ms);
        target += buf;
    }
    if (q.min_tokens_per_s_per_gpu > 0) {
        std::snprintf(buf, sizeof buf, "%stokens/s per GPU >= %g", target.empty() ? "" : ", ",
                      q.min_tokens_per_s_per_gpu);
        target += buf;
    }
    const bool by_user = q.min_tokens_per_s_per_gpu > 0 && q.min_tokens_per_s_per_user <= 0 && q.max_tpot_ms <= 0;
    s << (target.empty() ? std::string() : " for " + target) << ", by tokens/s per " << (by_user ? "user" : "GPU")
      << ":\n";
    if (top.empty()) {
        s << "  no simulated point meets the target\n";
        return s.str();
    }
    std::snprintf(buf, sizeof buf, "  %-4s %-6s %12s %12s %12s %10s %-10s  %s\n", "rank", "point", "tok/s/GPU",
                  "tok/s/user", "tok/s/node", "$/Mtok", "bottleneck", "settings; scenario");
    s << buf;
    for (std::size_t r = 0; r < top.size(); ++r) {
        const PointRecord& p  = outcome.points[top[r]];
        const PointMetrics& m = *p.metrics;
        char user[32]         = "-";
        if (!std::isnan(m.tokens_per_s_per_user)) std::snprintf(user, sizeof user, "%.2f", m.tokens_per_s_per_user);
        std::snprintf(buf, sizeof buf, "  %-4zu %-6zu %12.1f %12s %12.0f %10.3f %-10s  ", r + 1, top[r],
                      m.tokens_per_s_per_gpu, user, m.tokens_per_s_per_node, cost_per_million_tokens_usd(p),
                      m.bottleneck.c_str());
        s << buf;
        for (std::size_t a = 0; a < spec.axes.size(); ++a)
            s << (a ? " " : "") << spec.axes[a].path << '=' << p.spec.values[a].dump();
        s << "; " << p.scenario_file << '\n';
    }
    return s.str();
}

} // namespace moetwin::sweep
