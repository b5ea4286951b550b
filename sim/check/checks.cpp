// SPDX-License-Identifier: Apache-2.0
// The group list, the runner and the table of `moetwin check`.
#include "sim/check/checks.hpp"

#include "common/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>

namespace moetwin::check {

std::span<const CheckGroup> check_groups() {
    static const std::vector<CheckGroup> groups{
        {"kernels", "calibrated roofline vs DeepGEMM FP8 GEMM and FlashMLA tables (reference §6-7)", kernel_rows},
        {"model", "parameter counts, KV bytes per token, training FLOPs per token (reference §1.3)", model_rows},
        {"eplb", "EPLB README example: phy2log and per-GPU balance (reference §8)", balancer_rows},
        {"deepep", "every DeepEP generation's published table through the network model (reference §5.1)",
         deepep_rows_all_generations},
        {"network", "ISCA'25 decode TPOT bound (all-to-all only)", network_rows},
    };
    return groups;
}

std::vector<CheckRow> run_checks(const CheckContext& ctx, std::span<const std::string> names,
                                 std::span<const CheckGroup> groups) {
    for (const std::string& n : names)
        if (std::none_of(groups.begin(), groups.end(), [&](const CheckGroup& g) { return g.name == n; })) {
            std::string known;
            for (const CheckGroup& g : groups)
                known += (known.empty() ? "" : ", ") + g.name;
            throw ConfigError("unknown check group '" + n + "' (known: " + known + ")");
        }
    std::vector<CheckRow> rows;
    for (const CheckGroup& g : groups) {
        if (!names.empty() && std::find(names.begin(), names.end(), g.name) == names.end()) continue;
        for (CheckRow& r : g.rows(ctx))
            rows.push_back(std::move(r));
    }
    return rows;
}

int print_check_table(std::span<const CheckRow> rows, std::ostream& out) {
    out << fmt::format("{:<10} {:<64} {:>11} {:>11} {:<9} {:>8} {:>7}  {}\n", "group", "item", "published", "twin",
                       "unit", "error", "tol", "verdict");
    int failed = 0, skipped = 0, gaps = 0;
    std::map<std::string, std::string> sources; // group: sources in first-seen order
    std::vector<std::string> order;
    for (const CheckRow& r : rows) {
        std::string verdict = r.skipped    ? "skipped: " + r.skip_reason
                              : r.within() ? "ok"
                              : r.gated    ? "OUTSIDE"
                                           : "gap (not gated, see notes)";
        if (!r.skipped && !r.pass()) ++failed;
        if (r.skipped) ++skipped;
        if (!r.skipped && !r.gated && !r.within()) ++gaps;
        const std::string err = r.skipped ? "-" : fmt::format("{:+.2f}%", 100 * r.error());
        out << fmt::format("{:<10} {:<64} {:>11.6g} {:>11.6g} {:<9} {:>8} {:>6.2f}%  {}\n", r.group, r.item,
                           r.published, r.twin, r.unit, err, 100 * r.tolerance, verdict);
        std::string& s = sources[r.group];
        if (s.empty()) order.push_back(r.group);
        if (s.find(r.source) == std::string::npos) s += (s.empty() ? "" : "; ") + r.source;
    }
    out << "\nsources:\n";
    for (const std::string& g : order)
        out << fmt::format("  {:<10} {}\n", g, sources[g]);
    std::map<std::string, int> notes_seen;
    bool header = false;
    for (const CheckRow& r : rows)
        if (!r.note.empty() && notes_seen[r.group + r.item + r.note]++ == 0) {
            if (!header) out << "notes:\n", header = true;
            out << fmt::format("  {:<10} {}: {}\n", r.group, r.item, r.note);
        }
    out << fmt::format("\n{} rows, {} outside tolerance, {} known gaps outside tolerance (not gated), {} skipped\n",
                       rows.size(), failed, gaps, skipped);
    return failed;
}

} // namespace moetwin::check
