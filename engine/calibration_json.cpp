// SPDX-License-Identifier: Apache-2.0
// The calibration file format (documented in calibration.hpp): the only JSON code for it. Reading is strict:
// unknown keys, wrong types and out-of-range values are errors naming the file and the JSON path.
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "engine/calibration.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <sstream>

namespace moetwin {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr const char* kFormat = "moetwin.calibration";
constexpr int kVersion        = 1;

using View = JsonObject;

// Counts that become an int are range-checked before narrowing (issue 15 item 13). kMaxSms is the scenario's
// bound on hardware.num_sms (sim/scenario_json.cpp).
constexpr int64_t kMaxSms = 1024;
constexpr int64_t kIntMax = INT32_MAX;

FitSource parse_source(const View& v) {
    v.finish({"op", "stage", "occurrences", "kernels", "median_us"});
    return {.op          = v.string("op"),
            .stage       = v.string("stage"),
            .occurrences = int(v.integer_in("occurrences", 1, kIntMax)),
            .kernels     = int(v.integer_in("kernels", 1, kIntMax)),
            .median_us   = v.number_in("median_us", 0, 1e12)};
}

EfficiencyFactor parse_factor(const View& v) {
    v.finish({"family", "num_sms", "parameter", "value", "default", "clamped", "measured_us", "roofline_default_us",
              "fitted_from"});
    EfficiencyFactor f;
    try {
        f.family = parse_calibration_family(v.string("family"));
    } catch (const ConfigError& e) {
        v.fail("family", e.what());
    }
    f.num_sms = int(v.integer_in("num_sms", 1, kMaxSms));
    if (const std::string p = v.string("parameter"); p != fitted_parameter(f.family))
        v.fail("parameter", "family " + std::string(to_string(f.family)) + " fits \"" +
                                std::string(fitted_parameter(f.family)) + "\", got \"" + p + "\"");
    f.value = v.number_in("value", 0, 1);
    if (!(f.value > 0)) v.fail("value", "expected an efficiency in (0, 1], got 0");
    f.default_value       = v.number_in("default", 0, 1);
    f.clamped             = v.boolean("clamped");
    f.measured_us         = v.number_in("measured_us", 0, 1e12);
    f.roofline_default_us = v.number_in("roofline_default_us", 0, 1e12);
    const JsonArray src   = v.array("fitted_from");
    for (size_t i = 0; i < src.size(); ++i)
        f.fitted_from.push_back(parse_source(src.object(i)));
    return f;
}

DeepEpInSitu parse_deepep(const View& v) {
    v.finish({"kernel", "stage", "num_sms", "kernels", "median_us", "bytes_per_gpu", "bytes_formula", "GBps",
              "model_GBps", "rate_share"});
    return {.kernel        = v.string("kernel"),
            .stage         = v.string("stage"),
            .num_sms       = int(v.integer_in("num_sms", 1, kMaxSms)),
            .kernels       = int(v.integer_in("kernels", 1, kIntMax)),
            .median_us     = v.number_in("median_us", 0, 1e12),
            .bytes_per_gpu = v.number_in("bytes_per_gpu", 0, 1e15),
            .bytes_formula = v.string("bytes_formula"),
            .GBps          = v.number_in("GBps", 0, 1e6),
            .model_GBps    = v.number_in("model_GBps", 0, 1e6),
            .rate_share    = v.number_in("rate_share", 0, 10)};
}

} // namespace

CalibrationFile parse_calibration_json(std::string_view text, const std::string& origin) {
    const json j = parse_json_text(text, origin);
    const View top(j, "", origin);
    top.finish({"format", "version", "source", "factors", "deepep"});
    if (top.string("format") != kFormat) top.fail("format", std::string("expected \"") + kFormat + "\"");
    if (const int64_t v = top.integer("version"); v != kVersion)
        top.fail("version", "expected " + std::to_string(kVersion) + ", got " + std::to_string(v));
    CalibrationFile f;
    const View src = top.object("source");
    src.finish({"trace", "gpu", "num_sms", "scenario", "generator"});
    f.trace                 = src.string("trace");
    f.gpu                   = src.string("gpu");
    f.gpu_num_sms           = int(src.integer_in("num_sms", 1, kMaxSms));
    f.scenario              = src.string("scenario");
    f.generator             = src.string("generator");
    const JsonArray factors = top.array("factors");
    for (size_t i = 0; i < factors.size(); ++i) {
        const std::string path = factors.path_of(i);
        f.factors.push_back(parse_factor(factors.object(i)));
        for (size_t k = 0; k + 1 < f.factors.size(); ++k)
            if (f.factors[k].family == f.factors.back().family && f.factors[k].num_sms == f.factors.back().num_sms)
                throw ConfigError(origin + ": " + path + ": same family and num_sms as factors[" + std::to_string(k) +
                                  "]");
    }
    const JsonArray deepep = top.array("deepep");
    for (size_t i = 0; i < deepep.size(); ++i)
        f.deepep.push_back(parse_deepep(deepep.object(i)));
    return f;
}

CalibrationFile read_calibration_file(const std::filesystem::path& path) {
    return parse_calibration_json(read_file(path), path.string());
}

std::string to_calibration_json(const CalibrationFile& f) {
    const auto round = [](double v, double scale) { return std::round(v * scale) / scale; };
    ordered top;
    top["format"]  = kFormat;
    top["version"] = kVersion;
    top["source"]  = {{"trace", f.trace},
                      {"gpu", f.gpu},
                      {"num_sms", f.gpu_num_sms},
                      {"scenario", f.scenario},
                      {"generator", f.generator}};
    top["factors"] = ordered::array();
    for (const EfficiencyFactor& x : f.factors) {
        ordered e;
        e["family"]              = std::string(to_string(x.family));
        e["num_sms"]             = x.num_sms;
        e["parameter"]           = std::string(fitted_parameter(x.family));
        e["value"]               = round(x.value, 1e4);
        e["default"]             = round(x.default_value, 1e4);
        e["clamped"]             = x.clamped;
        e["measured_us"]         = round(x.measured_us, 10);
        e["roofline_default_us"] = round(x.roofline_default_us, 10);
        e["fitted_from"]         = ordered::array();
        for (const FitSource& s : x.fitted_from)
            e["fitted_from"].push_back({{"op", s.op},
                                        {"stage", s.stage},
                                        {"occurrences", s.occurrences},
                                        {"kernels", s.kernels},
                                        {"median_us", round(s.median_us, 10)}});
        top["factors"].push_back(std::move(e));
    }
    top["deepep"] = ordered::array();
    for (const DeepEpInSitu& d : f.deepep)
        top["deepep"].push_back({{"kernel", d.kernel},
                                 {"stage", d.stage},
                                 {"num_sms", d.num_sms},
                                 {"kernels", d.kernels},
                                 {"median_us", round(d.median_us, 10)},
                                 {"bytes_per_gpu", d.bytes_per_gpu},
                                 {"bytes_formula", d.bytes_formula},
                                 {"GBps", round(d.GBps, 100)},
                                 {"model_GBps", round(d.model_GBps, 100)},
                                 {"rate_share", round(d.rate_share, 10000)}});
    return top.dump(2) + "\n";
}

} // namespace moetwin
