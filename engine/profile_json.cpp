// SPDX-License-Identifier: Apache-2.0
// The profile file format (the only JSON code for profiles). Long format, one record per op × shape:
//
// {
//   "format": "moetwin.profile", "version": 1,
//   "model": "deepseek_v3",                      // engine/model_spec.hpp catalogue key
//   "generator": "moetwin-profile 0.1.0", "created_utc": "2025-06-01T12:00:00Z",
//   "timing": {"warmup": 5, "repeats": 30, "l2_flush": true, "input_sets": 4},
//   "records": [
//     {"op": "q_a_proj", "impl": "cublaslt_fp8_blockscale",
//      "shape": {"phase": "decode", "num_tokens": 128},   // OpShape fields; absent ones take the defaults
//                                                          // (the writer puts phase, num_tokens and non-defaults)
//      "median_us": 9.1, "p10_us": 8.9, "p90_us": 9.6, "samples": 30,
//      "gpu": "NVIDIA H800", "num_sms": 132, "sm_clock_mhz": 1755, "sm_clock_max_mhz": 1980,
//      "cuda_runtime": "13.0", "cuda_driver": "13.0"},
//     ...
//   ]
// }
//
// shape keys: phase (required: "prefill" | "decode"), num_tokens, num_requests, kv_len,
// query_tokens_per_request, num_local_experts, tokens_per_expert, attn_tp_size (integers), and
// weight_precision, kv_precision, dispatch_precision ("bf16" | "fp8_e4m3" | "int4" | "nvfp4"); defaults as
// OpShape (weight/dispatch fp8_e4m3, kv bf16, counts 1, tokens_per_expert 0). Every record of a file comes
// from one GPU (same gpu, num_sms, cuda_runtime). Unknown keys are errors.
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#include "engine/profile.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <sstream>

namespace moetwin {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json; // writing keeps the documented key order

constexpr const char* kFormat = "moetwin.profile";
constexpr int kVersion        = 1;

using Obj = JsonObject;

// Counts that become an int are range-checked before narrowing (issue 15 item 13: "num_sms": 4294967300 was
// read as 4). kMaxSms is the scenario's bound on hardware.num_sms (sim/scenario_json.cpp).
constexpr int64_t kMaxSms   = 1024;
constexpr int64_t kIntMax   = INT32_MAX;
constexpr int64_t kCountMax = INT64_MAX;

OpShape parse_shape(const Obj& o) {
    o.finish({"phase", "num_tokens", "num_requests", "kv_len", "query_tokens_per_request", "num_local_experts",
              "tokens_per_expert", "attn_tp_size", "weight_precision", "kv_precision", "dispatch_precision"});
    OpShape s;
    const std::string phase = o.string("phase");
    if (phase == "prefill")
        s.phase = Phase::Prefill;
    else if (phase == "decode")
        s.phase = Phase::Decode;
    else
        o.fail("phase", "expected \"prefill\" or \"decode\", got \"" + phase + "\"");
    const auto count = [&](const char* key, int64_t& field, int64_t min) {
        if (o.has(key)) field = o.integer_in(key, min, kCountMax);
    };
    count("num_tokens", s.num_tokens, 0);
    count("num_requests", s.num_requests, 0);
    count("kv_len", s.kv_len, 0);
    count("query_tokens_per_request", s.query_tokens_per_request, 1);
    count("num_local_experts", s.num_local_experts, 0);
    count("tokens_per_expert", s.tokens_per_expert, 0);
    if (o.has("attn_tp_size")) s.attn_tp_size = int(o.integer_in("attn_tp_size", 1, 1024));
    const auto precision = [&](const char* key, Precision& field) {
        if (!o.has(key)) return;
        try {
            field = parse_precision(o.string(key));
        } catch (const ConfigError& e) {
            o.fail(key, e.what());
        }
    };
    precision("weight_precision", s.weight_precision);
    precision("kv_precision", s.kv_precision);
    precision("dispatch_precision", s.dispatch_precision);
    try {
        s.validate();
    } catch (const ConfigError& e) {
        o.fail_here(e.what());
    }
    return s;
}

OpProfile parse_record(const Obj& o) {
    o.finish({"op", "impl", "shape", "median_us", "p10_us", "p90_us", "samples", "gpu", "num_sms", "sm_clock_mhz",
              "sm_clock_max_mhz", "cuda_runtime", "cuda_driver"});
    OpProfile r;
    r.op = o.string("op");
    if (r.op.empty()) o.fail("op", "expected a non-empty op name");
    r.impl     = o.string("impl");
    r.shape    = parse_shape(o.object("shape"));
    r.median_s = o.positive("median_us") * 1e-6;
    r.p10_s    = o.positive("p10_us") * 1e-6;
    r.p90_s    = o.positive("p90_us") * 1e-6;
    if (r.p10_s > r.median_s) o.fail("p10_us", "must be <= median_us");
    if (r.p90_s < r.median_s) o.fail("p90_us", "must be >= median_us");
    r.samples         = int(o.integer_in("samples", 1, kIntMax));
    r.gpu             = o.string("gpu");
    r.num_sms         = int(o.integer_in("num_sms", 1, kMaxSms));
    r.sm_clock_hz     = o.non_negative("sm_clock_mhz") * 1e6;
    r.sm_clock_max_hz = o.non_negative("sm_clock_max_mhz") * 1e6;
    r.cuda_runtime    = o.string("cuda_runtime");
    r.cuda_driver     = o.string("cuda_driver");
    return r;
}

ordered shape_json(const OpShape& s) {
    const OpShape d;
    ordered j;
    j["phase"]      = std::string(to_string(s.phase));
    j["num_tokens"] = s.num_tokens; // always: the axis of most ops
    const auto put  = [&](const char* key, int64_t v, int64_t def) {
        if (v != def) j[key] = v;
    };
    put("num_requests", s.num_requests, d.num_requests);
    put("kv_len", s.kv_len, d.kv_len);
    put("query_tokens_per_request", s.query_tokens_per_request, d.query_tokens_per_request);
    put("num_local_experts", s.num_local_experts, d.num_local_experts);
    put("tokens_per_expert", s.tokens_per_expert, d.tokens_per_expert);
    put("attn_tp_size", s.attn_tp_size, d.attn_tp_size);
    if (s.weight_precision != d.weight_precision) j["weight_precision"] = std::string(to_string(s.weight_precision));
    if (s.kv_precision != d.kv_precision) j["kv_precision"] = std::string(to_string(s.kv_precision));
    if (s.dispatch_precision != d.dispatch_precision)
        j["dispatch_precision"] = std::string(to_string(s.dispatch_precision));
    return j;
}

// Microseconds with at most 4 decimals (0.1 ns): short, stable diffs; never 0 (the reader wants > 0).
double micros(double seconds) {
    return std::max(std::round(seconds * 1e10) / 1e4, 1e-4);
}

} // namespace

ProfileFile parse_profile_json(std::string_view text, const std::string& origin) {
    const json j = parse_json_text(text, origin);
    const Obj top(j, "", origin);
    top.finish({"format", "version", "model", "generator", "created_utc", "timing", "records"});
    if (top.string("format") != kFormat) top.fail("format", std::string("expected \"") + kFormat + "\"");
    if (const int64_t v = top.integer("version"); v != kVersion)
        top.fail("version", "expected " + std::to_string(kVersion) + ", got " + std::to_string(v));
    ProfileFile f;
    f.model       = top.string("model");
    f.generator   = top.string("generator");
    f.created_utc = top.string("created_utc");
    const Obj t   = top.object("timing");
    t.finish({"warmup", "repeats", "l2_flush", "input_sets"});
    f.timing.warmup         = int(t.integer_in("warmup", 0, kIntMax));
    f.timing.repeats        = int(t.integer_in("repeats", 1, kIntMax));
    f.timing.l2_flush       = t.boolean("l2_flush");
    f.timing.input_sets     = int(t.integer_in("input_sets", 1, kIntMax));
    const JsonArray records = top.array("records");
    for (size_t i = 0; i < records.size(); ++i) {
        const Obj o = records.object(i);
        f.records.push_back(parse_record(o));
        const OpProfile &r = f.records.back(), &first = f.records.front();
        if (r.gpu != first.gpu)
            o.fail("gpu", "\"" + r.gpu + "\" differs from records[0].gpu \"" + first.gpu +
                              "\" (one profile file describes one GPU)");
        if (r.num_sms != first.num_sms)
            o.fail("num_sms",
                   std::to_string(r.num_sms) + " differs from records[0].num_sms " + std::to_string(first.num_sms));
        if (r.cuda_runtime != first.cuda_runtime)
            o.fail("cuda_runtime",
                   "\"" + r.cuda_runtime + "\" differs from records[0].cuda_runtime \"" + first.cuda_runtime + "\"");
    }
    return f;
}

ProfileFile read_profile_file(const std::filesystem::path& path) {
    return parse_profile_json(read_file(path), path.string());
}

std::string to_profile_json(const ProfileFile& f) {
    std::ostringstream out;
    ordered timing;
    timing["warmup"]     = f.timing.warmup;
    timing["repeats"]    = f.timing.repeats;
    timing["l2_flush"]   = f.timing.l2_flush;
    timing["input_sets"] = f.timing.input_sets;
    out << "{\n  \"format\": " << json(kFormat).dump() << ",\n  \"version\": " << kVersion
        << ",\n  \"model\": " << json(f.model).dump() << ",\n  \"generator\": " << json(f.generator).dump()
        << ",\n  \"created_utc\": " << json(f.created_utc).dump() << ",\n  \"timing\": " << timing.dump()
        << ",\n  \"records\": [";
    for (size_t i = 0; i < f.records.size(); ++i) {
        const OpProfile& r = f.records[i];
        ordered j;
        j["op"]               = r.op;
        j["impl"]             = r.impl;
        j["shape"]            = shape_json(r.shape);
        j["median_us"]        = micros(r.median_s);
        j["p10_us"]           = micros(r.p10_s);
        j["p90_us"]           = micros(r.p90_s);
        j["samples"]          = r.samples;
        j["gpu"]              = r.gpu;
        j["num_sms"]          = r.num_sms;
        j["sm_clock_mhz"]     = int64_t(std::llround(r.sm_clock_hz / 1e6));
        j["sm_clock_max_mhz"] = int64_t(std::llround(r.sm_clock_max_hz / 1e6));
        j["cuda_runtime"]     = r.cuda_runtime;
        j["cuda_driver"]      = r.cuda_driver;
        out << (i ? ",\n    " : "\n    ") << j.dump();
    }
    out << (f.records.empty() ? "]\n}\n" : "\n  ]\n}\n");
    return out.str();
}

void write_profile_file(const std::filesystem::path& path, const ProfileFile& file) {
    write_file_atomic(path, to_profile_json(file));
}

} // namespace moetwin
