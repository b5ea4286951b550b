// SPDX-License-Identifier: Apache-2.0
// Runs the built moetwin binary from a test (the CLI tests and the e2e scenarios share this one copy).
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>

namespace moetwin_test {

struct Outcome {
    int exit_code = -1;
    std::string output; // stdout and stderr together (unless `streams` redirects stderr elsewhere)
};

// `moetwin ARGS` through the shell, from `cwd` when given; `streams` is appended to the command line.
// The exit code is -1 when the process did not exit normally (a signal).
inline Outcome run_moetwin(const std::string& args, const std::string& streams = " 2>&1",
                           const std::filesystem::path& cwd = {}) {
    const std::string cd  = cwd.empty() ? "" : "cd '" + cwd.string() + "' && ";
    const std::string cmd = cd + "'" + std::string(MOETWIN_BINARY_DIR) + "/bin/moetwin' " + args + streams;
    Outcome o;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return o;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
        o.output.append(buf.data(), n);
    const int status = ::pclose(pipe);
    o.exit_code      = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return o;
}

} // namespace moetwin_test
