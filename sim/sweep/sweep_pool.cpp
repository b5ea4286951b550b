// SPDX-License-Identifier: Apache-2.0
// The local worker pool (sweep_pool.hpp): fork per task, a pipe per child, poll() for answers.
#include "sim/sweep/sweep_pool.hpp"

#include "common/errors.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace moetwin::sweep {
namespace {

using Clock = std::chrono::steady_clock;

void write_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        const ssize_t w = ::write(fd, s.data() + off, s.size() - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        off += std::size_t(w);
    }
}

// The child's answer: a tag line ("OK", "CONFIG", "ERROR") and the body.
[[noreturn]] void child_main(int fd, std::size_t task, const TaskFn& fn) {
    std::string out;
    try {
        out = "OK\n" + fn(task);
    } catch (const ConfigError& e) {
        out = std::string("CONFIG\n") + e.what();
    } catch (const std::exception& e) {
        out = std::string("ERROR\n") + e.what();
    }
    write_all(fd, out);
    ::close(fd);
    ::_exit(0);
}

} // namespace

void ChildSet::start(std::size_t task, const TaskFn& fn) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::close(fds[0]);
        child_main(fds[1], task, fn);
    }
    ::close(fds[1]);
    children_.push_back(Child{pid, fds[0], task, {}, Clock::now()});
}

ChildSet::~ChildSet() {
    for (Child& c : children_) {
        ::kill(c.pid, SIGKILL);
        ::close(c.fd);
        int status = 0;
        while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

TaskOutcome ChildSet::finish(Child& c, bool timed_out, double timeout_s) {
    ::close(c.fd);
    int status = 0;
    struct rusage usage {};
    while (::wait4(c.pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    const double cpu_s = double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                         1e-6 * double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
    TaskOutcome o = finish_status(c, status, timed_out, timeout_s);
    o.cpu_s       = cpu_s;
    return o;
}

TaskOutcome ChildSet::finish_status(const Child& c, int status, bool timed_out, double timeout_s) {
    if (timed_out) return {TaskStatus::TimedOut, "timed out after " + std::to_string(int(timeout_s)) + " s"};
    const auto nl          = c.answer.find('\n');
    const std::string tag  = c.answer.substr(0, nl);
    const std::string body = nl == std::string::npos ? "" : c.answer.substr(nl + 1);
    const bool clean       = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (clean && tag == "OK") return {TaskStatus::Ok, body};
    if (clean && tag == "CONFIG") return {TaskStatus::ConfigError, body};
    if (clean && tag == "ERROR") return {TaskStatus::Error, body};
    if (WIFSIGNALED(status))
        return {TaskStatus::Died,
                "worker died: signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")"};
    return {TaskStatus::Died,
            "worker exited with status " + std::to_string(WEXITSTATUS(status)) + " without an answer"};
}

std::vector<std::pair<std::size_t, TaskOutcome>> ChildSet::poll(int timeout_ms) {
    std::vector<std::pair<std::size_t, TaskOutcome>> ended;
    if (children_.empty()) { // nothing to wait for: just wait (a caller's loop does not spin)
        ::usleep(useconds_t(timeout_ms) * 1000);
        return ended;
    }
    std::vector<pollfd> fds;
    for (const Child& c : children_)
        fds.push_back({c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR)
        throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    std::vector<Child> still;
    for (std::size_t i = 0; i < children_.size(); ++i) {
        Child& c  = children_[i];
        bool done = false, timed_out = false;
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[65536];
            const ssize_t r = ::read(c.fd, buf, sizeof buf);
            if (r > 0)
                c.answer.append(buf, std::size_t(r));
            else if (r == 0 || errno != EINTR)
                done = true;
        }
        const double age_s = std::chrono::duration<double>(Clock::now() - c.start).count();
        if (!done && timeout_s_ > 0 && age_s > timeout_s_) {
            ::kill(c.pid, SIGKILL);
            done = timed_out = true;
        }
        if (!done) {
            still.push_back(std::move(c));
            continue;
        }
        ended.emplace_back(c.task, finish(c, timed_out, timeout_s_));
    }
    children_ = std::move(still);
    return ended;
}

void run_local_pool(const std::vector<std::size_t>& tasks, const TaskFn& fn, const DoneFn& on_done,
                    const PoolOptions& options) {
    const std::size_t workers = std::size_t(std::max(1, options.workers));
    ChildSet children(options.task_timeout_s);
    std::size_t next = 0;
    while (next < tasks.size() || children.running() > 0) {
        while (children.running() < workers && next < tasks.size())
            children.start(tasks[next++], fn);
        // Wake at least every 100 ms to enforce timeouts.
        for (const auto& [task, outcome] : children.poll(100))
            on_done(task, outcome);
    }
}

} // namespace moetwin::sweep
