// SPDX-License-Identifier: Apache-2.0
// The MPI backend (sweep_mpi.hpp). Messages (MPI_BYTE, tags below): a worker rank sends kRequest once per slot
// at start, and kResult (task, status, text) when a child ends; rank 0 answers each with kTask (the task) or,
// when the queue is empty, kStop (that slot retires). Rank 0 is done when every task came back and every slot
// of every other rank retired.
#include "sim/sweep/sweep_mpi.hpp"

#include "common/errors.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <iostream>
#include <string>
#include <thread>

#ifdef MOETWIN_HAVE_MPI
#include <mpi.h>
#endif

namespace moetwin::sweep {

int mpirun_world_size() {
    for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"})
        if (const char* v = std::getenv(var)) {
            const int n = std::atoi(v);
            if (n >= 1) return n;
        }
    return 1;
}

#ifndef MOETWIN_HAVE_MPI

bool mpi_built() {
    return false;
}

MpiSession::MpiSession() {
    throw ConfigError("sweep: started by mpirun with " + std::to_string(mpirun_world_size()) +
                      " ranks, but this moetwin was built without MPI (Debian: apt-get install libopenmpi-dev "
                      "openmpi-bin, then rebuild); run it without mpirun to use this machine's cores");
}
MpiSession::~MpiSession() = default;
void MpiSession::fail(const std::string&) const {}

std::size_t run_mpi_pool(const std::vector<std::size_t>&, const TaskFn&, const DoneFn&, const PoolOptions&) {
    throw ConfigError("sweep: this moetwin was built without MPI");
}
void serve_mpi_pool(const TaskFn&, const PoolOptions&) {
    throw ConfigError("sweep: this moetwin was built without MPI");
}

#else

namespace {

enum Tag : int { kRequest = 1, kResult = 2, kTask = 3, kStop = 4 };

// A task number travels as 8 bytes; a result as task (8), status (4), CPU seconds (8) and the text.
constexpr std::size_t kResultHeader = 20;
std::string pack_result(std::size_t task, const TaskOutcome& o) {
    std::string b(kResultHeader, '\0');
    const uint64_t t = task;
    const int32_t s  = int32_t(o.status);
    std::memcpy(b.data(), &t, 8);
    std::memcpy(b.data() + 8, &s, 4);
    std::memcpy(b.data() + 12, &o.cpu_s, 8);
    return b + o.text;
}

std::pair<std::size_t, TaskOutcome> unpack_result(const std::string& b) {
    MOETWIN_ASSERT(b.size() >= kResultHeader, "an MPI result message carries at least its task and status");
    uint64_t t = 0;
    int32_t s  = 0;
    double cpu = 0;
    std::memcpy(&t, b.data(), 8);
    std::memcpy(&s, b.data() + 8, 4);
    std::memcpy(&cpu, b.data() + 12, 8);
    return {std::size_t(t), TaskOutcome{TaskStatus(s), b.substr(kResultHeader), cpu}};
}

void send(const std::string& b, int dest, int tag) {
    MPI_Send(b.data(), int(b.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

void send_task(std::size_t task, int dest) {
    const uint64_t t = task;
    MPI_Send(&t, 8, MPI_BYTE, dest, kTask, MPI_COMM_WORLD);
}

// A message waiting, received whole; false when none.
bool receive(int& source, int& tag, std::string& body) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (!flag) return false;
    int n = 0;
    MPI_Get_count(&st, MPI_BYTE, &n);
    body.assign(std::size_t(n), '\0');
    MPI_Recv(body.data(), n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    source = st.MPI_SOURCE;
    tag    = st.MPI_TAG;
    return true;
}

// The poll interval while other ranks may be waiting: short, so a free remote slot gets its next task quickly
// (a point takes 0.1 s to minutes; 2 ms of latency per task is noise).
constexpr int kPollMs = 2;
// How long a failing rank waits between writing its message and MPI_Abort (MpiSession::fail): the output
// forwarder reads the ranks' pipes in its event loop; half a second lets it read the line on a machine loaded
// several times over before the abort tears the job down.
constexpr int kAbortGraceMs = 500;

} // namespace

bool mpi_built() {
    return true;
}

MpiSession::MpiSession() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SINGLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
    MPI_Finalize();
}

void MpiSession::fail(const std::string& what) const {
    if (!split_) return;
    std::cout.flush();
    std::cerr << "moetwin: rank " << rank_ << ": " << what << '\n' << std::flush;
    // The message sits in the pipe to mpirun's output forwarder; MPI_Abort makes mpirun kill every rank and
    // tear down, and a forwarder that has not read the pipe yet (a loaded machine) loses the one line that
    // says why the job ended. Give it a moment: this path runs once, on a fatal error.
    std::this_thread::sleep_for(std::chrono::milliseconds(kAbortGraceMs));
    MPI_Abort(MPI_COMM_WORLD, 1);
}

std::size_t run_mpi_pool(const std::vector<std::size_t>& tasks, const TaskFn& fn, const DoneFn& on_done,
                         const PoolOptions& options) {
    int ranks = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    const std::size_t slots  = std::size_t(std::max(1, options.workers));
    std::size_t remote_slots = std::size_t(ranks - 1) * slots; // not yet retired
    ChildSet local(options.task_timeout_s);
    std::deque<std::size_t> queue(tasks.begin(), tasks.end());
    std::size_t pending = tasks.size(); // not yet answered
    std::size_t remote  = 0;            // answered by other ranks
    const auto answer   = [&](int rank) {
        if (queue.empty()) {
            MPI_Send(nullptr, 0, MPI_BYTE, rank, kStop, MPI_COMM_WORLD);
            --remote_slots;
        } else {
            send_task(queue.front(), rank);
            queue.pop_front();
        }
    };
    while (pending > 0 || remote_slots > 0) {
        int source = 0, tag = 0;
        std::string body;
        while (receive(source, tag, body)) {
            if (tag == kResult) {
                const auto [task, outcome] = unpack_result(body);
                on_done(task, outcome);
                --pending;
                ++remote;
            }
            answer(source); // kRequest or kResult: that slot is free
        }
        while (local.running() < slots && !queue.empty()) {
            local.start(queue.front(), fn);
            queue.pop_front();
        }
        for (const auto& [task, outcome] : local.poll(kPollMs)) {
            on_done(task, outcome);
            --pending;
        }
    }
    return remote;
}

void serve_mpi_pool(const TaskFn& fn, const PoolOptions& options) {
    const std::size_t slots = std::size_t(std::max(1, options.workers));
    for (std::size_t s = 0; s < slots; ++s)
        MPI_Send(nullptr, 0, MPI_BYTE, 0, kRequest, MPI_COMM_WORLD);
    std::size_t live = slots; // slots not yet retired
    ChildSet children(options.task_timeout_s);
    while (live > 0 || children.running() > 0) {
        int source = 0, tag = 0;
        std::string body;
        while (receive(source, tag, body)) {
            if (tag == kStop) {
                --live;
            } else {
                MOETWIN_ASSERT(tag == kTask && body.size() == 8, "rank 0 sends tasks and stops");
                uint64_t t = 0;
                std::memcpy(&t, body.data(), 8);
                children.start(std::size_t(t), fn);
            }
        }
        for (const auto& [task, outcome] : children.poll(kPollMs))
            send(pack_result(task, outcome), 0, kResult);
    }
}

#endif

} // namespace moetwin::sweep
