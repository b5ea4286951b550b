// SPDX-License-Identifier: Apache-2.0
// "Did you mean": the closest spelling among a closed set of names (subcommands, JSON keys).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin {

// Levenshtein distance (insertions, deletions, substitutions; each costs 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is at most `max_distance` edits away, else "". Ties go to the
// first candidate. Two edits catch the usual typos ("nvlinks", "cluser") without proposing unrelated names.
std::string closest_spelling(std::string_view word, const std::vector<std::string_view>& candidates,
                             std::size_t max_distance = 2);

} // namespace moetwin
