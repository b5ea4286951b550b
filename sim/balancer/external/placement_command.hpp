// SPDX-License-Identifier: Apache-2.0
// A user's placement policy as a program (issue 16 item 5): moetwin writes the loads to its stdin
// (placement_request_json) and reads a placement from its stdout (parse_placement_json), with a
// time limit. fork + execvp + pipes + poll: no shell unless argv names one.
#pragma once

#include "sim/balancer/placement.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace moetwin::balancer {

struct CommandSpec {
    std::vector<std::string> argv;  // argv[0] is looked up in PATH (execvp)
    double timeout_s = 60;          // wall-clock limit: the command is killed (SIGKILL, its process group) after it
    std::filesystem::path work_dir; // empty: the current directory
    void validate() const;          // ConfigError: empty argv, empty argv[0], timeout not in (0, 86400]
};

struct CommandOutput {
    int exit_code = 0; // the command's exit status (128 + signal when killed by a signal)
    std::string stdout_text;
    std::string stderr_tail; // the last 2 KiB of its stderr, for error messages
};

// Runs the command with `input` on its stdin (closed after) and collects its stdout (at most
// max_stdout_B bytes) and stderr. Throws ConfigError when it cannot start, runs past the timeout
// (after killing it), writes more than max_stdout_B, or exits non-zero or by a signal (naming argv[0],
// the status and its stderr's tail). Contract: the caller's SIGPIPE disposition is restored.
CommandOutput run_command(const CommandSpec& cmd, const std::string& input, std::size_t max_stdout_B = 256u << 20);

// The placement policy "command": run_command with placement_request_json(load, spec), then
// parse_placement_json of its stdout as "command output (<argv[0]>)".
Placement place_with_command(const CommandSpec& cmd, const ExpertLoad& load, const PlacementSpec& spec);

} // namespace moetwin::balancer
