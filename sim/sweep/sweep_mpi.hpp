// SPDX-License-Identifier: Apache-2.0
// The MPI backend of the sweep's pool (sweep_pool.hpp), for `mpirun -n N moetwin sweep ...` across machines.
// Rank 0 holds the queue, runs its own share of points and gathers every result; every other rank serves:
// it asks rank 0 for a task whenever one of its slots is free, runs it in a fork()ed child (the same ChildSet
// as the local pool: SimGrid allows one engine per process, and a crash or a timeout kills only the child) and
// sends the answer back, which is also its request for the next task. Dynamic: a rank that drew cheap points
// simply asks again sooner. Children never call MPI (they _exit after writing their answer to a pipe).
// Every rank runs the same command line, so they agree on the sweep, its points and --jobs (slots per rank).
#pragma once

#include "sim/sweep/sweep_pool.hpp"

#include <memory>
#include <string>

namespace moetwin::sweep {

// true when moetwin was built with MPI (CMake found Open MPI: MOETWIN_HAVE_MPI).
bool mpi_built();

// The ranks mpirun started, from the environment it sets (Open MPI's OMPI_COMM_WORLD_SIZE, or PMI_SIZE /
// PMIX_SIZE of other launchers); 1 when not under mpirun. Reads no MPI, so it works in a build without it.
int mpirun_world_size();

// MPI for the life of one sweep: MPI_Init on construction, MPI_Finalize on destruction.
// Contract: construct only when mpirun_world_size() > 1; throws ConfigError when moetwin has no MPI.
// Errors: until split() every rank does the same work (reading the sweep file), so a bad input fails on every
// rank alike and they all finalize and exit 1. After split() the ranks diverge (rank 0 owns the cache and the
// outputs); an error on one rank goes to fail(), which prints it and calls MPI_Abort so no rank waits forever.
class MpiSession {
  public:
    MpiSession();
    ~MpiSession();
    MpiSession(const MpiSession&)            = delete;
    MpiSession& operator=(const MpiSession&) = delete;
    int rank() const { return rank_; }
    int size() const { return size_; }
    void split() { split_ = true; }
    // After split(): prints "moetwin: <what>" on stderr and aborts every rank (exit code 1). Before: returns.
    void fail(const std::string& what) const;

  private:
    int rank_ = 0, size_ = 1;
    bool split_ = false;
};

// Rank 0. Contract: as run_local_pool (every task once, on_done in this process in completion order, crashes
// and timeouts reported, never retried), over `options.workers` local children and the same number of slots on
// each other rank; returns when every task is done and every other rank was told to stop, with the number of
// tasks the other ranks ran.
std::size_t run_mpi_pool(const std::vector<std::size_t>& tasks, const TaskFn& fn, const DoneFn& on_done,
                         const PoolOptions& options);

// Every other rank. Contract: runs fn(task) for each task rank 0 sends, in a child per task, at most
// `options.workers` at once, answering rank 0 with each outcome; returns when rank 0 says stop.
void serve_mpi_pool(const TaskFn& fn, const PoolOptions& options);

} // namespace moetwin::sweep
