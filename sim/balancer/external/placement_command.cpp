// SPDX-License-Identifier: Apache-2.0
// run_command(): fork, execvp, three pipes and poll, with a deadline; place_with_command().
#include "sim/balancer/external/placement_command.hpp"

#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/balancer/external/placement_json.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace moetwin::balancer {
namespace {

constexpr std::size_t kStderrTail_B = 2048;

using Clock = std::chrono::steady_clock;

// SIGPIPE ignored while we write to a command that may exit without reading (restored on scope exit).
class IgnoreSigpipe {
  public:
    IgnoreSigpipe() {
        struct sigaction ign {};
        ign.sa_handler = SIG_IGN;
        ::sigaction(SIGPIPE, &ign, &old_);
    }
    ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old_, nullptr); }
    IgnoreSigpipe(const IgnoreSigpipe&)            = delete;
    IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;

  private:
    struct sigaction old_ {};
};

struct Fd {
    int fd = -1;
    ~Fd() { close(); }
    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

void make_pipe(Fd& r, Fd& w) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw ConfigError(std::string("balancer.command: pipe: ") + std::strerror(errno));
    r.fd = fds[0];
    w.fd = fds[1];
}

std::string name_of(const CommandSpec& cmd) {
    std::string s;
    for (const auto& a : cmd.argv)
        s += (s.empty() ? "" : " ") + a;
    return "balancer.command [" + s + "]";
}

void kill_group(pid_t pid) {
    ::kill(-pid, SIGKILL); // the command's process group (it called setpgid(0, 0))
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

} // namespace

void CommandSpec::validate() const {
    if (argv.empty() || argv[0].empty())
        throw ConfigError("balancer.command: expected a non-empty argv array whose first element names the program");
    if (!(timeout_s > 0 && timeout_s <= 86400))
        throw ConfigError("balancer.command_timeout_s: expected seconds in (0, 86400], got " +
                          format_number(timeout_s));
}

CommandOutput run_command(const CommandSpec& cmd, const std::string& input, std::size_t max_stdout_B) {
    cmd.validate();
    IgnoreSigpipe guard;
    Fd in_r, in_w, out_r, out_w, err_r, err_w;
    make_pipe(in_r, in_w);
    make_pipe(out_r, out_w);
    make_pipe(err_r, err_w);
    // Everything the child needs, built before fork (no allocation between fork and exec).
    std::vector<char*> argv;
    for (const auto& a : cmd.argv)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string dir = cmd.work_dir.string();
    const pid_t pid       = ::fork();
    if (pid < 0) throw ConfigError(name_of(cmd) + ": fork: " + std::strerror(errno));
    if (pid == 0) {
        ::setpgid(0, 0);
        ::dup2(in_r.fd, 0);
        ::dup2(out_w.fd, 1);
        ::dup2(err_w.fd, 2);
        if (!dir.empty() && ::chdir(dir.c_str()) != 0) {
            const char* msg = "cannot enter the working directory\n";
            (void)!::write(2, msg, std::strlen(msg));
            ::_exit(127);
        }
        ::execvp(argv[0], argv.data());
        const char* why = std::strerror(errno);
        (void)!::write(2, "cannot execute: ", 16);
        (void)!::write(2, why, std::strlen(why));
        ::_exit(127);
    }
    ::setpgid(pid, pid); // also here: no race with the child's own call
    in_r.close();
    out_w.close();
    err_w.close();
    ::fcntl(in_w.fd, F_SETFL, ::fcntl(in_w.fd, F_GETFL) | O_NONBLOCK);

    const auto deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cmd.timeout_s));
    CommandOutput out;
    std::size_t written = 0;
    if (input.empty()) in_w.close();
    char buf[65536];
    const auto timed_out = [&] {
        kill_group(pid);
        return ConfigError(name_of(cmd) + ": killed after " + format_number(cmd.timeout_s) +
                           " s without finishing (balancer.command_timeout_s)");
    };
    while (out_r.fd >= 0 || err_r.fd >= 0) {
        pollfd fds[3];
        int n = 0;
        if (in_w.fd >= 0) fds[n++] = {in_w.fd, POLLOUT, 0};
        if (out_r.fd >= 0) fds[n++] = {out_r.fd, POLLIN, 0};
        if (err_r.fd >= 0) fds[n++] = {err_r.fd, POLLIN, 0};
        const auto left_ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left_ms <= 0) throw timed_out();
        const int r = ::poll(fds, nfds_t(n), int(std::min<long long>(left_ms, 1000)));
        if (r < 0 && errno != EINTR) {
            kill_group(pid);
            throw ConfigError(name_of(cmd) + ": poll: " + std::strerror(errno));
        }
        for (int i = 0; i < n && r > 0; ++i) {
            if (fds[i].revents == 0) continue;
            if (fds[i].fd == in_w.fd) {
                const ssize_t w = ::write(in_w.fd, input.data() + written, input.size() - written);
                if (w > 0) written += std::size_t(w);
                if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in_w.close();
                continue;
            }
            Fd& f           = fds[i].fd == out_r.fd ? out_r : err_r;
            const ssize_t k = ::read(f.fd, buf, sizeof buf);
            if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (k <= 0) {
                f.close();
                continue;
            }
            if (&f == &out_r) {
                out.stdout_text.append(buf, std::size_t(k));
                if (out.stdout_text.size() > max_stdout_B) {
                    kill_group(pid);
                    throw ConfigError(name_of(cmd) + ": wrote more than " + std::to_string(max_stdout_B) +
                                      " bytes to stdout");
                }
            } else {
                out.stderr_tail.append(buf, std::size_t(k));
                if (out.stderr_tail.size() > kStderrTail_B)
                    out.stderr_tail.erase(0, out.stderr_tail.size() - kStderrTail_B);
            }
        }
    }
    in_w.close();
    int status = 0;
    for (;;) { // stdout and stderr closed; the command may still run
        const pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) throw ConfigError(name_of(cmd) + ": waitpid: " + std::strerror(errno));
        if (Clock::now() >= deadline) throw timed_out();
        ::poll(nullptr, 0, 10);
    }
    out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (out.exit_code != 0)
        throw ConfigError(name_of(cmd) + ": " +
                          (WIFEXITED(status) ? "exited with status " + std::to_string(out.exit_code)
                                             : "killed by signal " + std::to_string(WTERMSIG(status))) +
                          (out.stderr_tail.empty() ? std::string() : "; its stderr ends: " + out.stderr_tail));
    return out;
}

Placement place_with_command(const CommandSpec& cmd, const ExpertLoad& load, const PlacementSpec& spec) {
    const CommandOutput o = run_command(cmd, placement_request_json(load, spec));
    return parse_placement_json(o.stdout_text, "command output (" + name_of(cmd) + ")", load.num_layers,
                                load.num_experts, spec);
}

} // namespace moetwin::balancer
