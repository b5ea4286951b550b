// SPDX-License-Identifier: Apache-2.0
// Chrome/Perfetto Trace Event writer (layout in chrome_trace.hpp). Written by hand, one event per line,
// so 10^6 spans stream without building a json tree.
#include "sim/result/chrome_trace.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"

#ifndef JSON_USE_IMPLICIT_CONVERSIONS
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#endif
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <locale>
#include <map>
#include <ostream>
#include <tuple>

namespace moetwin {
namespace {

std::string quote(std::string_view s) {
    return nlohmann::json(std::string(s)).dump();
} // escaped JSON string

// Writes events separated by ",\n" (one event per line).
struct Events {
    std::ostream& out;
    bool first = true;
    std::ostream& next() {
        if (!first) out << ",\n";
        first = false;
        return out;
    }
};

void write_metadata(const RunResult& r, Events& ev) {
    const RunMeta& m = r.meta;
    for (int32_t node = 0; node < m.num_nodes; ++node) {
        ev.next() << "{\"ph\":\"M\",\"pid\":" << node << ",\"name\":\"process_name\",\"args\":{\"name\":\"node " << node
                  << "\"}}";
        ev.next() << "{\"ph\":\"M\",\"pid\":" << node
                  << ",\"name\":\"process_sort_index\",\"args\":{\"sort_index\":" << node << "}}";
        for (int32_t rank = 0; rank < m.gpus_per_node; ++rank) {
            const int32_t gpu = node * m.gpus_per_node + rank;
            for (int lane = 0; lane < kNumLanes; ++lane) {
                const int32_t tid = rank * kNumLanes + lane;
                ev.next() << "{\"ph\":\"M\",\"pid\":" << node << ",\"tid\":" << tid
                          << ",\"name\":\"thread_name\",\"args\":{\"name\":\"gpu" << gpu << ' ' << to_string(Lane(lane))
                          << "\"}}";
                ev.next() << "{\"ph\":\"M\",\"pid\":" << node << ",\"tid\":" << tid
                          << ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":" << tid << "}}";
            }
        }
    }
}

// pid, tid of a span's thread.
std::string thread_of(const RunMeta& m, int32_t gpu, Lane lane) {
    return "\"pid\":" + std::to_string(gpu / m.gpus_per_node) +
           ",\"tid\":" + std::to_string((gpu % m.gpus_per_node) * kNumLanes + int(lane));
}

// Shortest decimal that reads back as `v` (locale-independent); `digits` >= 0: that many decimals.
std::string number(double v, int digits = -1) {
    char buf[64];
    const auto res = digits < 0 ? std::to_chars(buf, buf + sizeof buf, v)
                                : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, digits);
    return std::string(buf, res.ptr);
}

// Where a flow's "s" (strictly inside the sender's span) and "f" (strictly inside the receiver's) go, with
// s < f (a viewer drops an arrow whose end it reads before its start): a third and two thirds into the
// spans' common time when they overlap by >= 3 ns (a phase's spans do), else their middles when the
// sender's ends first. False when neither holds.
bool flow_times(const Span& src, const Span& dst, int64_t& s_ns, int64_t& f_ns) {
    const int64_t lo = std::max(src.begin_ns, dst.begin_ns), hi = std::min(src.end_ns, dst.end_ns);
    if (hi - lo >= 3) {
        s_ns = lo + (hi - lo) / 3, f_ns = lo + 2 * (hi - lo) / 3;
        return true;
    }
    s_ns = src.begin_ns + src.duration_ns() / 2, f_ns = dst.begin_ns + dst.duration_ns() / 2;
    return src.end_ns <= dst.begin_ns && src.duration_ns() >= 2 && dst.duration_ns() >= 2;
}

// Flow arrows (RunResult::comm.flows) from the sender's transfer span to the receiver's ("f" bound to its
// enclosing slice, "bp":"e"), one id per arrow, numbered in flow order. A flow whose spans are missing or
// leave no room (flow_times) is left out.
void write_flows(const RunResult& r, Events& ev) {
    std::map<std::tuple<int32_t, int, int16_t, int8_t>, const Span*> transfer; // (gpu, lane, layer, mb)
    for (Lane lane : {Lane::Dispatch, Lane::Combine}) {
        const auto op = std::find(r.op_names.begin(), r.op_names.end(), to_string(lane)); // not the notify span
        if (op == r.op_names.end()) continue;
        for (const Span& s : r.spans)
            if (s.lane == lane && s.op == uint16_t(op - r.op_names.begin()))
                transfer.emplace(std::make_tuple(s.gpu, int(lane), s.layer, s.micro_batch), &s);
    }
    auto span_of = [&](int32_t gpu, Lane lane, const CommFlow& f) -> const Span* {
        const auto it = transfer.find({gpu, int(lane), f.layer, f.micro_batch});
        return it == transfer.end() ? nullptr : it->second;
    };
    int64_t id = 0;
    for (const CommFlow& f : r.comm.flows) {
        const Lane lane = f.combine ? Lane::Combine : Lane::Dispatch;
        const Span* src = span_of(f.src_gpu, lane, f);
        const Span* dst = span_of(f.dst_gpu, lane, f);
        int64_t s_ns = 0, f_ns = 0;
        if (!src || !dst || !flow_times(*src, *dst, s_ns, f_ns)) continue;
        const std::string name = "\"name\":\"" + std::string(to_string(lane)) + "\",\"cat\":\"flow\"";
        ev.next() << "{\"ph\":\"s\",\"id\":" << id << ',' << thread_of(r.meta, f.src_gpu, lane)
                  << ",\"ts\":" << format_us(s_ns) << ',' << name << ",\"args\":{\"tokens\":" << f.tokens
                  << ",\"to_gpu\":" << f.dst_gpu << "}}";
        ev.next() << "{\"ph\":\"f\",\"bp\":\"e\",\"id\":" << id << ',' << thread_of(r.meta, f.dst_gpu, lane)
                  << ",\"ts\":" << format_us(f_ns) << ',' << name << "}";
        ++id;
    }
}

// Counter tracks (RunResult::comm.counters): one per node and link group, in GB/s. The one arg's key carries
// the capacity; Perfetto names the track "<name> <key>": "nvlink out GB/s (capacity 1062.4)".
void write_counters(const RunResult& r, Events& ev) {
    for (const LinkCounter& c : r.comm.counters) {
        const std::string head =
            "{\"ph\":\"C\",\"pid\":" + std::to_string(c.node) + ",\"name\":" + quote(c.group) + ",\"ts\":";
        const std::string key = "\"GB/s (capacity " + number(c.capacity_Bps * 1e-9, 1) + ")\":";
        for (const RateSample& s : c.samples)
            ev.next() << head << format_us(s.t_ns) << ",\"args\":{" << key << number(s.Bps * 1e-9) << "}}";
    }
}

void write_unchecked(const RunResult& r, std::ostream& out) {
    out.imbue(std::locale::classic()); // no digit grouping, whatever the global locale
    const RunMeta& m = r.meta;
    std::vector<std::string> ops;
    for (const std::string& name : r.op_names)
        ops.push_back(quote(name));

    out << "{\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"scenario\":" << quote(m.scenario)
        << ",\"model\":" << quote(m.model) << ",\"phase\":" << quote(m.phase)
        << ",\"moetwin_version\":" << quote(m.moetwin_version) << ",\"step_time_ns\":" << r.summary.step_time_ns
        << "},\n\"traceEvents\":[\n";
    Events ev{out};
    write_metadata(r, ev);
    for (const Span& s : r.spans)
        ev.next() << "{\"ph\":\"X\"," << thread_of(m, s.gpu, s.lane) << ",\"ts\":" << format_us(s.begin_ns)
                  << ",\"dur\":" << format_us(s.duration_ns()) << ",\"name\":" << ops[s.op] << ",\"cat\":\""
                  << to_string(s.lane) << "\",\"args\":{\"layer\":" << s.layer
                  << ",\"micro_batch\":" << int(s.micro_batch) << "}}";
    write_flows(r, ev);
    write_counters(r, ev);
    out << (ev.first ? "" : "\n") << "]}\n";
}

} // namespace

std::string format_us(int64_t ns) {
    const bool neg    = ns < 0;
    const uint64_t a  = neg ? uint64_t(0) - uint64_t(ns) : uint64_t(ns);
    std::string s     = (neg ? "-" : "") + std::to_string(a / 1000);
    const uint64_t fr = a % 1000;
    if (fr == 0) return s;
    std::string digits = std::to_string(1000 + fr).substr(1); // 3 digits, zero-padded
    while (digits.back() == '0')
        digits.pop_back();
    return s + "." + digits;
}

void write_chrome_trace(const RunResult& r, std::ostream& out) {
    validate(r);
    validate_comm(r);
    write_unchecked(r, out);
}

void write_chrome_trace(const RunResult& r, const std::filesystem::path& path) {
    try {
        validate(r);
        validate_comm(r);
    } catch (const ConfigError& e) {
        throw ConfigError(path.string() + ": refusing to write a trace of an invalid result: " + e.what());
    }
    write_file_atomic(path, [&](std::ostream& out) {
        try {
            write_unchecked(r, out);
        } catch (const nlohmann::json::exception& e) { // invalid UTF-8 in a name
            throw ConfigError(path.string() + ": cannot write: " + e.what());
        }
    });
}

} // namespace moetwin
