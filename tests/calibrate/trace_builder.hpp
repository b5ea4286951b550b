// SPDX-License-Identifier: Apache-2.0
// Small PyTorch-profiler traces for the importer's tests: events built by hand, written plain or gzip'd.
#pragma once

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <array>
#include <stdexcept>
#include <string>

namespace moetwin::calib::test {

struct TraceBuilder {
    nlohmann::json events = nlohmann::json::array();

    void annotation(const std::string& name, int tid, double ts, double dur) {
        events.push_back({{"ph", "X"},
                          {"cat", "user_annotation"},
                          {"name", name},
                          {"pid", 1},
                          {"tid", tid},
                          {"ts", ts},
                          {"dur", dur}});
    }
    void launch(int correlation, int tid, double ts) {
        events.push_back({{"ph", "X"},
                          {"cat", "cuda_runtime"},
                          {"name", "cudaLaunchKernel"},
                          {"pid", 1},
                          {"tid", tid},
                          {"ts", ts},
                          {"dur", 3},
                          {"args", {{"correlation", correlation}}}});
    }
    void kernel(int correlation, const std::string& name, int stream, double ts, double dur,
                std::array<int, 3> grid = {1, 1, 1}) {
        events.push_back({{"ph", "X"},
                          {"cat", "kernel"},
                          {"name", name},
                          {"pid", 0},
                          {"tid", stream},
                          {"ts", ts},
                          {"dur", dur},
                          {"args", {{"correlation", correlation}, {"stream", stream}, {"grid", grid}}}});
    }
    std::string text() const {
        nlohmann::json top = {{"schemaVersion", 1},
                              {"deviceProperties", {{{"id", 0}, {"name", "NVIDIA H800"}, {"numSms", 132}}}},
                              {"traceEvents", events}};
        return top.dump(1);
    }
};

inline std::string gzip(const std::string& text) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2");
    std::string out(deflateBound(&zs, uLong(text.size())), '\0');
    zs.next_in   = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in  = uInt(text.size());
    zs.next_out  = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = uInt(out.size());
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

} // namespace moetwin::calib::test
