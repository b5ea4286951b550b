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
#include "common/text_position.hpp"

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

std::string describe(const json& j) {
    switch (j.type()) {
    case json::value_t::null:
        return "null";
    case json::value_t::boolean:
        return j.get<bool>() ? "true" : "false";
    case json::value_t::string:
        return "the string \"" + j.get<std::string>() + "\"";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
        return "the number " + j.dump();
    case json::value_t::object:
        return "an object";
    case json::value_t::array:
        return "an array";
    default:
        return std::string("a ") + j.type_name();
    }
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

// A strict view of one JSON object: required keys, typed reads, unknown keys rejected.
class Obj {
  public:
    Obj(const json& j, std::string path, const std::string& origin) : j_(j), path_(std::move(path)), origin_(origin) {
        if (!j_.is_object()) fail_here("expected an object, got " + describe(j_));
    }
    [[noreturn]] void fail(std::string_view key, const std::string& what) const {
        throw ConfigError(origin_ + ": " + at_path(key) + ": " + what);
    }
    [[noreturn]] void fail_here(const std::string& what) const {
        throw ConfigError(origin_ + ": " + (path_.empty() ? std::string("(top level)") : path_) + ": " + what);
    }
    std::string at_path(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }
    bool has(std::string_view key) const { return j_.contains(key); }
    const json& get(std::string_view key) const {
        const auto it = j_.find(key);
        if (it == j_.end()) fail_here("missing required key \"" + std::string(key) + "\"");
        return *it;
    }
    std::string string(std::string_view key) const {
        const json& v = get(key);
        if (!v.is_string()) fail(key, "expected a string, got " + describe(v));
        return v.get<std::string>();
    }
    int64_t integer(std::string_view key, int64_t min) const {
        const json& v = get(key);
        if (!v.is_number_integer()) fail(key, "expected an integer, got " + describe(v));
        const int64_t x = v.get<int64_t>();
        if (x < min) fail(key, "expected an integer >= " + std::to_string(min) + ", got " + std::to_string(x));
        return x;
    }
    double number(std::string_view key, double min, bool strict) const {
        const json& v = get(key);
        if (!v.is_number()) fail(key, "expected a number, got " + describe(v));
        const double x = v.get<double>();
        if (!std::isfinite(x) || (strict ? !(x > min) : x < min))
            fail(key, std::string("expected a number ") + (strict ? "> " : ">= ") + num(min) + ", got " + v.dump());
        return x;
    }
    bool boolean(std::string_view key) const {
        const json& v = get(key);
        if (!v.is_boolean()) fail(key, "expected true or false, got " + describe(v));
        return v.get<bool>();
    }
    Obj object(std::string_view key) const { return Obj(get(key), at_path(key), origin_); }
    void only(std::initializer_list<std::string_view> accepted) const {
        for (const auto& [key, value] : j_.items()) {
            if (std::find(accepted.begin(), accepted.end(), key) != accepted.end()) continue;
            std::string list;
            for (auto a : accepted)
                list += (list.empty() ? "" : ", ") + std::string(a);
            fail(key, "unknown key (expected one of: " + list + ")");
        }
    }
    const std::string& path() const { return path_; }

  private:
    const json& j_;
    std::string path_;
    const std::string& origin_;
};

OpShape parse_shape(const Obj& o) {
    o.only({"phase", "num_tokens", "num_requests", "kv_len", "query_tokens_per_request", "num_local_experts",
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
        if (o.has(key)) field = o.integer(key, min);
    };
    count("num_tokens", s.num_tokens, 0);
    count("num_requests", s.num_requests, 0);
    count("kv_len", s.kv_len, 0);
    count("query_tokens_per_request", s.query_tokens_per_request, 1);
    count("num_local_experts", s.num_local_experts, 0);
    count("tokens_per_expert", s.tokens_per_expert, 0);
    if (o.has("attn_tp_size")) s.attn_tp_size = int(o.integer("attn_tp_size", 1));
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
    o.only({"op", "impl", "shape", "median_us", "p10_us", "p90_us", "samples", "gpu", "num_sms", "sm_clock_mhz",
            "sm_clock_max_mhz", "cuda_runtime", "cuda_driver"});
    OpProfile r;
    r.op = o.string("op");
    if (r.op.empty()) o.fail("op", "expected a non-empty op name");
    r.impl     = o.string("impl");
    r.shape    = parse_shape(o.object("shape"));
    r.median_s = o.number("median_us", 0, true) * 1e-6;
    r.p10_s    = o.number("p10_us", 0, true) * 1e-6;
    r.p90_s    = o.number("p90_us", 0, true) * 1e-6;
    if (r.p10_s > r.median_s) o.fail("p10_us", "must be <= median_us");
    if (r.p90_s < r.median_s) o.fail("p90_us", "must be >= median_us");
    r.samples         = int(o.integer("samples", 1));
    r.gpu             = o.string("gpu");
    r.num_sms         = int(o.integer("num_sms", 1));
    r.sm_clock_hz     = o.number("sm_clock_mhz", 0, false) * 1e6;
    r.sm_clock_max_hz = o.number("sm_clock_max_mhz", 0, false) * 1e6;
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
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        throw ConfigError(origin + ": empty file: expected a JSON object");
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        std::string msg = e.what();
        if (const auto colon = msg.find(": "); msg.rfind("[json.exception", 0) == 0 && colon != std::string::npos)
            msg = msg.substr(colon + 2);
        throw ConfigError(origin + ":" + to_string(json_error_position(text, e.byte)) + ": JSON syntax error: " + msg);
    }
    const Obj top(j, "", origin);
    top.only({"format", "version", "model", "generator", "created_utc", "timing", "records"});
    if (top.string("format") != kFormat) top.fail("format", std::string("expected \"") + kFormat + "\"");
    if (const int64_t v = top.integer("version", 0); v != kVersion)
        top.fail("version", "expected " + std::to_string(kVersion) + ", got " + std::to_string(v));
    ProfileFile f;
    f.model       = top.string("model");
    f.generator   = top.string("generator");
    f.created_utc = top.string("created_utc");
    const Obj t   = top.object("timing");
    t.only({"warmup", "repeats", "l2_flush", "input_sets"});
    f.timing.warmup     = int(t.integer("warmup", 0));
    f.timing.repeats    = int(t.integer("repeats", 1));
    f.timing.l2_flush   = t.boolean("l2_flush");
    f.timing.input_sets = int(t.integer("input_sets", 1));
    const json& records = top.get("records");
    if (!records.is_array()) top.fail("records", "expected an array, got " + describe(records));
    for (size_t i = 0; i < records.size(); ++i) {
        const std::string path = "records[" + std::to_string(i) + "]";
        const Obj o(records[i], path, origin);
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
