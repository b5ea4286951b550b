// SPDX-License-Identifier: Apache-2.0
// A child process started without a shell, with stdout and stderr on one non-blocking pipe, in its own
// process group so that cancelling reaches everything it started. The GUI runs the moetwin CLI this way
// (SimGrid allows one engine per process, and the GUI never links it). No ImGui.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace moetwin::gui {

// Invariant: while pid_ > 0 and not reaped, this object owns the child and the read end of its pipe;
// the destructor kills (SIGKILL to the group) and reaps a child that is still running.
class ChildProcess {
  public:
    ChildProcess()                               = default;
    ChildProcess(const ChildProcess&)            = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ChildProcess(ChildProcess&& o) noexcept;
    ChildProcess& operator=(ChildProcess&& o) noexcept;
    ~ChildProcess();

    // argv[0] without a slash is looked up in PATH. Throws ConfigError "cannot start <argv0>: <reason>".
    static ChildProcess spawn(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {});

    bool started() const { return pid_ > 0; }
    bool running();            // polls with waitpid(WNOHANG); false once the child has been reaped
    std::string read_output(); // what the child has written since the last call; never blocks
    void terminate();          // SIGTERM to the child's process group
    void kill();               // SIGKILL to the child's process group
    void wait();               // blocks until the child exits (reaps it), draining nothing

    std::optional<int> exit_code() const;   // set when it exited normally
    std::optional<int> term_signal() const; // set when a signal ended it
    pid_t pid() const { return pid_; }

  private:
    void close_fd();
    void release(); // kill and reap a running child, close the pipe
    void reap(int status);

    pid_t pid_   = -1;
    int fd_      = -1;
    bool reaped_ = false;
    int status_  = 0;
};

} // namespace moetwin::gui
