// SPDX-License-Identifier: Apache-2.0
// How a sweep's points are distributed. Three parts, so that a second backend (MPI across machines: rank 0
// holds the queue and gathers, the other ranks are the workers and ask for the next task when free) plugs
// in beside the local one with the same signature:
//   - a queue of tasks (indices into the sweep's points, in the sweep's order);
//   - workers that take the next task as soon as they are free (dynamic distribution: points differ in cost
//     by 100×, a static split would leave workers idle);
//   - results gathered in the calling process through `on_done`, in completion order (the caller orders
//     them by point, so the output does not depend on the number of workers or their timing).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace moetwin::sweep {

enum class TaskStatus {
    Ok,          // `text` is what the task returned
    ConfigError, // the task threw ConfigError (deterministic in its input); `text` is the message
    Error,       // another exception; `text` is its message
    Died,        // the worker process died (signal, exit without an answer); `text` says how
    TimedOut,    // killed after PoolOptions::task_timeout_s
};

struct TaskOutcome {
    TaskStatus status = TaskStatus::Ok;
    std::string text;
    double cpu_s = 0; // the worker process's CPU time (user + system), about its time alone on an idle core
};

struct PoolOptions {
    int workers           = 1; // processes at once
    double task_timeout_s = 0; // 0: none
};

using TaskFn = std::function<std::string(std::size_t task)>; // runs in a worker; throws on failure
using DoneFn = std::function<void(std::size_t task, const TaskOutcome& outcome)>;

// Local backend. Contract: runs fn(task) for every task, each in its own fork()ed child process (SimGrid
// allows one engine per process; the parent never simulates), at most `workers` at once, the next task
// starting as soon as a child ends; calls on_done in this process for each, in completion order; returns
// when all are done. A child that crashes or times out is reported, never retried; the others go on.
void run_local_pool(const std::vector<std::size_t>& tasks, const TaskFn& fn, const DoneFn& on_done,
                    const PoolOptions& options);

// The local pool one step at a time, for a loop that also serves other requests (the MPI backend's ranks run
// their points through it). Contract: start() forks a child for one task; poll() waits up to timeout_ms for
// answers (sleeps that long when no child runs) and returns the tasks that ended (answered, crashed or
// timed out) with their outcome.
class ChildSet {
  public:
    explicit ChildSet(double task_timeout_s) : timeout_s_(task_timeout_s) {}
    ChildSet(const ChildSet&)            = delete;
    ChildSet& operator=(const ChildSet&) = delete;
    ~ChildSet(); // kills and reaps children still running (an exception unwinding the caller)
    void start(std::size_t task, const TaskFn& fn);
    std::vector<std::pair<std::size_t, TaskOutcome>> poll(int timeout_ms);
    std::size_t running() const { return children_.size(); }

  private:
    struct Child {
        pid_t pid        = -1;
        int fd           = -1;
        std::size_t task = 0;
        std::string answer;
        std::chrono::steady_clock::time_point start;
    };
    double timeout_s_ = 0;
    std::vector<Child> children_;
    static TaskOutcome finish(Child& c, bool timed_out, double timeout_s);
    static TaskOutcome finish_status(const Child& c, int status, bool timed_out, double timeout_s);
};

} // namespace moetwin::sweep
