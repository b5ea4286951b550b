// SPDX-License-Identifier: Apache-2.0
// Per-kind link statistics.
#include "gui/link_groups.hpp"

#include <algorithm>
#include <map>

namespace moetwin::gui {
namespace {

int kind_order(const std::string& k) {
    return k == "nvlink" ? 0 : k == "pcie" ? 1 : k == "ib" ? 2 : 3;
}

bool matches(const LinkStats& l, std::string_view kind) {
    return kind.empty() || l.kind == kind;
}

} // namespace

std::vector<LinkKindStats> link_kind_stats(const RunResult& r) {
    std::map<std::pair<int, std::string>, LinkKindStats> by_kind;
    for (size_t i = 0; i < r.links.size(); ++i) {
        const LinkStats& l = r.links[i];
        LinkKindStats& s   = by_kind[{kind_order(l.kind), l.kind}];
        s.kind             = l.kind;
        ++s.count;
        s.mean_util += l.utilisation;
        s.bytes += l.bytes;
        s.capacity_Bps += l.capacity_Bps;
        if (s.busiest < 0 || l.utilisation > s.max_util) {
            s.max_util = l.utilisation;
            s.busiest  = int(i);
        }
    }
    std::vector<LinkKindStats> out;
    for (auto& [key, s] : by_kind) {
        s.mean_util /= double(s.count);
        out.push_back(std::move(s));
    }
    return out;
}

std::string_view link_kind_label(std::string_view kind) {
    if (kind == "nvlink") return "NVLink";
    if (kind == "pcie") return "PCIe";
    if (kind == "ib") return "InfiniBand";
    return kind;
}

std::vector<int> links_by_utilisation(const RunResult& r, std::string_view kind) {
    std::vector<int> idx;
    for (size_t i = 0; i < r.links.size(); ++i)
        if (matches(r.links[i], kind)) idx.push_back(int(i));
    std::stable_sort(idx.begin(), idx.end(),
                     [&](int a, int b) { return r.links[size_t(a)].utilisation > r.links[size_t(b)].utilisation; });
    return idx;
}

std::vector<float> utilisation_histogram(const RunResult& r, std::string_view kind, int bins) {
    std::vector<float> h(size_t(std::max(bins, 1)), 0.0f);
    double hi = 1.0;
    for (const LinkStats& l : r.links)
        if (matches(l, kind)) hi = std::max(hi, l.utilisation);
    for (const LinkStats& l : r.links) {
        if (!matches(l, kind)) continue;
        const auto b = std::min(size_t(std::max(l.utilisation, 0.0) / hi * double(h.size())), h.size() - 1);
        h[b] += 1.0f;
    }
    return h;
}

} // namespace moetwin::gui
