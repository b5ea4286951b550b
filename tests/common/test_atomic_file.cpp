// SPDX-License-Identifier: Apache-2.0
// Atomic output: the target either holds the whole new contents or is untouched.
#include "common/atomic_file.hpp"
#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace moetwin;

namespace {
fs::path scratch(const std::string& name) {
    fs::path dir = fs::temp_directory_path() / ("moetwin_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir / name;
}
} // namespace

TEST(AtomicFile, WritesAndReadsBack) {
    const fs::path p = scratch("a/b/out.txt");
    write_file_atomic(p, "hello\n");
    EXPECT_EQ(read_file(p), "hello\n");
    write_file_atomic(p, "second");
    EXPECT_EQ(read_file(p), "second");
}

TEST(AtomicFile, FailedFillLeavesOldContentsAndNoTemporary) {
    const fs::path p = scratch("fail/keep.txt");
    write_file_atomic(p, "old");
    EXPECT_THROW(write_file_atomic(p,
                                   [](std::ostream& out) {
                                       out << "partial";
                                       throw std::runtime_error("boom");
                                   }),
                 std::runtime_error);
    EXPECT_EQ(read_file(p), "old");
    int files = 0;
    for (const auto& e : fs::directory_iterator(p.parent_path()))
        files += e.path().filename() == "keep.txt" ? 0 : 1;
    EXPECT_EQ(files, 0) << "a temporary file was left behind";
}

TEST(AtomicFile, MissingFileNamesPath) {
    try {
        read_file("/nonexistent/dir/x.json");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/dir/x.json: cannot read: No such file or directory");
    }
}

namespace {
int count_temporaries(const fs::path& dir) {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir))
        n += e.path().filename().string().find(".tmp.") != std::string::npos ? 1 : 0;
    return n;
}
} // namespace

TEST(AtomicFile, PlantedSymlinksAreNeverFollowed) {
    // Issue 15 defect 9: the old temporary name ".<name>.tmp.<pid>" was predictable and opened with
    // std::ofstream, which followed a symlink planted under that name and overwrote its target.
    const fs::path p      = scratch("symlink/out.json");
    const fs::path victim = scratch("symlink_victim.txt");
    write_file_atomic(victim, "precious");
    fs::create_directories(p.parent_path());
    fs::create_symlink(victim, p.parent_path() / (".out.json.tmp." + std::to_string(::getpid())));
    write_file_atomic(p, "result");
    EXPECT_EQ(read_file(p), "result");
    EXPECT_EQ(read_file(victim), "precious");
    EXPECT_TRUE(fs::is_symlink(p.parent_path() / (".out.json.tmp." + std::to_string(::getpid()))))
        << "a symlink is not ours to remove";
    // A symlink at the target itself is replaced, not written through.
    const fs::path q = scratch("symlink/link.json");
    fs::create_symlink(victim, q);
    write_file_atomic(q, "new");
    EXPECT_FALSE(fs::is_symlink(q));
    EXPECT_EQ(read_file(q), "new");
    EXPECT_EQ(read_file(victim), "precious");
}

TEST(AtomicFile, StaleTemporariesOfDeadWritersAreRemoved) {
    const fs::path p = scratch("stale/out.json");
    fs::create_directories(p.parent_path());
    // A child that exits at once: its pid is dead (and reaped) when the temporaries are judged.
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ASSERT_GT(child, 0);
    ASSERT_EQ(::waitpid(child, nullptr, 0), child);
    const std::string dead = std::to_string(child);
    write_file_atomic(p.parent_path() / (".out.json.tmp." + dead + ".0123456789abcdef"), "stale, new naming");
    write_file_atomic(p.parent_path() / (".out.json.tmp." + dead), "stale, old naming");
    // Not ours to remove: a live writer (this process), another target's temporary, a lookalike name.
    write_file_atomic(p.parent_path() / (".out.json.tmp." + std::to_string(::getpid()) + ".0123456789abcdef"), "live");
    write_file_atomic(p.parent_path() / (".other.json.tmp." + dead), "another target");
    write_file_atomic(p.parent_path() / (".out.json.tmp." + dead + ".notahexsuffix!!"), "lookalike");
    ASSERT_EQ(count_temporaries(p.parent_path()), 5);
    write_file_atomic(p, "result");
    EXPECT_EQ(read_file(p), "result");
    EXPECT_EQ(count_temporaries(p.parent_path()), 3);
    EXPECT_FALSE(fs::exists(p.parent_path() / (".out.json.tmp." + dead)));
    EXPECT_FALSE(fs::exists(p.parent_path() / (".out.json.tmp." + dead + ".0123456789abcdef")));
}

TEST(AtomicFile, FiftyKillsMidWriteLeaveNoTruncatedOrStaleFile) {
    // A child rewrites a 4 MiB file in a loop and is killed (SIGKILL) at a varying moment, 50 times.
    // The target must always hold one whole version; the next write must find no stale temporary left.
    const fs::path p       = scratch("kills/big.bin");
    const std::size_t size = 4u << 20;
    write_file_atomic(p, std::string(size, 'a'));
    int truncated = 0, stale_after_rerun = 0, stale_before_rerun = 0;
    for (int k = 0; k < 50; ++k) {
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            for (char c = 'b';; c = char(c == 'z' ? 'b' : c + 1))
                write_file_atomic(p, [&](std::ostream& out) {
                    for (std::size_t i = 0; i < size; i += 4096)
                        out << std::string(4096, c);
                });
        }
        ::usleep(useconds_t(2000 + 997 * k % 20000)); // 2-22 ms: inside a write most of the time
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        stale_before_rerun += count_temporaries(p.parent_path());
        const std::string now = read_file(p);
        if (now.size() != size || now.find_first_not_of(now[0]) != std::string::npos) ++truncated;
        write_file_atomic(p.parent_path() / "other.bin", "x"); // another target's write cleans nothing here
        write_file_atomic(p, std::string(size, 'a'));          // the rerun
        stale_after_rerun += count_temporaries(p.parent_path());
    }
    std::printf("50 kills: %d temporaries found before the reruns, %d after, %d truncated targets\n",
                stale_before_rerun, stale_after_rerun, truncated);
    EXPECT_EQ(truncated, 0);
    EXPECT_EQ(stale_after_rerun, 0);
}

// The temporary a child process fills (gnuplot's PNG on its stdout): nothing at the target until commit(),
// removed when not committed, never a followed symlink, and a killed run's leftover removed by the next one.
TEST(AtomicFile, TemporaryForAnOutsideWriterCommitsOrVanishes) {
    const fs::path p = scratch("outside/plot.png");
    {
        AtomicTemporary t(p);
        ASSERT_EQ(::write(t.fd(), "half", 4), 4);
        EXPECT_FALSE(fs::exists(p));
    } // not committed
    EXPECT_FALSE(fs::exists(p));
    EXPECT_TRUE(fs::is_empty(p.parent_path()));
    const fs::path victim = scratch("outside_victim.txt");
    write_file_atomic(victim, "precious");
    fs::create_symlink(victim, p); // a planted symlink at the target is replaced, never followed
    AtomicTemporary t(p);
    ASSERT_EQ(::write(t.fd(), "png", 3), 3);
    t.commit();
    EXPECT_EQ(read_file(p), "png");
    EXPECT_FALSE(fs::is_symlink(p));
    EXPECT_EQ(read_file(victim), "precious");
    EXPECT_EQ(std::distance(fs::directory_iterator(p.parent_path()), fs::directory_iterator()), 1);
}

// The drift cache's work folder: fresh (mkdtemp), and folders of its prefix left by dead processes removed.
TEST(AtomicFile, WorkFoldersOfDeadProcessesAreRemoved) {
    const fs::path dir = scratch("work");
    fs::create_directories(dir);
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ASSERT_GT(child, 0);
    ASSERT_EQ(::waitpid(child, nullptr, 0), child);
    const fs::path stale = dir / ("drift_tmp_k_" + std::to_string(child) + ".abcdef");
    write_file_atomic(stale / "loads_0.json", "{}");
    const fs::path live = dir / ("drift_tmp_k_" + std::to_string(::getpid()) + ".ghijkl");
    fs::create_directories(live);
    const fs::path victim = scratch("work_victim");
    write_file_atomic(victim / "keep.json", "precious");
    const fs::path planted = dir / ("drift_tmp_k_" + std::to_string(child) + ".zzzzzz");
    fs::create_directory_symlink(victim, planted); // a lookalike symlink: neither followed nor judged
    const fs::path mine = create_work_dir(dir, "drift_tmp_k_");
    EXPECT_TRUE(fs::is_directory(mine));
    EXPECT_EQ(mine.parent_path(), dir);
    EXPECT_EQ(mine.filename().string().rfind("drift_tmp_k_" + std::to_string(::getpid()) + ".", 0), 0u);
    EXPECT_FALSE(fs::exists(stale));
    EXPECT_TRUE(fs::is_directory(live));
    EXPECT_TRUE(fs::is_symlink(planted));
    EXPECT_EQ(read_file(victim / "keep.json"), "precious");
    EXPECT_NE(create_work_dir(dir, "drift_tmp_k_"), mine); // a second one is another folder
}
