// SPDX-License-Identifier: Apache-2.0
// The entry points the fuzzers and the regression-corpus replay share: one per reader of an input
// file (scenario, result, expert load, profile, calibration, profiler trace). Each feeds the bytes to
// the reader; a ConfigError is the reader's correct answer to bad input and is swallowed, anything
// else (another exception, a crash, a sanitizer report) escapes and is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace moetwin::fuzz {

struct Reader {
    std::string_view name; // "scenario", "result", "expert_load", "profile", "calibration", "trace", "placement"
    // `base_dir`: where relative input paths resolve (the scenario reader's files).
    void (*run)(std::string_view bytes, const std::filesystem::path& base_dir);
};

std::span<const Reader> readers();
const Reader* find_reader(std::string_view name);

// Feeds `bytes` to `reader`, swallowing ConfigError only.
void feed(const Reader& reader, std::string_view bytes, const std::filesystem::path& base_dir);

} // namespace moetwin::fuzz
