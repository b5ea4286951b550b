// SPDX-License-Identifier: Apache-2.0
// fuzz_replay READER PATH...: feeds every file (directories: every regular file inside, sorted) to the
// reader's fuzz entry point with the ordinary compiler, so that ctest replays the regression corpus and
// the seeds without clang. Relative paths inside a scenario resolve against its own folder. Exits 0 when
// every input ends normally or in a ConfigError; anything else aborts the process (the test fails).
#include "common/atomic_file.hpp"
#include "tests/fuzz/fuzz_readers.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: fuzz_replay READER PATH...\n");
        return 2;
    }
    const moetwin::fuzz::Reader* reader = moetwin::fuzz::find_reader(argv[1]);
    if (!reader) {
        std::fprintf(stderr, "fuzz_replay: unknown reader '%s'\n", argv[1]);
        return 2;
    }
    std::vector<fs::path> files;
    for (int i = 2; i < argc; ++i) {
        const fs::path p = argv[i];
        if (fs::is_directory(p)) {
            for (const auto& e : fs::directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else {
            files.push_back(p);
        }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        std::fprintf(stderr, "fuzz_replay: no input files\n");
        return 1;
    }
    for (const fs::path& f : files) {
        std::fprintf(stderr, "%s: %s\n", argv[1], f.c_str());
        moetwin::fuzz::feed(*reader, moetwin::read_file(f), fs::absolute(f).parent_path());
    }
    std::printf("%s: %zu inputs replayed, none crashed\n", argv[1], files.size());
    return 0;
}
