// SPDX-License-Identifier: Apache-2.0
// Writing result.json (format in result_json.hpp). Reading is in result_json_read.cpp.
#include "sim/result/result_json.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sim/result/json_layout.hpp"
#include "sim/result/result_fields.hpp"

#include <array>
#include <charconv>
#include <locale>
#include <ostream>

#include <stdexcept>

namespace moetwin {
namespace {

using OJson = nlohmann::ordered_json;

// One record's fields as a JSON object, keys in table order (result_fields.hpp).
template <class S, std::size_t N> OJson record_json(const S& s, const std::array<Field<S>, N>& fields) {
    OJson j = OJson::object();
    for (const Field<S>& f : fields)
        visit_field(f, s, [&](const auto& v) { j[std::string(f.name)] = v; });
    return j;
}

// Everything but the spans, which are streamed (10^6 spans would cost ~150 MB as a json tree).
OJson doc_json(const RunResult& r) {
    OJson doc;
    doc["meta"]     = record_json(r.meta, kMetaFields);
    doc["scenario"] = OJson::parse(r.scenario_json); // canonical (validated): keys stay sorted
    doc["summary"]  = record_json(r.summary, kSummaryFields);
    doc["op_names"] = r.op_names;
    doc["gpus"]     = OJson::array();
    for (const GpuCounters& c : r.gpus)
        doc["gpus"].push_back(record_json(c, kGpuFields));
    doc["layer_gpu"]["tokens_received"] = r.layer_gpu.tokens_received;
    doc["layer_gpu"]["compute_ns"]      = r.layer_gpu.compute_ns;
    doc["links"]                        = OJson::array();
    for (const LinkStats& l : r.links)
        doc["links"].push_back(record_json(l, kLinkFields));
    doc["experts"]["num_experts"]   = r.experts.num_experts;
    doc["experts"]["slots_per_gpu"] = r.experts.slots_per_gpu;
    if (!r.experts.gpu_slots.empty()) doc["experts"]["gpu_slots"] = r.experts.gpu_slots; // uneven layouts only
    doc["experts"]["tokens"]  = r.experts.tokens;
    doc["experts"]["phy2log"] = r.experts.phy2log;
    return doc;
}

void write_row(std::ostream& out, const Span& s) {
    std::array<char, 128> buf;
    char* p                = buf.data();
    char* const end        = buf.data() + buf.size();
    const int64_t values[] = {s.begin_ns, s.end_ns, s.layer, s.micro_batch, s.op};
    *p++                   = '[';
    for (size_t i = 0; i < std::size(values); ++i) {
        if (i) {
            *p++ = ',';
            *p++ = ' ';
        }
        p = std::to_chars(p, end, values[i]).ptr;
    }
    *p++ = ']';
    out.write(buf.data(), p - buf.data());
}

void write_spans(std::ostream& out, const std::vector<Span>& spans) {
    using json_layout::indent;
    out << "  \"spans\": {\n    \"columns\": [\"begin_ns\", \"end_ns\", \"layer\", \"micro_batch\", \"op\"],\n";
    out << "    \"groups\": [";
    if (spans.empty()) out << "]\n";
    for (size_t i = 0; i < spans.size(); ++i) {
        const Span& s    = spans[i];
        const bool first = i == 0 || s.gpu != spans[i - 1].gpu || s.lane != spans[i - 1].lane;
        const bool last  = i + 1 == spans.size() || s.gpu != spans[i + 1].gpu || s.lane != spans[i + 1].lane;
        if (first) {
            out << (i ? ",\n" : "\n");
            indent(out, 3);
            out << "{\n";
            indent(out, 4);
            out << "\"gpu\": " << s.gpu << ",\n";
            indent(out, 4);
            out << "\"lane\": \"" << to_string(s.lane) << "\",\n";
            indent(out, 4);
            out << "\"rows\": [\n";
        }
        indent(out, 5);
        write_row(out, s);
        if (!last) {
            out << ",\n";
            continue;
        }
        out << '\n';
        indent(out, 4);
        out << "]\n";
        indent(out, 3);
        out << '}';
    }
    if (!spans.empty()) out << "\n    ]\n";
    out << "  }\n";
}

void write_unchecked(const RunResult& r, std::ostream& out) {
    out.imbue(std::locale::classic()); // no digit grouping, whatever the global locale
    const OJson doc = doc_json(r);
    out << "{\n";
    for (const auto& [key, value] : doc.items()) {
        out << "  " << OJson(key).dump() << ": ";
        json_layout::write(out, value, 1);
        out << ",\n";
    }
    write_spans(out, r.spans);
    out << "}\n";
}

} // namespace

void write_result_json(const RunResult& r, std::ostream& out) {
    validate(r);
    write_unchecked(r, out);
}

void write_result_json(const RunResult& r, const std::filesystem::path& path) {
    try {
        validate(r);
    } catch (const ConfigError& e) {
        // The simulator built this result: an invariant it breaks is moetwin's bug, not the user's input
        // (exit 2, "internal error"), and nothing is written.
        throw std::logic_error(path.string() + ": refusing to write an invalid result: " + e.what());
    }
    write_file_atomic(path, [&](std::ostream& out) {
        try {
            write_unchecked(r, out);
        } catch (const nlohmann::json::exception& e) { // invalid UTF-8 in a string
            throw ConfigError(path.string() + ": cannot write: " + e.what());
        }
    });
}

} // namespace moetwin
