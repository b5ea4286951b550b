// SPDX-License-Identifier: Apache-2.0
// The calibration file format (documented in calibration.hpp): the only JSON code for it. Reading is strict:
// unknown keys, wrong types and out-of-range values are errors naming the file and the JSON path.
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/text_position.hpp"
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

// A strict view of one object: every read names "<origin>: <path>.<key>" on error.
class View {
  public:
    View(const json& j, std::string path, const std::string& origin) : j_(j), path_(std::move(path)), origin_(origin) {
        if (!j_.is_object()) fail_here("expected an object, got " + std::string(j_.type_name()));
    }
    [[noreturn]] void fail(std::string_view key, const std::string& what) const {
        throw ConfigError(origin_ + ": " + at(key) + ": " + what);
    }
    [[noreturn]] void fail_here(const std::string& what) const {
        throw ConfigError(origin_ + ": " + (path_.empty() ? std::string("(top level)") : path_) + ": " + what);
    }
    std::string at(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }
    const json& get(std::string_view key) const {
        const auto it = j_.find(key);
        if (it == j_.end()) fail_here("missing required key \"" + std::string(key) + "\"");
        return *it;
    }
    std::string string(std::string_view key) const {
        const json& v = get(key);
        if (!v.is_string()) fail(key, std::string("expected a string, got ") + v.type_name());
        return v.get<std::string>();
    }
    int64_t integer(std::string_view key, int64_t min) const {
        const json& v = get(key);
        if (!v.is_number_integer() || v.get<int64_t>() < min)
            fail(key, "expected an integer >= " + std::to_string(min) + ", got " + v.dump());
        return v.get<int64_t>();
    }
    double number(std::string_view key, double min, double max) const {
        const json& v  = get(key);
        const double x = v.is_number() ? v.get<double>() : NAN;
        if (!std::isfinite(x) || x < min || x > max) {
            std::ostringstream o;
            o << "expected a number in [" << min << ", " << max << "], got " << v.dump();
            fail(key, o.str());
        }
        return x;
    }
    bool boolean(std::string_view key) const {
        const json& v = get(key);
        if (!v.is_boolean()) fail(key, std::string("expected true or false, got ") + v.type_name());
        return v.get<bool>();
    }
    const json& array(std::string_view key) const {
        const json& v = get(key);
        if (!v.is_array()) fail(key, std::string("expected an array, got ") + v.type_name());
        return v;
    }
    void only(std::initializer_list<std::string_view> keys) const {
        for (const auto& [key, value] : j_.items())
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
                std::string list;
                for (auto k : keys)
                    list += (list.empty() ? "" : ", ") + std::string(k);
                fail(key, "unknown key (expected one of: " + list + ")");
            }
    }

  private:
    const json& j_;
    std::string path_;
    const std::string& origin_;
};

FitSource parse_source(const View& v) {
    v.only({"op", "stage", "occurrences", "kernels", "median_us"});
    return {.op          = v.string("op"),
            .stage       = v.string("stage"),
            .occurrences = int(v.integer("occurrences", 1)),
            .kernels     = int(v.integer("kernels", 1)),
            .median_us   = v.number("median_us", 0, 1e12)};
}

EfficiencyFactor parse_factor(const View& v, const std::string& origin) {
    v.only({"family", "num_sms", "parameter", "value", "default", "clamped", "measured_us", "roofline_default_us",
            "fitted_from"});
    EfficiencyFactor f;
    try {
        f.family = parse_calibration_family(v.string("family"));
    } catch (const ConfigError& e) {
        v.fail("family", e.what());
    }
    f.num_sms = int(v.integer("num_sms", 1));
    if (const std::string p = v.string("parameter"); p != fitted_parameter(f.family))
        v.fail("parameter", "family " + std::string(to_string(f.family)) + " fits \"" +
                                std::string(fitted_parameter(f.family)) + "\", got \"" + p + "\"");
    f.value = v.number("value", 0, 1);
    if (!(f.value > 0)) v.fail("value", "expected an efficiency in (0, 1], got 0");
    f.default_value       = v.number("default", 0, 1);
    f.clamped             = v.boolean("clamped");
    f.measured_us         = v.number("measured_us", 0, 1e12);
    f.roofline_default_us = v.number("roofline_default_us", 0, 1e12);
    const json& src       = v.array("fitted_from");
    for (size_t i = 0; i < src.size(); ++i)
        f.fitted_from.push_back(
            parse_source(View(src[i], v.at("fitted_from") + "[" + std::to_string(i) + "]", origin)));
    return f;
}

DeepEpInSitu parse_deepep(const View& v) {
    v.only({"kernel", "stage", "num_sms", "kernels", "median_us", "bytes_per_gpu", "bytes_formula", "GBps",
            "model_GBps", "rate_share"});
    return {.kernel        = v.string("kernel"),
            .stage         = v.string("stage"),
            .num_sms       = int(v.integer("num_sms", 1)),
            .kernels       = int(v.integer("kernels", 1)),
            .median_us     = v.number("median_us", 0, 1e12),
            .bytes_per_gpu = v.number("bytes_per_gpu", 0, 1e15),
            .bytes_formula = v.string("bytes_formula"),
            .GBps          = v.number("GBps", 0, 1e6),
            .model_GBps    = v.number("model_GBps", 0, 1e6),
            .rate_share    = v.number("rate_share", 0, 10)};
}

} // namespace

CalibrationFile parse_calibration_json(std::string_view text, const std::string& origin) {
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        std::string msg = e.what();
        if (const auto colon = msg.find(": "); msg.rfind("[json.exception", 0) == 0 && colon != std::string::npos)
            msg = msg.substr(colon + 2);
        throw ConfigError(origin + ":" + to_string(json_error_position(text, e.byte)) + ": JSON syntax error: " + msg);
    }
    const View top(j, "", origin);
    top.only({"format", "version", "source", "factors", "deepep"});
    if (top.string("format") != kFormat) top.fail("format", std::string("expected \"") + kFormat + "\"");
    if (const int64_t v = top.integer("version", 0); v != kVersion)
        top.fail("version", "expected " + std::to_string(kVersion) + ", got " + std::to_string(v));
    CalibrationFile f;
    const View src(top.get("source"), "source", origin);
    src.only({"trace", "gpu", "num_sms", "scenario", "generator"});
    f.trace             = src.string("trace");
    f.gpu               = src.string("gpu");
    f.gpu_num_sms       = int(src.integer("num_sms", 1));
    f.scenario          = src.string("scenario");
    f.generator         = src.string("generator");
    const json& factors = top.array("factors");
    for (size_t i = 0; i < factors.size(); ++i) {
        const std::string path = "factors[" + std::to_string(i) + "]";
        f.factors.push_back(parse_factor(View(factors[i], path, origin), origin));
        for (size_t k = 0; k + 1 < f.factors.size(); ++k)
            if (f.factors[k].family == f.factors.back().family && f.factors[k].num_sms == f.factors.back().num_sms)
                throw ConfigError(origin + ": " + path + ": same family and num_sms as factors[" + std::to_string(k) +
                                  "]");
    }
    const json& deepep = top.array("deepep");
    for (size_t i = 0; i < deepep.size(); ++i)
        f.deepep.push_back(parse_deepep(View(deepep[i], "deepep[" + std::to_string(i) + "]", origin)));
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
