// SPDX-License-Identifier: Apache-2.0
// validate(RunResult): every invariant readers (GUI, golden tests) rely on, with a message naming the
// offending field by its result.json path.
#include "sim/result/result.hpp"

#include "common/errors.hpp"
#include "sim/result/result_fields.hpp"

#ifndef JSON_USE_IMPLICIT_CONVERSIONS
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#endif
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <span>
#include <sstream>

namespace moetwin {
namespace {

template <class... Args> [[noreturn]] void fail(const Args&... args) {
    std::ostringstream os;
    (os << ... << args);
    throw ConfigError(os.str());
}

std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}

void check_range(const std::string& path, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) fail(path, ": must be in [", lo, ", ", hi, "], got ", v);
}
void check_nonneg(const std::string& path, int64_t v) {
    if (v < 0) fail(path, ": must be >= 0, got ", v);
}
void check_nonneg(const std::string& path, double v) {
    if (!std::isfinite(v) || v < 0) fail(path, ": must be a finite number >= 0, got ", v);
}

// "\"a\"", "\"a\" or \"b\"", "\"a\", \"b\" or \"c\"".
std::string one_of(std::span<const std::string_view> choices) {
    std::string s;
    for (size_t i = 0; i < choices.size(); ++i)
        s += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + quoted(std::string(choices[i]));
    return s;
}

template <class S> struct FieldChecker {
    const Field<S>& f;
    const std::string& path;
    int64_t step_time_ns;

    void check_integer(int64_t v) const {
        switch (f.check) {
        case FieldCheck::Range:
            check_range(path, v, f.lo, f.hi);
            break;
        case FieldCheck::NonNeg:
            check_nonneg(path, v);
            break;
        case FieldCheck::StepTime:
            check_range(path, v, 0, step_time_ns);
            break;
        default:
            break;
        }
    }
    void operator()(int32_t v) const { check_integer(v); }
    void operator()(int64_t v) const { check_integer(v); }
    void operator()(uint64_t) const {}
    void operator()(bool) const {}
    void operator()(const std::vector<std::string>&) const {}
    void operator()(double v) const {
        if (f.check == FieldCheck::NonNeg) check_nonneg(path, v);
        if (f.check == FieldCheck::Positive && (!std::isfinite(v) || v <= 0))
            fail(path, ": must be a finite number > 0, got ", v);
        if (f.check == FieldCheck::Ratio && !(v == 0 || v >= 1 - 1e-12)) // busiest / mean: >= 1 up to rounding
            fail(path, ": must be 0 (no MoE layer) or a ratio >= 1, got ", v);
    }
    void operator()(const std::string& v) const {
        if (f.check != FieldCheck::Choice) return;
        for (const std::string_view c : f.choices)
            if (v == c) return;
        fail(path, ": expected ", one_of(f.choices), ", got ", quoted(v));
    }
};

// validate()'s per-field checks from the field table (result_fields.hpp): "<prefix>.<name>: ...".
template <class S, std::size_t N>
void check_fields(const std::string& prefix, const S& s, const std::array<Field<S>, N>& fields, int64_t step_time_ns) {
    for (const Field<S>& f : fields) {
        const std::string path = prefix + "." + std::string(f.name);
        visit_field(f, s, FieldChecker<S>{f, path, step_time_ns});
    }
}

void validate_meta(const RunMeta& m) {
    if (m.format_version != kResultFormatVersion)
        fail("meta.format_version: expected ", kResultFormatVersion, ", got ", m.format_version);
    check_fields("meta", m, kMetaFields, 0);
    if (int64_t(m.num_nodes) * m.gpus_per_node != m.num_gpus)
        fail("meta.num_gpus: expected num_nodes * gpus_per_node = ", int64_t(m.num_nodes) * m.gpus_per_node, ", got ",
             m.num_gpus);
}

template <class T>
void check_matrix(const std::string& path, const std::vector<std::vector<T>>& m, size_t rows, size_t cols,
                  const char* rows_name, const char* cols_name) {
    if (m.size() != rows) fail(path, ": expected ", rows, " rows (", rows_name, "), got ", m.size());
    for (size_t i = 0; i < m.size(); ++i) {
        const std::string row = path + "[" + std::to_string(i) + "]";
        if (m[i].size() != cols) fail(row, ": expected ", cols, " entries (", cols_name, "), got ", m[i].size());
        for (size_t j = 0; j < m[i].size(); ++j)
            if (m[i][j] < 0) fail(row, "[", j, "]: must be >= 0, got ", m[i][j]);
    }
}

void validate_gpus(const RunResult& r) {
    const RunMeta& m = r.meta;
    if (r.gpus.size() != size_t(m.num_gpus))
        fail("gpus: expected ", m.num_gpus, " entries (meta.num_gpus), got ", r.gpus.size());
    for (size_t g = 0; g < r.gpus.size(); ++g) {
        const GpuCounters& c = r.gpus[g];
        const std::string p  = "gpus[" + std::to_string(g) + "]";
        if (c.gpu != int32_t(g)) fail(p, ".gpu: expected ", g, ", got ", c.gpu);
        if (c.node != c.gpu / m.gpus_per_node) fail(p, ".node: expected ", c.gpu / m.gpus_per_node, ", got ", c.node);
        if (c.local_rank != c.gpu % m.gpus_per_node)
            fail(p, ".local_rank: expected ", c.gpu % m.gpus_per_node, ", got ", c.local_rank);
        check_fields(p, c, kGpuFields, r.summary.step_time_ns);
    }
}

void validate_links_and_summary(const RunResult& r) {
    const Summary& s = r.summary;
    check_fields("summary", s, kSummaryFields, s.step_time_ns);
    if (s.timing_simulated && s.step_time_ns == 0)
        fail("summary.step_time_ns: must be > 0 when summary.timing_simulated is true");
    check_range("summary.slowest_gpu", s.slowest_gpu, -1, int64_t(r.meta.num_gpus) - 1);
    // The worst layer is no better than the mean.
    if (s.gpu_balance_layer_worst < s.gpu_balance_layer_mean - 1e-12)
        fail("summary.gpu_balance_layer_worst: ", s.gpu_balance_layer_worst, " is below gpu_balance_layer_mean ",
             s.gpu_balance_layer_mean);

    std::set<std::string> names;
    for (size_t i = 0; i < r.links.size(); ++i) {
        const LinkStats& l  = r.links[i];
        const std::string p = "links[" + std::to_string(i) + "]";
        if (l.name.empty()) fail(p, ".name: must not be empty");
        if (!names.insert(l.name).second) fail(p, ".name: duplicate link name ", quoted(l.name));
        check_fields(p, l, kLinkFields, s.step_time_ns);
    }
    if (!s.busiest_link.empty() && !names.contains(s.busiest_link))
        fail("summary.busiest_link: ", quoted(s.busiest_link), " is not the name of any entry in links");
}

void validate_experts(const RunResult& r) {
    const ExpertStats& e = r.experts;
    const size_t layers  = size_t(r.meta.num_layers);
    check_range("experts.num_experts", e.num_experts, 0, 1 << 20);
    check_range("experts.slots_per_gpu", e.slots_per_gpu, 0, 1 << 20);
    if (!e.gpu_slots.empty()) {
        if (e.gpu_slots.size() != size_t(r.meta.num_gpus))
            fail("experts.gpu_slots: expected ", r.meta.num_gpus, " entries (meta.num_gpus), got ", e.gpu_slots.size());
        for (size_t g = 0; g < e.gpu_slots.size(); ++g)
            if (e.gpu_slots[g] < e.slots_per_gpu - 1 || e.gpu_slots[g] > e.slots_per_gpu)
                fail("experts.gpu_slots[", g, "]: must be experts.slots_per_gpu (", e.slots_per_gpu,
                     ") or one less, got ", e.gpu_slots[g]);
    }
    const size_t slots = e.total_slots(r.meta.num_gpus);
    if (e.tokens.size() != layers)
        fail("experts.tokens: expected ", layers, " rows (meta.num_layers), got ", e.tokens.size());
    if (e.phy2log.size() != layers)
        fail("experts.phy2log: expected ", layers, " rows (meta.num_layers), got ", e.phy2log.size());
    for (size_t l = 0; l < layers; ++l) {
        const std::string t = "experts.tokens[" + std::to_string(l) + "]";
        const std::string p = "experts.phy2log[" + std::to_string(l) + "]";
        if (e.phy2log[l].empty() != e.tokens[l].empty())
            fail(p, ": must be empty exactly when ", t, " is (a dense layer), got ", e.phy2log[l].size(), " and ",
                 e.tokens[l].size(), " entries");
        if (e.tokens[l].empty()) continue;
        if (e.tokens[l].size() != size_t(e.num_experts))
            fail(t, ": expected 0 or ", e.num_experts, " entries (experts.num_experts), got ", e.tokens[l].size());
        if (e.phy2log[l].size() != slots)
            fail(p, ": expected 0 or ", slots, " entries (",
                 e.gpu_slots.empty() ? "meta.num_gpus * experts.slots_per_gpu" : "the sum of experts.gpu_slots",
                 "), got ", e.phy2log[l].size());
        for (size_t x = 0; x < e.tokens[l].size(); ++x)
            if (e.tokens[l][x] < 0) fail(t, "[", x, "]: must be >= 0, got ", e.tokens[l][x]);
        std::vector<bool> placed(size_t(e.num_experts), false);
        for (size_t s = 0; s < slots; ++s) {
            const int32_t x = e.phy2log[l][s];
            if (x < 0 || x >= e.num_experts)
                fail(p, "[", s, "]: must be in [0, ", int64_t(e.num_experts) - 1, "], got ", x);
            placed[size_t(x)] = true;
        }
        for (size_t x = 0; x < placed.size(); ++x)
            if (!placed[x]) fail(p, ": logical expert ", x, " has no slot");
    }
}

void validate_spans(const RunResult& r) {
    const RunMeta& m = r.meta;
    if (!r.summary.timing_simulated && !r.spans.empty())
        fail("spans: must be empty when summary.timing_simulated is false, got ", r.spans.size(), " spans");
    size_t row = 0;
    for (size_t i = 0; i < r.spans.size(); ++i) {
        const Span& s = r.spans[i];
        if (i > 0 && (s.gpu != r.spans[i - 1].gpu || s.lane != r.spans[i - 1].lane)) row = 0;
        const size_t this_row = row++;
        const auto p          = [&] {
            std::ostringstream id;
            id << "spans (gpu " << s.gpu << " " << to_string(s.lane) << ", row " << this_row << ")";
            return id.str();
        };
        if (s.gpu < 0 || s.gpu >= m.num_gpus)
            fail(p(), ": gpu ", s.gpu, " outside [0, meta.num_gpus ", m.num_gpus, ")");
        if (uint8_t(s.lane) >= kNumLanes) fail(p(), ": lane ", int(s.lane), " is not a lane");
        if (s.op >= r.op_names.size()) fail(p(), ": op ", s.op, " outside [0, op_names size ", r.op_names.size(), ")");
        if (s.layer < -1 || s.layer >= m.num_layers)
            fail(p(), ": layer ", s.layer, " outside [-1, meta.num_layers ", m.num_layers, ")");
        if (s.micro_batch < -1 || s.micro_batch >= m.num_micro_batches)
            fail(p(), ": micro_batch ", int(s.micro_batch), " outside [-1, meta.num_micro_batches ",
                 m.num_micro_batches, ")");
        if (s.begin_ns < 0) fail(p(), ": begin_ns ", s.begin_ns, " is before 0");
        if (s.end_ns < s.begin_ns) fail(p(), ": end_ns ", s.end_ns, " is before begin_ns ", s.begin_ns);
        if (s.end_ns > r.summary.step_time_ns)
            fail(p(), ": end_ns ", s.end_ns, " is after summary.step_time_ns ", r.summary.step_time_ns);
        if (i > 0 && span_less(s, r.spans[i - 1]))
            fail(p(), ": out of order; spans must be sorted by (gpu, lane, begin_ns, end_ns, layer, micro_batch, op)");
    }
}

} // namespace

std::string canonical_json_object(std::string_view json_text) {
    nlohmann::json v;
    try {
        v = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::exception& e) {
        fail("scenario: expected a JSON object, got invalid JSON (", e.what(), ")");
    }
    if (!v.is_object()) fail("scenario: expected a JSON object, got ", v.type_name());
    return v.dump(); // nlohmann::json keeps keys sorted; compact; shortest round-trip doubles
}

void validate(const RunResult& r) {
    validate_meta(r.meta);
    if (canonical_json_object(r.scenario_json) != r.scenario_json)
        fail("scenario: not in canonical form (compact, keys sorted): store canonical_json_object(text)");
    if (r.op_names.size() > size_t(std::numeric_limits<uint16_t>::max()) + 1)
        fail("op_names: at most 65536 names, got ", r.op_names.size());
    std::set<std::string> ops;
    for (size_t i = 0; i < r.op_names.size(); ++i) {
        if (r.op_names[i].empty()) fail("op_names[", i, "]: must not be empty");
        if (!ops.insert(r.op_names[i]).second) fail("op_names[", i, "]: duplicate name ", quoted(r.op_names[i]));
    }
    validate_links_and_summary(r);
    validate_gpus(r);
    check_matrix("layer_gpu.tokens_received", r.layer_gpu.tokens_received, size_t(r.meta.num_layers),
                 size_t(r.meta.num_gpus), "meta.num_layers", "meta.num_gpus");
    check_matrix("layer_gpu.compute_ns", r.layer_gpu.compute_ns, size_t(r.meta.num_layers), size_t(r.meta.num_gpus),
                 "meta.num_layers", "meta.num_gpus");
    validate_experts(r);
    validate_spans(r);
}

} // namespace moetwin
