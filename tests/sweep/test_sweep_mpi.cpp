// SPDX-License-Identifier: Apache-2.0
// `moetwin sweep` through the binary: bad input refused before anything runs, the per-point scenario files,
// and the MPI backend (sim/sweep/sweep_mpi.hpp): `mpirun -n 2` writes byte-identical outputs to a local run.
// Skips the MPI case when moetwin was built without MPI or mpirun is not installed.
#include "../support/run_moetwin.hpp"
#include "common/atomic_file.hpp"
#include "sim/sweep/sweep_mpi.hpp"
#include "sweep_test_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace moetwin::sweep {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// 12 points: 4 invalid (draft_tokens 5), 4 not fitting (4096 requests), 4 simulated.
const char* kAxes = R"([{"path": "workload.requests_per_gpu", "values": [16, 4096]},
                        {"path": "routing.replica_policy", "values": ["round_robin", "least_loaded"]},
                        {"path": "workload.mtp.draft_tokens", "values": [0, 1, 5]}])";

fs::path write_sweep(const fs::path& dir, const std::string& axes) {
    const fs::path file = dir / "sweep.json";
    write_file_atomic(file, test::sweep_text(axes));
    return file;
}

bool on_path(const std::string& program) {
    return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

TEST(SweepCli, BadInputIsRefusedBeforeAnythingRuns) {
    const fs::path dir  = test::temp_dir("cli_bad");
    const fs::path file = write_sweep(dir, R"([{"path": "workload.requests_per_gpuu", "values": [8]}])");
    const auto r = moetwin_test::run_moetwin("sweep '" + file.string() + "' --out '" + (dir / "o").string() + "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr("sweep.json: axes[0].path"));
    EXPECT_THAT(r.output, HasSubstr("did you mean \"workload.requests_per_gpu\""));
    EXPECT_FALSE(fs::exists(dir / "o")); // nothing ran, nothing written
}

TEST(SweepCli, EverySimulatedPointHasAScenarioFileThatReproducesIt) {
    const fs::path dir  = test::temp_dir("cli_scen");
    const fs::path file = write_sweep(dir, R"([{"path": "workload.requests_per_gpu", "values": [16]}])");
    const auto r =
        moetwin_test::run_moetwin("sweep '" + file.string() + "' --out '" + (dir / "o").string() + "' --top 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("top 1 deployments"));
    const std::string csv = read_file(dir / "o" / "sweep.csv");
    const auto pos        = csv.find("scenarios/");
    ASSERT_NE(pos, std::string::npos) << csv;
    const std::string rel = csv.substr(pos, csv.find(',', pos) - pos);
    ASSERT_TRUE(fs::is_regular_file(dir / "o" / rel)) << rel;
    // `moetwin run` on it gives the step time the sweep recorded.
    const auto run =
        moetwin_test::run_moetwin("run '" + (dir / "o" / rel).string() + "' --out '" + (dir / "run").string() + "'");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    const auto step = run.output.find("step time: ");
    ASSERT_NE(step, std::string::npos) << run.output;
    const std::string ms = run.output.substr(step + 11, run.output.find(" ms", step) - step - 11);
    EXPECT_THAT(csv, HasSubstr("," + ms)) << "run printed " << ms << " ms; the sweep recorded:\n" << csv;
}

TEST(SweepMpi, UnderMpirunTheOutputIsTheLocalRunsByteForByte) {
    if (!mpi_built()) GTEST_SKIP() << "moetwin was built without MPI (libopenmpi-dev)";
    if (!on_path("mpirun")) GTEST_SKIP() << "mpirun is not installed (openmpi-bin)";
    const fs::path dir  = test::temp_dir("mpi");
    const fs::path file = write_sweep(dir, kAxes);
    const auto local =
        moetwin_test::run_moetwin("sweep '" + file.string() + "' --jobs 2 --out '" + (dir / "local").string() + "'");
    ASSERT_EQ(local.exit_code, 0) << local.output;
    // Root may run mpirun only when told to (containers, CI); --oversubscribe: more ranks than cores is fine.
    const std::string mpirun = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp "
                               "mpirun --oversubscribe -n 2 '" +
                               std::string(MOETWIN_BINARY_DIR) + "/bin/moetwin' sweep '" + file.string() + "' --out '" +
                               (dir / "mpi").string() + "' 2>&1";
    FILE* pipe = ::popen(mpirun.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
        out.append(buf, n);
    ASSERT_EQ(::pclose(pipe), 0) << out;
    EXPECT_THAT(out, HasSubstr("2 MPI ranks"));
    EXPECT_THAT(out, HasSubstr("simulations: 4 run, 0 from the cache ("));
    EXPECT_THAT(out, ::testing::Not(HasSubstr("(0 run by the other ranks)"))); // rank 1 took its share
    EXPECT_EQ(read_file(dir / "local" / "sweep.csv"), read_file(dir / "mpi" / "sweep.csv"));
    EXPECT_EQ(read_file(dir / "local" / "sweep.json"), read_file(dir / "mpi" / "sweep.json"));
}

// An error on rank 0 alone (its output folder cannot be created) must not leave rank 1 waiting: it aborts all.
TEST(SweepMpi, AnErrorOnOneRankEndsTheJob) {
    if (!mpi_built()) GTEST_SKIP() << "moetwin was built without MPI (libopenmpi-dev)";
    if (!on_path("mpirun")) GTEST_SKIP() << "mpirun is not installed (openmpi-bin)";
    const fs::path dir  = test::temp_dir("mpi_abort");
    const fs::path file = write_sweep(dir, kAxes);
    write_file_atomic(dir / "blocker", "a file where the output folder should be\n");
    const std::string cmd = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 mpirun "
                            "--oversubscribe -n 2 '" +
                            std::string(MOETWIN_BINARY_DIR) + "/bin/moetwin' sweep '" + file.string() + "' --out '" +
                            (dir / "blocker" / "out").string() + "' 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
        out.append(buf, n);
    const int status = ::pclose(pipe);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_NE(WEXITSTATUS(status), 0) << out;
    EXPECT_NE(WEXITSTATUS(status), 124) << "timed out: a rank was left waiting\n" << out;
    EXPECT_THAT(out, HasSubstr("moetwin: rank 0: "));
    EXPECT_THAT(out, HasSubstr("cannot create the sweep's cache folder"));
}

TEST(SweepMpi, WithoutMpiAnMpirunLaunchIsRefused) {
    if (mpi_built()) GTEST_SKIP() << "this moetwin has MPI";
    const fs::path dir    = test::temp_dir("nompi");
    const fs::path file   = write_sweep(dir, kAxes);
    const std::string cmd = "OMPI_COMM_WORLD_SIZE=2 '" + std::string(MOETWIN_BINARY_DIR) + "/bin/moetwin' sweep '" +
                            file.string() + "' --out '" + (dir / "m").string() + "' 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
        out.append(buf, n);
    const int status = ::pclose(pipe);
    EXPECT_EQ(WEXITSTATUS(status), 1) << out;
    EXPECT_THAT(out, HasSubstr("built without MPI"));
}

} // namespace
} // namespace moetwin::sweep
