// SPDX-License-Identifier: Apache-2.0
// Strict reading of PyTorch-profiler Chrome traces (profiler_trace.hpp).
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#include "sim/calibrate/profiler_trace.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include <zlib.h>

#include <unordered_map>

namespace moetwin::calib {
namespace {

using nlohmann::json;

std::string inflate_gzip(const std::string& bytes, const std::string& origin) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) throw ConfigError(origin + ": cannot initialise zlib");
    zs.next_in  = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = uInt(bytes.size());
    std::string out;
    char buf[1 << 16];
    int ret = Z_OK;
    while (ret == Z_OK) {
        zs.next_out  = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        ret          = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, sizeof buf - zs.avail_out);
        if (ret == Z_BUF_ERROR && zs.avail_in == 0) break; // input ran out before the stream ended
    }
    const uLong consumed  = zs.total_in;
    const std::string why = zs.msg ? zs.msg : "";
    inflateEnd(&zs);
    if (ret != Z_STREAM_END) {
        if (ret == Z_BUF_ERROR || ret == Z_OK)
            throw ConfigError(origin + ": truncated gzip stream: it ends after " + std::to_string(consumed) +
                              " compressed bytes (" + std::to_string(out.size()) +
                              " inflated): expected a complete gzip file");
        throw ConfigError(origin + ": corrupt gzip stream at compressed byte " + std::to_string(consumed) + ": " + why +
                          ": expected a gzip-compressed JSON trace");
    }
    return out;
}

// A path-aware accessor for one event.
struct Event {
    const json& j;
    std::size_t index;
    const std::string& origin;

    std::string path(std::string_view key = {}) const {
        return "traceEvents[" + std::to_string(index) + "]" + (key.empty() ? "" : "." + std::string(key));
    }
    [[noreturn]] void fail(std::string_view key, const std::string& what) const {
        std::string label;
        if (const auto n = j.find("name"); n != j.end() && n->is_string())
            label = " (\"" + n->get<std::string>().substr(0, 60) + "\")";
        throw ConfigError(origin + ": " + path(key) + label + ": " + what);
    }
    const json* find(const json& obj, std::string_view key) const {
        const auto it = obj.find(key);
        return it == obj.end() ? nullptr : &*it;
    }
    double number(std::string_view key, const char* what) const {
        const json* v = find(j, key);
        if (!v || !v->is_number())
            fail(key, std::string("expected a number (") + what + "), got " + (v ? describe_json(*v) : "nothing"));
        return v->get<double>();
    }
    std::string id(std::string_view key) const {
        const json* v = find(j, key);
        if (!v || !(v->is_number_integer() || v->is_string())) fail(key, "expected a number or a string");
        return v->is_string() ? v->get<std::string>() : v->dump();
    }
    std::string name() const {
        const json* v = find(j, "name");
        if (!v || !v->is_string()) fail("name", "expected a string");
        return v->get<std::string>();
    }
    const json& args(const char* what) const {
        const json* v = find(j, "args");
        if (!v || !v->is_object()) fail("args", std::string("expected an object with ") + what);
        return *v;
    }
    // Read as 64-bit; unsigned values above INT64_MAX are out of range, not wrapped.
    int64_t arg_integer(const json& a, std::string_view key, const char* what, int64_t min = INT64_MIN,
                        int64_t max = INT64_MAX) const {
        const json* v = find(a, key);
        if (!v || !v->is_number_integer())
            fail("args." + std::string(key),
                 std::string("expected an integer (") + what + "), got " + (v ? describe_json(*v) : "nothing"));
        const bool huge = v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX);
        if (huge || v->get<int64_t>() < min || v->get<int64_t>() > max)
            fail("args." + std::string(key), v->dump() + " is out of range [" + std::to_string(min) + ", " +
                                                 std::to_string(max) + "] (" + what + ")");
        return v->get<int64_t>();
    }
};

// deviceProperties[0].name and numSms when present. numSms is range-checked before narrowing (issue 15 item 13);
// 1024 is the scenario's bound on hardware.num_sms (sim/scenario_json.cpp).
void read_device(const JsonObject& top, ProfilerTrace& t) {
    if (!top.has("deviceProperties") || !top.value("deviceProperties").is_array()) return;
    const JsonArray devices = top.array("deviceProperties");
    if (devices.empty() || !devices[0].is_object()) return;
    const JsonObject d = devices.object(0);
    if (d.has("name") && d.value("name").is_string()) t.device_name = d.string("name");
    if (d.has("numSms")) t.device_sms = int(d.integer_in("numSms", 1, 1024));
}

} // namespace

std::string read_trace_text(const std::filesystem::path& path) {
    const std::string bytes = read_file(path);
    const bool gzip         = bytes.size() >= 2 && uint8_t(bytes[0]) == 0x1f && uint8_t(bytes[1]) == 0x8b;
    return gzip ? inflate_gzip(bytes, path.string()) : bytes;
}

ProfilerTrace parse_profiler_trace(std::string_view text, const std::string& origin) {
    // A Chrome trace is an open format: the top level and events carry keys moetwin does not read, so unknown keys
    // are accepted here (the only reader that does); duplicates, depth and number range are checked as everywhere.
    const json doc = parse_json_text(text, origin);
    const JsonObject top(doc, "", origin);
    const JsonArray events = top.array("traceEvents");
    ProfilerTrace t;
    t.origin = origin;
    read_device(top, t);
    if (top.has("traceName") && top.value("traceName").is_string()) t.trace_name = top.string("traceName");

    for (std::size_t i = 0; i < events.size(); ++i) {
        const json& j = events[i];
        if (!j.is_object()) events.fail(i, "expected an object, got " + describe_json(j));
        const Event e{j, i, origin};
        const auto cat_it = j.find("cat");
        if (cat_it == j.end() || !cat_it->is_string()) continue; // metadata, flow arrows without a category
        const std::string cat = cat_it->get<std::string>();
        if (cat == "kernel") {
            TraceKernel k;
            k.event  = i;
            k.name   = e.name();
            k.ts_us  = e.number("ts", "the kernel's start in µs");
            k.dur_us = e.number("dur", "the kernel's duration in µs");
            if (k.dur_us < 0) e.fail("dur", "expected a duration >= 0");
            const json& a = e.args("the kernel's correlation and stream");
            k.correlation = e.arg_integer(a, "correlation", "the correlation id of the kernel's launch");
            k.stream      = e.arg_integer(a, "stream", "the CUDA stream the kernel ran on");
            if (const auto g = a.find("grid"); g != a.end()) {
                if (!g->is_array() || g->size() != 3)
                    e.fail("args.grid", "expected an array of 3 integers (the launch grid)");
                // CUDA's grid limits (x < 2^31, y and z < 2^16) also keep ctas() within int64.
                const int64_t max_dim[3] = {INT32_MAX, 65535, 65535};
                for (std::size_t d = 0; d < 3; ++d) {
                    const json& v = (*g)[d];
                    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) ||
                        v.get<int64_t>() < 0 || v.get<int64_t>() > max_dim[d])
                        e.fail("args.grid", "expected an array of 3 integers within CUDA's grid limits [2147483647, "
                                            "65535, 65535], got " +
                                                describe_json(v) + " at [" + std::to_string(d) + "]");
                    k.grid[d] = v.get<int64_t>();
                }
            }
            t.kernels.push_back(std::move(k));
        } else if (cat == "cuda_runtime" || cat == "cuda_driver") {
            const auto a = j.find("args");
            if (a == j.end() || !a->is_object() || !a->contains("correlation")) continue; // not a launch
            t.launches.push_back({.event       = i,
                                  .name        = e.name(),
                                  .pid         = e.id("pid"),
                                  .tid         = e.id("tid"),
                                  .ts_us       = e.number("ts", "the launch time in µs"),
                                  .correlation = e.arg_integer(*a, "correlation", "the launch's correlation id")});
        } else if (cat == "user_annotation") {
            TraceAnnotation u{.event = i, .name = e.name(), .pid = e.id("pid"), .tid = e.id("tid")};
            u.ts_us  = e.number("ts", "the annotation's start in µs");
            u.dur_us = e.number("dur", "the annotation's duration in µs (a complete \"X\" event)");
            t.annotations.push_back(std::move(u));
        }
    }
    std::unordered_map<int64_t, std::size_t> by_correlation;
    for (std::size_t i = 0; i < t.launches.size(); ++i)
        by_correlation.emplace(t.launches[i].correlation, i);
    for (TraceKernel& k : t.kernels) {
        const auto it = by_correlation.find(k.correlation);
        if (it == by_correlation.end())
            Event{events[k.event], k.event, origin}.fail(
                "args.correlation", "no cuda_runtime or cuda_driver event has correlation " +
                                        std::to_string(k.correlation) + ": expected the launch of every kernel");
        k.launch = it->second;
    }
    return t;
}

ProfilerTrace read_profiler_trace(const std::filesystem::path& path) {
    return parse_profiler_trace(read_trace_text(path), path.string());
}

} // namespace moetwin::calib
