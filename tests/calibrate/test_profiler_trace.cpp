// SPDX-License-Identifier: Apache-2.0
// Reading profiler traces: plain and gzip give the same events; every malformed case names the file, the
// position and what was expected.
#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sim/calibrate/profiler_trace.hpp"
#include "trace_builder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace moetwin::calib {
namespace {

namespace fs = std::filesystem;
using test::TraceBuilder;
using ::testing::HasSubstr;

TraceBuilder one_kernel() {
    TraceBuilder b;
    b.annotation("attn(F)", 1, 0, 100);
    b.launch(7, 1, 10);
    b.kernel(7, "void cuda::per_token_cast_to_fp8_with_channels<__nv_bfloat16>", 7, 1000, 20, {4096, 1, 1});
    return b;
}

fs::path temp(const std::string& name) {
    return fs::temp_directory_path() / ("moetwin_trace_" + std::to_string(::getpid()) + "_" + name);
}

std::string error_of(const std::string& text) {
    try {
        parse_profiler_trace(text, "t.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(ProfilerTrace, PlainAndGzipGiveTheSameEvents) {
    const std::string text = one_kernel().text();
    const fs::path plain = temp("plain.json"), gz = temp("trace.json.gz");
    write_file_atomic(plain, text);
    write_file_atomic(gz, test::gzip(text));
    for (const fs::path& p : {plain, gz}) {
        const ProfilerTrace t = read_profiler_trace(p);
        ASSERT_EQ(t.kernels.size(), 1u);
        EXPECT_EQ(t.kernels[0].correlation, 7);
        EXPECT_EQ(t.kernels[0].stream, 7);
        EXPECT_DOUBLE_EQ(t.kernels[0].dur_us, 20);
        EXPECT_EQ(t.kernels[0].ctas(), 4096);
        EXPECT_EQ(t.launches[t.kernels[0].launch].ts_us, 10);
        ASSERT_EQ(t.annotations.size(), 1u);
        EXPECT_EQ(t.device_name, "NVIDIA H800");
        EXPECT_EQ(t.device_sms, 132);
    }
    fs::remove(plain);
    fs::remove(gz);
}

TEST(ProfilerTrace, TruncatedGzipIsRejected) {
    const std::string z = test::gzip(one_kernel().text());
    const fs::path p    = temp("cut.json.gz");
    write_file_atomic(p, z.substr(0, z.size() / 2));
    try {
        read_profiler_trace(p);
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), HasSubstr(p.string() + ": truncated gzip stream"));
        EXPECT_THAT(e.what(), HasSubstr("expected a complete gzip file"));
    }
    fs::remove(p);
}

TEST(ProfilerTrace, SyntaxErrorsGiveLineAndColumn) {
    const std::string e = error_of("{\n  \"traceEvents\": [\n    {\"cat\": }\n]}");
    EXPECT_THAT(e, HasSubstr("t.json:3:13: invalid JSON: syntax error"));
}

TEST(ProfilerTrace, MissingTraceEventsIsRejected) {
    EXPECT_THAT(error_of("{\"schemaVersion\": 1}"),
                HasSubstr("t.json: (top level): missing required key \"traceEvents\""));
    EXPECT_THAT(error_of("{\"traceEvents\": {}}"), HasSubstr("t.json: traceEvents: expected an array, got an object"));
    EXPECT_THAT(error_of("[1, 2]"), HasSubstr("t.json: (top level): expected an object, got an array of 2 elements"));
}

TEST(ProfilerTrace, KernelFieldsAreRequired) {
    for (const char* field : {"ts", "dur"}) {
        TraceBuilder b = one_kernel();
        b.events[2].erase(field);
        EXPECT_THAT(error_of(b.text()), HasSubstr(std::string("t.json: traceEvents[2].") + field + " (\"void cuda::"))
            << field;
    }
    TraceBuilder b = one_kernel();
    b.events[2]["args"].erase("correlation");
    EXPECT_THAT(error_of(b.text()),
                HasSubstr("traceEvents[2].args.correlation (\"void cuda::per_token_cast_to_fp8_with_channels<__nv_"
                          "bfloat16\"): expected an integer (the correlation id of the kernel's launch), got "
                          "nothing"));
}

TEST(ProfilerTrace, KernelWithoutLaunchIsRejected) {
    TraceBuilder b                     = one_kernel();
    b.events[2]["args"]["correlation"] = 8;
    EXPECT_THAT(error_of(b.text()), HasSubstr("t.json: traceEvents[2].args.correlation (\"void cuda::per_token_cast_to_"
                                              "fp8_with_channels<__nv_bfloat16\"): no cuda_runtime or cuda_driver "
                                              "event has correlation 8: expected the launch of every kernel"));
}

} // namespace
} // namespace moetwin::calib
