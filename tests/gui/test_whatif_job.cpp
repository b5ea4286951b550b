// SPDX-License-Identifier: Apache-2.0
// The what-if re-run machinery: child processes, progress lines, a fake moetwin CLI, cancel.
#include "gui/child_process.hpp"
#include "gui/result_loader.hpp"
#include "gui/scenario_knobs.hpp"
#include "gui/whatif_job.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

namespace moetwin::gui {
namespace {

namespace fs = std::filesystem;

template <class F> bool wait_until(F done, double seconds = 10) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

fs::path fake_cli(const std::string& body) {
    const fs::path dir = fs::temp_directory_path() / ("moetwin_gui_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    static int n     = 0;
    const fs::path p = dir / ("fake_moetwin_" + std::to_string(n++) + ".sh");
    std::ofstream(p) << "#!/bin/sh\n" << body;
    ::chmod(p.c_str(), 0755);
    return p;
}

TEST(ParseProgress, Formats) {
    EXPECT_DOUBLE_EQ(*parse_progress("progress: 0.42"), 0.42);
    EXPECT_DOUBLE_EQ(*parse_progress("progress 42%"), 0.42);
    EXPECT_DOUBLE_EQ(*parse_progress("progress 42 %"), 0.42);
    EXPECT_DOUBLE_EQ(*parse_progress("progress=3/4"), 0.75);
    EXPECT_DOUBLE_EQ(*parse_progress("[12/48] layer 12"), 0.25);
    EXPECT_DOUBLE_EQ(*parse_progress("simulating layer 29/58"), 0.5);
    EXPECT_FALSE(parse_progress("deployment: decode, EP8 DP8"));
    EXPECT_FALSE(parse_progress("[x/y]"));
    EXPECT_FALSE(parse_progress("[3/0]"));
}

TEST(ChildProcess, CapturesOutputAndExitCode) {
    ChildProcess c = ChildProcess::spawn({"/bin/sh", "-c", "echo hello; echo oops >&2; exit 3"});
    std::string out;
    ASSERT_TRUE(wait_until([&] {
        out += c.read_output();
        return !c.running();
    }));
    out += c.read_output();
    EXPECT_EQ(out, "hello\noops\n");
    EXPECT_EQ(c.exit_code(), 3);
}

TEST(ChildProcess, MissingProgramIsAnError) {
    EXPECT_THROW(ChildProcess::spawn({"/nonexistent/moetwin"}), ConfigError);
}

TEST(ChildProcess, TerminateReachesGrandchildren) {
    ChildProcess c = ChildProcess::spawn({"/bin/sh", "-c", "sleep 30 & sleep 30; wait"});
    EXPECT_TRUE(c.running());
    c.terminate();
    ASSERT_TRUE(wait_until([&] { return !c.running(); }));
    EXPECT_EQ(c.term_signal(), SIGTERM);
}

TEST(WhatIfJob, RunsTheCliAndFindsTheResult) {
    const fs::path cli = fake_cli("[ \"$1\" = run ] || exit 9\n"
                                  "test -s \"$2\" || exit 8\n"
                                  "echo 'progress 0.5'\n"
                                  "mkdir -p \"$4\" && cp \"$2\" \"$4/result.json\"\n"
                                  "echo done\n");
    WhatIfJob job;
    job.start(cli.string(), "{\"name\": \"x\"}\n");
    ASSERT_TRUE(wait_until([&] {
        job.update();
        return !job.running();
    }));
    EXPECT_EQ(job.state(), WhatIfJob::State::Succeeded) << job.error() << job.log();
    EXPECT_DOUBLE_EQ(job.progress().value_or(-1), 0.5);
    EXPECT_EQ(job.last_line(), "done");
    std::ifstream in(job.result_path());
    std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(text, "{\"name\": \"x\"}\n"); // the scenario text reached the CLI
    fs::remove_all(job.work_dir());
}

TEST(WhatIfJob, FailureKeepsTheLastLine) {
    const fs::path cli = fake_cli("echo 'moetwin: scenario.json: deployment.decode.ep_size: bad' >&2\nexit 1\n");
    WhatIfJob job;
    job.start(cli.string(), "{}");
    ASSERT_TRUE(wait_until([&] {
        job.update();
        return !job.running();
    }));
    EXPECT_EQ(job.state(), WhatIfJob::State::Failed);
    EXPECT_EQ(job.error(), "moetwin exited with status 1: moetwin: scenario.json: deployment.decode.ep_size: bad");
    fs::remove_all(job.work_dir());
}

TEST(WhatIfJob, CancelStopsARun) {
    const fs::path cli = fake_cli("echo 'progress 1/10'\nsleep 30\n");
    WhatIfJob job;
    job.start(cli.string(), "{}");
    ASSERT_TRUE(wait_until([&] {
        job.update();
        return job.progress().has_value();
    }));
    job.cancel();
    ASSERT_TRUE(wait_until(
        [&] {
            job.update();
            return !job.running();
        },
        5));
    EXPECT_EQ(job.state(), WhatIfJob::State::Cancelled);
    fs::remove_all(job.work_dir());
}

// End to end with the real CLI when it is built (or $MOETWIN_CLI names one): edit a shipped tiny scenario's
// knobs, re-run it, open its result.json.
TEST(WhatIfJob, RealCliReRunsATinyScenario) {
    const char* env     = std::getenv("MOETWIN_CLI");
    const fs::path cli  = env && *env ? fs::path(env) : fs::path(MOETWIN_BINARY_DIR) / "bin" / "moetwin";
    const fs::path scen = fs::path(MOETWIN_SOURCE_DIR) / "scenarios" / "tiny_2gpu_1layer.json";
    if (!fs::exists(cli) || !fs::exists(scen)) GTEST_SKIP() << "no moetwin CLI at " << cli << " (or no " << scen << ")";
    std::ifstream in(scen);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    ScenarioKnobs k = read_knobs(text, scen.string());
    k.batch_per_gpu = 32;
    WhatIfJob job;
    job.start(cli.string(), apply_knobs(text, k, scen.string()));
    ASSERT_TRUE(wait_until(
        [&] {
            job.update();
            return !job.running();
        },
        120));
    ASSERT_EQ(job.state(), WhatIfJob::State::Succeeded) << job.error() << "\n" << job.log();
    const LoadedResult r = load_result(job.result_path());
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.result->meta.scenario, "tiny_2gpu_1layer");
    fs::remove_all(job.work_dir());
}

TEST(WhatIfJob, MissingCliFails) {
    WhatIfJob job;
    job.start("/nonexistent/moetwin", "{}");
    EXPECT_EQ(job.state(), WhatIfJob::State::Failed);
    EXPECT_NE(job.error().find("cannot start /nonexistent/moetwin"), std::string::npos);
    fs::remove_all(job.work_dir());
}

} // namespace
} // namespace moetwin::gui
