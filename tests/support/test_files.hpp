// SPDX-License-Identifier: Apache-2.0
// Scratch folders and whole-file reads for tests (the CLI, serving, drift, step-model and sweep tests
// share this one copy). Header-only: the CLI tests link no project library.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace moetwin_test {

// <temp>/moetwin_<suite>_<what>_<pid>, emptied (removed if it exists) and, when `create`, created:
// per process, so parallel ctest runs of different tests never share one.
inline std::filesystem::path scratch_dir(const std::string& suite, const std::string& what, bool create = true) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("moetwin_" + suite + "_" + what + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    if (create) std::filesystem::create_directories(dir);
    return dir;
}

// The whole file, byte for byte; empty when it cannot be opened (the caller's comparison then fails).
inline std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace moetwin_test
