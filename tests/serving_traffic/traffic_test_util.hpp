// SPDX-License-Identifier: Apache-2.0
// Helpers of the traffic tests: a scratch folder per test process, small files written in the test, and
// draining a source into plain vectors.
#pragma once

#include "common/errors.hpp"
#include "sim/serving/request_source.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace traffic_test {

namespace fs = std::filesystem;

inline fs::path scratch() {
    const fs::path d = fs::temp_directory_path() / ("moetwin_traffic_test_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
}

inline fs::path write_file(const std::string& name, const std::string& text) {
    const fs::path p = scratch() / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

inline fs::path write_gz(const std::string& name, const std::string& text) {
    const fs::path p = scratch() / name;
    gzFile f         = gzopen(p.string().c_str(), "wb");
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
    return p;
}

// A request with its prefix copied out of the source's buffer.
struct Owned {
    moetwin::serving::Request r;
    std::vector<uint64_t> blocks;
};

inline std::vector<Owned> drain(moetwin::serving::RequestSource& s, std::size_t limit = SIZE_MAX) {
    std::vector<Owned> out;
    moetwin::serving::Request r;
    while (out.size() < limit && s.next(r))
        out.push_back({r, std::vector<uint64_t>(r.prefix_blocks.begin(), r.prefix_blocks.end())});
    return out;
}

// The ConfigError message of `f()`, or "" when it does not throw.
template <class F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const moetwin::ConfigError& e) {
        return e.what();
    }
    return "";
}

inline fs::path shared_traces() {
    return fs::path(MOETWIN_SHARED_DIR) / "data" / "traces";
}

} // namespace traffic_test
