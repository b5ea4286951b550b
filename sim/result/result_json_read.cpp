// SPDX-License-Identifier: Apache-2.0
// Reading result.json strictly (format in result_json.hpp): every key required, unknown keys and wrong types
// reported with the JSON path, then validate().
#include "sim/result/result_json.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/result/result_fields.hpp"

#include <utility>

#include <limits>

namespace moetwin {
namespace {

using Json = nlohmann::json;

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();

// One field of a record, by its type (integer ranges: result_fields.hpp's FieldCheck).
void read_value(const JsonObject& o, std::string_view key, int32_t& v) {
    v = int32_t(o.integer_in(key, kI32Min, kI32Max));
}
void read_value(const JsonObject& o, std::string_view key, int64_t& v) {
    v = o.integer_in(key, 0, kI64Max);
}
void read_value(const JsonObject& o, std::string_view key, uint64_t& v) {
    v = o.unsigned_integer(key);
}
void read_value(const JsonObject& o, std::string_view key, double& v) {
    v = o.number(key);
}
void read_value(const JsonObject& o, std::string_view key, bool& v) {
    v = o.boolean(key);
}
void read_value(const JsonObject& o, std::string_view key, std::string& v) {
    v = o.string(key);
}
void read_value(const JsonObject& o, std::string_view key, std::vector<std::string>& v) {
    const JsonArray a = o.array(key);
    for (size_t i = 0; i < a.size(); ++i)
        v.push_back(a.string(i));
}

// A record from an object holding exactly its table's keys, read in table order.
template <class S, std::size_t N> S read_record(const JsonObject& o, const std::array<Field<S>, N>& fields) {
    S s;
    for (const Field<S>& f : fields)
        visit_field(f, s, [&](auto& v) { read_value(o, f.name, v); });
    return s;
}

// `parent.key` as an object accepting exactly the keys of `Fields` (JsonObject::finish takes a brace list).
template <const auto& Fields> JsonObject record_object(const JsonObject& parent, std::string_view key) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return parent.object(key, {Fields[I].name...});
    }
    (std::make_index_sequence<Fields.size()>{});
}
template <const auto& Fields> JsonObject record_object(const JsonArray& parent, std::size_t i) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return parent.object(i, {Fields[I].name...});
    }
    (std::make_index_sequence<Fields.size()>{});
}

// Every element of `parent.key`, a record of `Fields`.
template <const auto& Fields, class S>
void read_records(const JsonObject& parent, std::string_view key, std::vector<S>& out) {
    const JsonArray arr = parent.array(key);
    for (size_t i = 0; i < arr.size(); ++i)
        out.push_back(read_record(record_object<Fields>(arr, i), Fields));
}

template <class T>
std::vector<std::vector<T>> read_matrix(const JsonObject& o, std::string_view key, int64_t lo, int64_t hi) {
    const JsonArray rows = o.array(key);
    std::vector<std::vector<T>> m(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        const JsonArray row = rows.array(i);
        m[i].reserve(row.size());
        for (size_t j = 0; j < row.size(); ++j)
            m[i].push_back(T(row.integer_in(j, lo, hi)));
    }
    return m;
}

template <class F>
void for_each_object(const JsonObject& parent, std::string_view key, std::initializer_list<std::string_view> keys,
                     F&& f) {
    const JsonArray arr = parent.array(key);
    for (size_t i = 0; i < arr.size(); ++i)
        f(arr.object(i, keys));
}

void read_spans(const JsonObject& o, std::vector<Span>& spans) {
    const Json expected = Json::array({"begin_ns", "end_ns", "layer", "micro_batch", "op"});
    if (const Json& columns = o.value("columns"); columns != expected)
        o.fail("columns", "expected " + expected.dump() + ", got " + describe_json(columns));
    for_each_object(o, "groups", {"gpu", "lane", "rows"}, [&](const JsonObject& g) {
        Span s;
        s.gpu                  = int32_t(g.integer_in("gpu", kI32Min, kI32Max));
        const std::string lane = g.string("lane");
        const auto parsed      = lane_from_string(lane);
        if (!parsed)
            g.fail("lane", "expected \"compute\", \"dispatch\" or \"combine\", got " + describe_json(g.value("lane")));
        s.lane               = *parsed;
        const JsonArray rows = g.array("rows");
        for (size_t i = 0; i < rows.size(); ++i) {
            const JsonArray row = rows.array(i, 5, "integers [begin_ns, end_ns, layer, micro_batch, op]");
            s.begin_ns          = row.integer_in(0, 0, kI64Max);
            s.end_ns            = row.integer_in(1, 0, kI64Max);
            s.layer             = int16_t(row.integer_in(2, -1, std::numeric_limits<int16_t>::max()));
            s.micro_batch       = int8_t(row.integer_in(3, -1, std::numeric_limits<int8_t>::max()));
            s.op                = uint16_t(row.integer_in(4, 0, std::numeric_limits<uint16_t>::max()));
            spans.push_back(s);
        }
    });
}

// A file from another format version fails on its version, not on the first key it added.
void check_format_version(const Json& doc, const std::string& file) {
    if (!doc.is_object() || !doc.contains("meta") || !doc["meta"].is_object()) return;
    const auto it = doc["meta"].find("format_version");
    if (it == doc["meta"].end() || !it->is_number_integer() || *it == Json(kResultFormatVersion)) return;
    throw ConfigError(file + ": meta.format_version: expected " + std::to_string(kResultFormatVersion) +
                      " (this moetwin reads result format " + std::to_string(kResultFormatVersion) + "), got " +
                      describe_json(*it));
}

} // namespace

RunResult parse_result_json(std::string_view text, const std::string& file_name) {
    const Json doc = parse_json_text(text, file_name);
    check_format_version(doc, file_name);
    const JsonObject top(doc, "", file_name);
    top.finish({"meta", "scenario", "summary", "op_names", "gpus", "layer_gpu", "links", "experts", "spans"});

    RunResult res;
    res.meta             = read_record(record_object<kMetaFields>(top, "meta"), kMetaFields);
    const Json& scenario = top.value("scenario");
    if (!scenario.is_object())
        top.fail("scenario", "expected a JSON object (the scenario that was run), got " + describe_json(scenario));
    res.scenario_json   = scenario.dump(); // canonical: compact, keys sorted
    res.summary         = read_record(record_object<kSummaryFields>(top, "summary"), kSummaryFields);
    const JsonArray ops = top.array("op_names");
    for (size_t i = 0; i < ops.size(); ++i)
        res.op_names.push_back(ops.string(i));

    read_records<kGpuFields>(top, "gpus", res.gpus);

    const JsonObject lg           = top.object("layer_gpu", {"tokens_received", "compute_ns"});
    res.layer_gpu.tokens_received = read_matrix<int64_t>(lg, "tokens_received", 0, kI64Max);
    res.layer_gpu.compute_ns      = read_matrix<int64_t>(lg, "compute_ns", 0, kI64Max);

    read_records<kLinkFields>(top, "links", res.links);

    const JsonObject ex     = top.object("experts", {"num_experts", "slots_per_gpu", "gpu_slots", "tokens", "phy2log"});
    res.experts.num_experts = int32_t(ex.integer_in("num_experts", kI32Min, kI32Max));
    res.experts.slots_per_gpu = int32_t(ex.integer_in("slots_per_gpu", kI32Min, kI32Max));
    if (ex.has("gpu_slots")) {
        const JsonArray a = ex.array("gpu_slots");
        for (std::size_t g = 0; g < a.size(); ++g)
            res.experts.gpu_slots.push_back(int32_t(a.integer_in(g, 0, kI32Max)));
    }
    res.experts.tokens  = read_matrix<int64_t>(ex, "tokens", 0, kI64Max);
    res.experts.phy2log = read_matrix<int32_t>(ex, "phy2log", kI32Min, kI32Max);

    read_spans(top.object("spans", {"columns", "groups"}), res.spans);

    try {
        validate(res);
    } catch (const ConfigError& e) {
        throw ConfigError(file_name + ": " + e.what());
    }
    return res;
}

RunResult read_result_json(const std::filesystem::path& path) {
    return parse_result_json(read_file(path), path.string());
}

} // namespace moetwin
