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

#include <locale>
#include <ostream>

namespace moetwin {
namespace {

std::string quote(std::string_view s) {
    return nlohmann::json(std::string(s)).dump();
} // escaped JSON string

void write_metadata(const RunResult& r, std::ostream& out) {
    const RunMeta& m = r.meta;
    for (int32_t node = 0; node < m.num_nodes; ++node) {
        out << "{\"ph\":\"M\",\"pid\":" << node << ",\"name\":\"process_name\",\"args\":{\"name\":\"node " << node
            << "\"}},\n";
        out << "{\"ph\":\"M\",\"pid\":" << node << ",\"name\":\"process_sort_index\",\"args\":{\"sort_index\":" << node
            << "}},\n";
        for (int32_t rank = 0; rank < m.gpus_per_node; ++rank) {
            const int32_t gpu = node * m.gpus_per_node + rank;
            for (int lane = 0; lane < kNumLanes; ++lane) {
                const int32_t tid = rank * kNumLanes + lane;
                out << "{\"ph\":\"M\",\"pid\":" << node << ",\"tid\":" << tid
                    << ",\"name\":\"thread_name\",\"args\":{\"name\":\"gpu" << gpu << ' ' << to_string(Lane(lane))
                    << "\"}},\n";
                out << "{\"ph\":\"M\",\"pid\":" << node << ",\"tid\":" << tid
                    << ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":" << tid << "}}";
                const bool last = node + 1 == m.num_nodes && rank + 1 == m.gpus_per_node && lane + 1 == kNumLanes;
                out << (last && r.spans.empty() ? "\n" : ",\n");
            }
        }
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
    write_metadata(r, out);
    for (size_t i = 0; i < r.spans.size(); ++i) {
        const Span& s = r.spans[i];
        out << "{\"ph\":\"X\",\"pid\":" << s.gpu / m.gpus_per_node
            << ",\"tid\":" << (s.gpu % m.gpus_per_node) * kNumLanes + int(s.lane) << ",\"ts\":" << format_us(s.begin_ns)
            << ",\"dur\":" << format_us(s.duration_ns()) << ",\"name\":" << ops[s.op] << ",\"cat\":\""
            << to_string(s.lane) << "\",\"args\":{\"layer\":" << s.layer << ",\"micro_batch\":" << int(s.micro_batch)
            << "}}" << (i + 1 < r.spans.size() ? ",\n" : "\n");
    }
    out << "]}\n";
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
    write_unchecked(r, out);
}

void write_chrome_trace(const RunResult& r, const std::filesystem::path& path) {
    try {
        validate(r);
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
