// SPDX-License-Identifier: Apache-2.0
// Atomic output: the target either holds the whole new contents or is untouched.
#include "common/atomic_file.hpp"
#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
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
    EXPECT_THROW(write_file_atomic(p, [](std::ostream& out) {
                     out << "partial";
                     throw std::runtime_error("boom");
                 }),
                 std::runtime_error);
    EXPECT_EQ(read_file(p), "old");
    int files = 0;
    for (const auto& e : fs::directory_iterator(p.parent_path())) files += e.path().filename() == "keep.txt" ? 0 : 1;
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
