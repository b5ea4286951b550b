// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/serve_trace.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <sstream>

namespace moetwin::serving {

void TraceSampleSink::on_complete(const RequestRecord& r) {
    if (every_ > 0 && r.id % every_ == 0) sampled_.push_back(r);
    next_.on_complete(r);
}

namespace {

// Microseconds, shortest round-trip decimal (locale-independent).
std::string us(double t_s) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, t_s * 1e6);
    return std::string(buf, res.ptr);
}

void span(std::ostringstream& out, bool& first, const RequestRecord& r, const char* name, double from_s, double to_s) {
    if (!(to_s > from_s)) return; // a stage of no length is not drawn
    out << (first ? "" : ",\n") << "{\"ph\":\"X\",\"pid\":1,\"tid\":" << r.id << ",\"name\":\"" << name
        << "\",\"ts\":" << us(from_s) << ",\"dur\":" << us(to_s - from_s)
        << ",\"args\":{\"input_tokens\":" << r.input_tokens << ",\"output_tokens\":" << r.output_tokens
        << ",\"hit_tokens\":" << r.hit_tokens << ",\"prefill_unit\":" << r.prefill_unit
        << ",\"prefill_rank\":" << r.prefill_rank << ",\"decode_unit\":" << r.decode_unit
        << ",\"decode_rank\":" << r.decode_rank << "}}";
    first = false;
}

} // namespace

std::string request_trace_json(const std::vector<RequestRecord>& records, const std::string& title, int64_t every) {
    std::vector<const RequestRecord*> sorted;
    sorted.reserve(records.size());
    for (const RequestRecord& r : records)
        sorted.push_back(&r);
    std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
    std::ostringstream out;
    out << "{\"displayTimeUnit\":\"ms\",\n\"otherData\":{\"scenario\":" << nlohmann::json(title).dump()
        << ",\"sample\":\"every " << every << "th request by id\"},\n\"traceEvents\":[\n";
    bool first = true;
    out << "{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":"
        << nlohmann::json("requests of " + title + " (every " + std::to_string(every) + "th)").dump() << "}}";
    first = false;
    for (const RequestRecord* r : sorted) {
        out << ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":" << r->id
            << ",\"name\":\"thread_name\",\"args\":{\"name\":\"request " << r->id << "\"}}";
        const double first_token = r->arrival_s + r->ttft_s, end = r->arrival_s + r->e2e_s;
        const double prefill = r->prefill_start_s >= 0 ? r->prefill_start_s : r->arrival_s;
        span(out, first, *r, "queue", r->arrival_s, prefill);
        span(out, first, *r, "prefill", prefill, first_token);
        if (r->kv_start_s >= 0) {
            span(out, first, *r, "wait decode", first_token, r->kv_start_s);
            span(out, first, *r, "KV transfer", r->kv_start_s, r->kv_done_s);
            span(out, first, *r, "decode", r->kv_done_s, end);
        } else {
            span(out, first, *r, "decode", first_token, end);
        }
    }
    out << "\n]}\n";
    return out.str();
}

} // namespace moetwin::serving
