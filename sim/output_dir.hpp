// SPDX-License-Identifier: Apache-2.0
// The output folder of a run, checked before anything is simulated: it must be writable, and it
// must not hold another scenario's results unless the user says to overwrite them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace moetwin {

// The scenario whose result.json `dir` holds: its meta.scenario; "" when `dir` has no result.json;
// "<unreadable>" when the file is not a JSON object with a string meta.scenario.
std::string result_scenario_in(const std::filesystem::path& dir);

// Makes `dir` ready for the results of scenario `scenario_name`:
// - when `dir`/result.json is the result of another scenario (or not a moetwin result), throws
//   ConfigError naming both scenarios and the ways on (--out DIR, --force), unless `force`;
// - creates `dir` (and its parents), then writes and removes a probe file in it; any failure throws
//   ConfigError "<dir>: output folder is not writable: <OS error>".
// Returns the folders it created, deepest first, so a run that fails later can remove them again.
std::vector<std::filesystem::path> prepare_output_dir(const std::filesystem::path& dir,
                                                      const std::string& scenario_name, bool force);

// Removes the folders prepare_output_dir created (each only while it is still empty).
void remove_created_dirs(const std::vector<std::filesystem::path>& created);

} // namespace moetwin
