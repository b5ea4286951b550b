// SPDX-License-Identifier: Apache-2.0
// Closest-name suggestions and the one "unknown name" message.
#include "common/name_table.hpp"

#include <algorithm>
#include <cctype>

namespace moetwin {
namespace {

// Levenshtein distance, case-insensitive so that "H800" is one step from nothing but "h800" (distance 0 means
// "same letters, wrong case", which the message then says).
std::size_t edit_distance(std::string_view a, std::string_view b) {
    const auto lower = [](char c) { return char(std::tolower(static_cast<unsigned char>(c))); };
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] =
                std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

} // namespace

std::string_view closest_name(std::string_view got, std::span<const std::string_view> names) {
    std::string_view best;
    std::size_t best_d = std::string_view::npos;
    for (const std::string_view n : names) {
        const std::size_t d = edit_distance(got, n);
        if (d < best_d) best = n, best_d = d;
    }
    return best;
}

std::string unknown_name_message(std::string_view what, std::string_view got, std::span<const std::string_view> names) {
    std::string msg             = "\"" + std::string(got) + "\" is not a known " + std::string(what);
    const std::string_view near = closest_name(got, names);
    // Suggest only what is plausibly a typo: at most a third of the letters differ (case aside).
    if (!near.empty() && edit_distance(got, near) * 3 <= std::max(near.size(), got.size())) {
        const bool case_only = edit_distance(got, near) == 0;
        msg += std::string(" (") + (case_only ? "names are lowercase; " : "") + "did you mean \"" + std::string(near) +
               "\"?)";
    }
    msg += "; known: ";
    for (std::size_t i = 0; i < names.size(); ++i)
        msg += (i ? ", " : "") + std::string(names[i]);
    return msg;
}

} // namespace moetwin
