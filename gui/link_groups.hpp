// SPDX-License-Identifier: Apache-2.0
// Links grouped by kind (NVLink, PCIe, InfiniBand): counts, mean and max utilisation, a histogram, a ranking.
// Pure functions over RunResult; no ImGui.
#pragma once

#include "sim/result/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace moetwin::gui {

struct LinkKindStats {
    std::string kind; // "nvlink" | "pcie" | "ib"
    int count           = 0;
    double mean_util    = 0;
    double max_util     = 0;
    int busiest         = -1; // index into RunResult::links
    int64_t bytes       = 0;
    double capacity_Bps = 0; // sum over the links (per direction)
};

// One entry per kind present, in the order nvlink, pcie, ib (then any other kind by name).
std::vector<LinkKindStats> link_kind_stats(const RunResult& r);

std::string_view link_kind_label(std::string_view kind); // "NVLink", "PCIe", "InfiniBand"

// Indices of the links of `kind` ("" = all), busiest first (ties by index).
std::vector<int> links_by_utilisation(const RunResult& r, std::string_view kind);

// Counts of links of `kind` per utilisation bin over [0, hi): bin i holds [i*hi/bins, (i+1)*hi/bins);
// values >= hi land in the last bin. hi = max(1.0, the kind's max utilisation).
std::vector<float> utilisation_histogram(const RunResult& r, std::string_view kind, int bins);

} // namespace moetwin::gui
