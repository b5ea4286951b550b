// SPDX-License-Identifier: Apache-2.0
// Reading result.json strictly (format in result_json.hpp): every key required, unknown keys and wrong types
// reported with the JSON path, then validate().
#include "sim/result/result_json.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"

#include <limits>

namespace moetwin {
namespace {

using Json = nlohmann::json;

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();

RunMeta read_meta(const JsonObject& o) {
    RunMeta m;
    m.format_version      = int32_t(o.integer_in("format_version", kI32Min, kI32Max));
    m.moetwin_version     = o.string("moetwin_version");
    m.scenario            = o.string("scenario");
    m.model               = o.string("model");
    m.phase               = o.string("phase");
    m.seed                = o.unsigned_integer("seed");
    m.num_nodes           = int32_t(o.integer_in("num_nodes", kI32Min, kI32Max));
    m.gpus_per_node       = int32_t(o.integer_in("gpus_per_node", kI32Min, kI32Max));
    m.num_gpus            = int32_t(o.integer_in("num_gpus", kI32Min, kI32Max));
    m.num_layers          = int32_t(o.integer_in("num_layers", kI32Min, kI32Max));
    m.num_micro_batches   = int32_t(o.integer_in("num_micro_batches", kI32Min, kI32Max));
    m.compute_source      = o.string("compute_source");
    m.network_model       = o.string("network_model");
    const JsonArray notes = o.array("notes");
    for (size_t i = 0; i < notes.size(); ++i)
        m.notes.push_back(notes.string(i));
    return m;
}

Summary read_summary(const JsonObject& o) {
    Summary s;
    s.step_time_ns            = o.integer_in("step_time_ns", 0, kI64Max);
    s.tokens_per_step         = o.integer_in("tokens_per_step", 0, kI64Max);
    s.tokens_per_s_per_gpu    = o.number("tokens_per_s_per_gpu");
    s.tokens_per_s_per_node   = o.number("tokens_per_s_per_node");
    s.slowest_gpu             = int32_t(o.integer_in("slowest_gpu", kI32Min, kI32Max));
    s.slowest_gpu_busy_ns     = o.integer_in("slowest_gpu_busy_ns", 0, kI64Max);
    s.busiest_link            = o.string("busiest_link");
    s.max_link_utilisation    = o.number("max_link_utilisation");
    s.timing_simulated        = o.boolean("timing_simulated");
    s.gpu_balance_layer_mean  = o.number("gpu_balance_layer_mean");
    s.gpu_balance_layer_worst = o.number("gpu_balance_layer_worst");
    s.gpu_balance_step        = o.number("gpu_balance_step");
    s.node_balance_layer_mean = o.number("node_balance_layer_mean");
    s.node_balance_step       = o.number("node_balance_step");
    s.node_max_over_min_step  = o.number("node_max_over_min_step");
    return s;
}

GpuCounters read_gpu(const JsonObject& o) {
    GpuCounters c;
    c.gpu               = int32_t(o.integer_in("gpu", kI32Min, kI32Max));
    c.node              = int32_t(o.integer_in("node", kI32Min, kI32Max));
    c.local_rank        = int32_t(o.integer_in("local_rank", kI32Min, kI32Max));
    c.tokens_received   = o.integer_in("tokens_received", 0, kI64Max);
    c.tokens_sent       = o.integer_in("tokens_sent", 0, kI64Max);
    c.expert_selections = o.integer_in("expert_selections", 0, kI64Max);
    c.busy_compute_ns   = o.integer_in("busy_compute_ns", 0, kI64Max);
    c.dispatch_ns       = o.integer_in("dispatch_ns", 0, kI64Max);
    c.combine_ns        = o.integer_in("combine_ns", 0, kI64Max);
    c.idle_ns           = o.integer_in("idle_ns", 0, kI64Max);
    c.bytes_sent        = o.integer_in("bytes_sent", 0, kI64Max);
    c.bytes_received    = o.integer_in("bytes_received", 0, kI64Max);
    c.hbm_used_bytes    = o.integer_in("hbm_used_bytes", 0, kI64Max);
    return c;
}

LinkStats read_link(const JsonObject& o) {
    LinkStats l;
    l.name         = o.string("name");
    l.kind         = o.string("kind");
    l.src          = o.string("src");
    l.dst          = o.string("dst");
    l.capacity_Bps = o.number("capacity_Bps");
    l.bytes        = o.integer_in("bytes", 0, kI64Max);
    l.busy_ns      = o.integer_in("busy_ns", 0, kI64Max);
    l.utilisation  = o.number("utilisation");
    return l;
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
    res.meta = read_meta(top.object("meta", {"format_version", "moetwin_version", "scenario", "model", "phase", "seed",
                                             "num_nodes", "gpus_per_node", "num_gpus", "num_layers",
                                             "num_micro_batches", "compute_source", "network_model", "notes"}));
    const Json& scenario = top.value("scenario");
    if (!scenario.is_object())
        top.fail("scenario", "expected a JSON object (the scenario that was run), got " + describe_json(scenario));
    res.scenario_json   = scenario.dump(); // canonical: compact, keys sorted
    res.summary         = read_summary(top.object(
                "summary", {"step_time_ns", "tokens_per_step", "tokens_per_s_per_gpu", "tokens_per_s_per_node", "slowest_gpu",
                            "slowest_gpu_busy_ns", "busiest_link", "max_link_utilisation", "timing_simulated",
                            "gpu_balance_layer_mean", "gpu_balance_layer_worst", "gpu_balance_step", "node_balance_layer_mean",
                            "node_balance_step", "node_max_over_min_step"}));
    const JsonArray ops = top.array("op_names");
    for (size_t i = 0; i < ops.size(); ++i)
        res.op_names.push_back(ops.string(i));

    for_each_object(top, "gpus",
                    {"gpu", "node", "local_rank", "tokens_received", "tokens_sent", "expert_selections",
                     "busy_compute_ns", "dispatch_ns", "combine_ns", "idle_ns", "bytes_sent", "bytes_received",
                     "hbm_used_bytes"},
                    [&](const JsonObject& o) { res.gpus.push_back(read_gpu(o)); });

    const JsonObject lg           = top.object("layer_gpu", {"tokens_received", "compute_ns"});
    res.layer_gpu.tokens_received = read_matrix<int64_t>(lg, "tokens_received", 0, kI64Max);
    res.layer_gpu.compute_ns      = read_matrix<int64_t>(lg, "compute_ns", 0, kI64Max);

    for_each_object(top, "links", {"name", "kind", "src", "dst", "capacity_Bps", "bytes", "busy_ns", "utilisation"},
                    [&](const JsonObject& o) { res.links.push_back(read_link(o)); });

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
