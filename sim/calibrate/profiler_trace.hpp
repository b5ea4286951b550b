// SPDX-License-Identifier: Apache-2.0
// A PyTorch-profiler Chrome trace (plain JSON or gzip), reduced to what calibration needs: GPU kernels,
// their launches (cuda_runtime / cuda_driver events with the same correlation id) and the CPU
// user_annotation ranges that name the stages. Reading is strict: a trace that is not JSON, has no
// traceEvents, a kernel without correlation/ts/dur/stream, or a kernel whose launch is missing is rejected
// with ConfigError naming the file, the position (line:column for syntax errors, else the event's JSON
// path) and what was expected.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin::calib {

struct TraceKernel {
    std::size_t event = 0; // index in traceEvents
    std::string name;
    double ts_us        = 0;
    double dur_us       = 0;
    int64_t stream      = 0;
    int64_t correlation = 0;
    std::array<int64_t, 3> grid{0, 0, 0}; // 0 when the trace has no grid
    std::size_t launch = 0;               // index into ProfilerTrace::launches
    int64_t ctas() const { return grid[0] * grid[1] * grid[2]; }
    double end_us() const { return ts_us + dur_us; }
};

// pid and tid are kept as their JSON text: Chrome traces use numbers or strings.
struct TraceLaunch {
    std::size_t event = 0;
    std::string name; // cudaLaunchKernel, cuLaunchKernel, ...
    std::string pid, tid;
    double ts_us        = 0;
    int64_t correlation = 0;
};

struct TraceAnnotation {
    std::size_t event = 0;
    std::string name;
    std::string pid, tid;
    double ts_us  = 0;
    double dur_us = 0;
    bool encloses(double ts) const { return ts >= ts_us && ts < ts_us + dur_us; }
};

struct ProfilerTrace {
    std::string origin;               // the file, for messages
    std::string device_name;          // deviceProperties[0].name ("" when absent)
    int device_sms = 0;               // deviceProperties[0].numSms (0 when absent)
    std::string trace_name;           // traceName ("" when absent)
    std::vector<TraceKernel> kernels; // in file order
    std::vector<TraceLaunch> launches;
    std::vector<TraceAnnotation> annotations;
};

// The file's bytes, inflated when they start with the gzip magic. Throws ConfigError "<file>: ..." for a
// truncated or corrupt gzip stream.
std::string read_trace_text(const std::filesystem::path& path);
ProfilerTrace parse_profiler_trace(std::string_view json_text, const std::string& origin);
ProfilerTrace read_profiler_trace(const std::filesystem::path& path);

} // namespace moetwin::calib
