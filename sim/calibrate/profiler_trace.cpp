// SPDX-License-Identifier: Apache-2.0
// Strict reading of PyTorch-profiler Chrome traces (profiler_trace.hpp).
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#include "sim/calibrate/profiler_trace.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/text_position.hpp"

#include <nlohmann/json.hpp>
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
        if (!v || !v->is_number()) fail(key, std::string("expected a number: ") + what);
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
    int64_t arg_integer(const json& a, std::string_view key, const char* what) const {
        const json* v = find(a, key);
        if (!v || !v->is_number_integer())
            fail("args." + std::string(key), std::string("expected an integer: ") + what);
        return v->get<int64_t>();
    }
};

void read_device(const json& top, ProfilerTrace& t) {
    const auto it = top.find("deviceProperties");
    if (it == top.end() || !it->is_array() || it->empty() || !(*it)[0].is_object()) return;
    const json& d = (*it)[0];
    if (const auto n = d.find("name"); n != d.end() && n->is_string()) t.device_name = n->get<std::string>();
    if (const auto n = d.find("numSms"); n != d.end() && n->is_number_integer()) t.device_sms = n->get<int>();
}

} // namespace

std::string read_trace_text(const std::filesystem::path& path) {
    const std::string bytes = read_file(path);
    const bool gzip         = bytes.size() >= 2 && uint8_t(bytes[0]) == 0x1f && uint8_t(bytes[1]) == 0x8b;
    return gzip ? inflate_gzip(bytes, path.string()) : bytes;
}

ProfilerTrace parse_profiler_trace(std::string_view text, const std::string& origin) {
    json top;
    try {
        top = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        std::string msg = e.what();
        if (const auto colon = msg.find(": "); msg.rfind("[json.exception", 0) == 0 && colon != std::string::npos)
            msg = msg.substr(colon + 2);
        throw ConfigError(origin + ":" + to_string(json_error_position(text, e.byte)) + ": JSON syntax error: " + msg +
                          " (expected a Chrome trace JSON object)");
    }
    if (!top.is_object())
        throw ConfigError(origin + ": (top level): expected a Chrome trace object with \"traceEvents\", got " +
                          std::string(top.type_name()));
    const auto events = top.find("traceEvents");
    if (events == top.end() || !events->is_array())
        throw ConfigError(origin + ": traceEvents: expected an array of trace events (PyTorch profiler export)");
    ProfilerTrace t;
    t.origin = origin;
    read_device(top, t);
    if (const auto n = top.find("traceName"); n != top.end() && n->is_string()) t.trace_name = n->get<std::string>();

    for (std::size_t i = 0; i < events->size(); ++i) {
        const json& j = (*events)[i];
        if (!j.is_object())
            throw ConfigError(origin + ": traceEvents[" + std::to_string(i) + "]: expected an object, got " +
                              std::string(j.type_name()));
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
                for (std::size_t d = 0; d < 3; ++d) {
                    if (!(*g)[d].is_number_integer()) e.fail("args.grid", "expected an array of 3 integers");
                    k.grid[d] = (*g)[d].get<int64_t>();
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
            Event{(*events)[k.event], k.event, origin}.fail(
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
