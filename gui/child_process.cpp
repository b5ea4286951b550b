// SPDX-License-Identifier: Apache-2.0
// ChildProcess on posix_spawn: pipe for output, /dev/null for input, a new process group.
#include "gui/child_process.hpp"

#include "common/errors.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace moetwin::gui {

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), fd_(std::exchange(o.fd_, -1)), reaped_(o.reaped_), status_(o.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
    if (this != &o) {
        release();
        pid_    = std::exchange(o.pid_, -1);
        fd_     = std::exchange(o.fd_, -1);
        reaped_ = o.reaped_;
        status_ = o.status_;
    }
    return *this;
}

ChildProcess::~ChildProcess() {
    release();
}

void ChildProcess::release() {
    if (pid_ > 0 && !reaped_) {
        kill();
        wait();
    }
    close_fd();
    pid_    = -1;
    reaped_ = false;
    status_ = 0;
}

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
    if (argv.empty()) throw ConfigError("cannot start a process: empty command line");
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw ConfigError("cannot start " + argv[0] + ": pipe: " + std::strerror(errno));

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0); // its own group: terminate() reaches its children too

    std::vector<char*> args;
    for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    ChildProcess child;
    const int rc = argv[0].find('/') == std::string::npos
                       ? ::posix_spawnp(&child.pid_, argv[0].c_str(), &fa, &attr, args.data(), environ)
                       : ::posix_spawn(&child.pid_, argv[0].c_str(), &fa, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        child.pid_ = -1;
        throw ConfigError("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    child.fd_ = fds[0];
    ::fcntl(child.fd_, F_SETFL, ::fcntl(child.fd_, F_GETFL) | O_NONBLOCK);
    return child;
}

void ChildProcess::reap(int status) {
    reaped_ = true;
    status_ = status;
}

bool ChildProcess::running() {
    if (pid_ <= 0 || reaped_) return false;
    int status     = 0;
    const pid_t rc = ::waitpid(pid_, &status, WNOHANG);
    if (rc == pid_) reap(status);
    if (rc < 0 && errno == ECHILD) reap(0);
    return !reaped_;
}

std::string ChildProcess::read_output() {
    std::string out;
    if (fd_ < 0) return out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, size_t(n));
            continue;
        }
        if (n == 0) close_fd(); // every writer has closed its end
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    return out;
}

void ChildProcess::terminate() {
    if (pid_ > 0 && !reaped_) ::kill(-pid_, SIGTERM);
}

void ChildProcess::kill() {
    if (pid_ > 0 && !reaped_) ::kill(-pid_, SIGKILL);
}

void ChildProcess::wait() {
    if (pid_ <= 0 || reaped_) return;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reap(status);
}

std::optional<int> ChildProcess::exit_code() const {
    if (reaped_ && WIFEXITED(status_)) return WEXITSTATUS(status_);
    return std::nullopt;
}

std::optional<int> ChildProcess::term_signal() const {
    if (reaped_ && WIFSIGNALED(status_)) return WTERMSIG(status_);
    return std::nullopt;
}

void ChildProcess::close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

} // namespace moetwin::gui
