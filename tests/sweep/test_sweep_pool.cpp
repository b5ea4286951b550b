// SPDX-License-Identifier: Apache-2.0
// The local worker pool (sim/sweep/sweep_pool.hpp): every task once, in its own process, a crash or a
// timeout recorded for its task while the others go on, and dynamic distribution.
#include "common/errors.hpp"
#include "sim/sweep/sweep_pool.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <map>
#include <thread>

namespace moetwin::sweep {
namespace {

TEST(SweepPool, EveryTaskInItsOwnProcessWithFailuresRecorded) {
    const pid_t parent = ::getpid();
    const TaskFn fn    = [parent](std::size_t t) -> std::string {
        if (::getpid() == parent) return "ran in the parent";
        if (t == 3) { // a crash; the default action, since a sanitizer's SIGSEGV handler would exit instead
            ::signal(SIGSEGV, SIG_DFL);
            ::raise(SIGSEGV);
        }
        if (t == 4) throw ConfigError("point 4 is wrong");
        if (t == 5) throw std::runtime_error("internal");
        if (t == 6) std::this_thread::sleep_for(std::chrono::seconds(30));
        return "task " + std::to_string(t) + " pid " + std::to_string(::getpid());
    };
    std::map<std::size_t, TaskOutcome> got;
    const std::vector<std::size_t> tasks = {0, 1, 2, 3, 4, 5, 6, 7};
    const auto t0                        = std::chrono::steady_clock::now();
    run_local_pool(
        tasks, fn, [&](std::size_t t, const TaskOutcome& o) { EXPECT_TRUE(got.emplace(t, o).second); },
        PoolOptions{3, 1.0});
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
    ASSERT_EQ(got.size(), tasks.size());
    for (const std::size_t t : {0, 1, 2, 7}) {
        EXPECT_EQ(got[t].status, TaskStatus::Ok);
        EXPECT_EQ(got[t].text.rfind("task " + std::to_string(t) + " pid ", 0), 0u) << got[t].text;
        EXPECT_NE(got[t].text, "task " + std::to_string(t) + " pid " + std::to_string(parent));
    }
    EXPECT_EQ(got[3].status, TaskStatus::Died);
    EXPECT_EQ(got[3].text.rfind("worker died: signal 11", 0), 0u) << got[3].text;
    EXPECT_EQ(got[4].status, TaskStatus::ConfigError);
    EXPECT_EQ(got[4].text, "point 4 is wrong");
    EXPECT_EQ(got[5].status, TaskStatus::Error);
    EXPECT_EQ(got[6].status, TaskStatus::TimedOut);
    EXPECT_EQ(got[6].text, "timed out after 1 s");
}

TEST(SweepPool, DynamicDistributionKeepsWorkersBusy) {
    // One 1.2 s task and twelve 0.1 s tasks on two workers: dynamically about max(1.2, 1.2 + ...) / 2 ≈ 1.2 s;
    // a static split into halves would take 1.2 + 0.5 = 1.7 s.
    std::vector<std::size_t> tasks(13);
    for (std::size_t i = 0; i < tasks.size(); ++i)
        tasks[i] = i;
    const TaskFn fn = [](std::size_t t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(t == 0 ? 1200 : 100));
        return std::string("ok");
    };
    int done      = 0;
    const auto t0 = std::chrono::steady_clock::now();
    run_local_pool(
        tasks, fn, [&](std::size_t, const TaskOutcome& o) { done += o.status == TaskStatus::Ok; }, PoolOptions{2, 0});
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(done, 13);
    EXPECT_LT(wall_s, 1.6);
    EXPECT_GE(wall_s, 1.2);
}

// Each outcome carries its worker's CPU time: a task that spins for 0.3 s of CPU reports at least that, an idle
// one (sleeping) almost none. The sweep sums them into its parallel efficiency.
TEST(SweepPool, OutcomesCarryTheWorkersCpuTime) {
    const TaskFn fn = [](std::size_t t) -> std::string {
        if (t == 0) {
            const auto until  = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
            volatile double x = 0;
            while (std::chrono::steady_clock::now() < until)
                x = x + 1;
            // On a loaded machine the spin may get less than 0.3 s of CPU; spin on CPU time as well.
            while (std::clock() < CLOCKS_PER_SEC * 3 / 10)
                x = x + 1;
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
        return "done";
    };
    std::map<std::size_t, TaskOutcome> got;
    run_local_pool(
        {0, 1}, fn, [&](std::size_t t, const TaskOutcome& o) { got[t] = o; }, PoolOptions{2, 0});
    ASSERT_EQ(got.size(), 2u);
    EXPECT_GE(got[0].cpu_s, 0.3);
    EXPECT_LT(got[0].cpu_s, 5.0);
    EXPECT_LT(got[1].cpu_s, 0.1);
}

} // namespace
} // namespace moetwin::sweep
