// SPDX-License-Identifier: Apache-2.0
// serving.traffic: the strict parser and the writer (keys in README.md next to this file).
#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/scenario_bounds.hpp"
#include "sim/serving/traffic/arrivals.hpp"
#include "sim/serving/traffic/trace_fields.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

namespace moetwin::serving::traffic {
namespace {

using nlohmann::json;

// Every number below is read through its row of the plausible-range table (sim/scenario_bounds.cpp,
// scenarios/README.md "Plausible ranges"), which holds each range with its reason.
constexpr std::size_t kHours       = 24;
constexpr std::string_view kPrefix = "serving.traffic.";

std::string row(std::string_view leaf) {
    return std::string(kPrefix) + std::string(leaf);
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& s) {
    const std::filesystem::path p(s);
    return p.is_absolute() ? p : base / p;
}

std::filesystem::path existing_file(const JsonObject& o, std::string_view key, const std::filesystem::path& base,
                                    std::string& as_written) {
    as_written                    = o.string(key);
    const std::filesystem::path p = resolve(base, as_written);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) o.fail(key, "no such file " + p.string() + ": expected a trace file");
    return p;
}

// `needs_mean`: a relative profile must say its mean rate (synthetic); a loop's is relative to the trace.
HourlyProfile parse_profile(const JsonObject& o, bool needs_mean, std::string_view hourly_row) {
    HourlyProfile p;
    p.unit            = o.choice("unit", kProfileUnits, ProfileUnit::Relative, "profile unit");
    const JsonArray a = o.array("hourly");
    if (a.size() != kHours) o.fail("hourly", "expected 24 values (hour 0 first), got " + describe_json(a.raw()));
    double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        p.hourly.push_back(read_bounded(a, i, hourly_row));
        sum += p.hourly.back();
    }
    if (!(sum > 0)) o.fail("hourly", "all 24 values are 0: expected at least one > 0");
    if (needs_mean && p.unit == ProfileUnit::Relative)
        p.mean_req_per_s = read_bounded(o, "mean_req_per_s", row("synthetic.rate.mean_req_per_s"));
    else if (o.has("mean_req_per_s"))
        o.fail("mean_req_per_s", "only a relative synthetic rate takes a mean: these values are absolute");
    return p; // the caller finishes `o` (a loop object has more keys)
}

LengthDist parse_length(const JsonObject& o, const std::filesystem::path& base) {
    LengthDist d;
    d.kind = o.choice("kind", kLengthKinds, LengthKind::Fixed, "length distribution");
    if (!o.has("kind")) o.fail("kind", "missing required key \"kind\" (fixed, lognormal or empirical)");
    switch (d.kind) {
    case LengthKind::Fixed:
        d.tokens = read_bounded_integer(o, "tokens", row("synthetic.tenants[].*.tokens"));
        o.finish({"kind", "tokens"});
        break;
    case LengthKind::LogNormal:
        d.mean_tokens = read_bounded(o, "mean_tokens", row("synthetic.tenants[].*.mean_tokens"));
        d.sigma       = read_bounded(o, "sigma", row("synthetic.tenants[].*.sigma"));
        o.finish({"kind", "mean_tokens", "sigma"});
        break;
    case LengthKind::Empirical:
        d.format = o.choice("format", kTraceFormats, TraceFormat::LengthsCsv, "trace format");
        if (!o.has("format")) o.fail("format", "missing required key \"format\"");
        d.file = existing_file(o, "file", base, d.file_as_written);
        o.finish({"kind", "format", "file"});
        break;
    }
    return d;
}

TenantSpec parse_tenant(const JsonObject& o, const std::filesystem::path& base, int64_t max_context) {
    TenantSpec t;
    t.name   = o.string("name");
    t.weight = read_bounded(o, "weight", row("synthetic.tenants[].weight"), 1.0);
    (void)read_bounded_integer(o, "system_prompt_tokens", row("synthetic.tenants[].system_prompt_tokens"), 0);
    t.system_prompt_tokens = o.integer_in("system_prompt_tokens", 0, 0, max_context - 1); // and below max_context
    t.input                = parse_length(o.object("input"), base);
    t.output               = parse_length(o.object("output"), base);
    if (const auto s = o.optional_object("session")) {
        t.session.continue_probability =
            read_bounded(*s, "continue_probability", row("synthetic.tenants[].session.continue_probability"));
        t.session.think_time_s = read_bounded(*s, "think_time_s", row("synthetic.tenants[].session.think_time_s"), 0.0);
        s->finish({"continue_probability", "think_time_s"});
    }
    o.finish({"name", "weight", "system_prompt_tokens", "input", "output", "session"});
    return t;
}

SyntheticSpec parse_synthetic(const JsonObject& o, const std::filesystem::path& base) {
    SyntheticSpec s;
    s.duration_s          = read_bounded(o, "duration_s", row("synthetic.duration_s"), 86400.0);
    const JsonObject rate = o.object("rate");
    s.rate                = parse_profile(rate, true, row("synthetic.rate.hourly[]"));
    rate.finish({"unit", "hourly", "mean_req_per_s"});
    s.cv           = read_bounded(o, "cv", row("synthetic.cv"), 1.0);
    s.block_tokens = read_bounded_integer(o, "block_tokens", row("synthetic.block_tokens"), kDefaultBlockTokens);
    s.max_open_sessions =
        read_bounded_integer(o, "max_open_sessions", row("synthetic.max_open_sessions"), s.max_open_sessions);
    s.max_context_tokens =
        read_bounded_integer(o, "max_context_tokens", row("synthetic.max_context_tokens"), s.max_context_tokens);
    const JsonArray a = o.array("tenants");
    if (a.empty()) o.fail("tenants", "expected at least one tenant, got an empty array");
    for (std::size_t i = 0; i < a.size(); ++i)
        s.tenants.push_back(parse_tenant(a.object(i), base, s.max_context_tokens));
    o.finish({"duration_s", "rate", "cv", "block_tokens", "max_open_sessions", "max_context_tokens", "tenants"});
    return s;
}

json profile_json(const HourlyProfile& p, bool with_mean) {
    json j = {{"unit", std::string(table_name(kProfileUnits, p.unit))}, {"hourly", p.hourly}};
    if (with_mean && p.unit == ProfileUnit::Relative) j["mean_req_per_s"] = p.mean_req_per_s;
    return j;
}

json length_json(const LengthDist& d) {
    json j = {{"kind", std::string(table_name(kLengthKinds, d.kind))}};
    switch (d.kind) {
    case LengthKind::Fixed:
        j["tokens"] = d.tokens;
        break;
    case LengthKind::LogNormal:
        j["mean_tokens"] = d.mean_tokens;
        j["sigma"]       = d.sigma;
        break;
    case LengthKind::Empirical:
        j["format"] = std::string(table_name(kTraceFormats, d.format));
        j["file"]   = d.file_as_written;
        break;
    }
    return j;
}

} // namespace

TrafficConfig parse_traffic(const JsonObject& o, const std::filesystem::path& base_dir) {
    TrafficConfig c;
    c.source = o.choice("source", kTrafficSources, TrafficSource::Trace, "traffic source");
    if (!o.has("source")) o.fail("source", "missing required key \"source\" (trace or synthetic)");
    if (c.source == TrafficSource::Synthetic) {
        c.synthetic = parse_synthetic(o.object("synthetic"), base_dir);
        o.finish({"source", "synthetic"});
        return c;
    }
    c.format = o.choice("format", kTraceFormats, TraceFormat::AzureCsv, "trace format");
    if (!o.has("format")) o.fail("format", "missing required key \"format\"");
    c.file = existing_file(o, "file", base_dir, c.file_as_written);
    if (c.format == TraceFormat::LengthsCsv) {
        const JsonObject a        = o.object("arrivals");
        c.arrivals.rate_req_per_s = read_bounded(a, "rate_req_per_s", row("arrivals.rate_req_per_s"));
        c.arrivals.cv             = read_bounded(a, "cv", row("arrivals.cv"), 1.0);
        a.finish({"rate_req_per_s", "cv"});
    } else if (o.has("arrivals")) {
        o.fail("arrivals", "only a lengths_csv trace takes generated arrivals: this trace has its own timestamps");
    }
    c.time_scale = read_bounded(o, "time_scale", row("time_scale"), 1.0);
    c.rate_scale = read_bounded(o, "rate_scale", row("rate_scale"), 1.0);
    if (const auto l = o.optional_object("loop")) {
        if (o.has("time_scale") || o.has("rate_scale"))
            o.fail("loop", "a looped trace is stretched to one hour per pass and scaled by the loop's profile: "
                           "expected no time_scale or rate_scale next to loop");
        c.loop_enabled = true;
        c.loop.hours   = read_bounded_integer(*l, "hours", row("loop.hours"), 24);
        c.loop.profile = parse_profile(*l, false, row("loop.hourly[]"));
        l->finish({"hours", "unit", "hourly"});
        for (const double v : c.loop.profile.hourly)
            if (c.loop.profile.unit == ProfileUnit::Relative && v > kMaxRateScale)
                l->fail("hourly", "relative value " + format_number(v) + " is above the largest rate scale " +
                                      format_number(kMaxRateScale));
    }
    o.finish({"source", "format", "file", "arrivals", "time_scale", "rate_scale", "loop"});
    return c;
}

json traffic_to_json(const TrafficConfig& c) {
    json j = {{"source", std::string(table_name(kTrafficSources, c.source))}};
    if (c.source == TrafficSource::Synthetic) {
        const SyntheticSpec& s = c.synthetic;
        json tenants           = json::array();
        for (const TenantSpec& t : s.tenants)
            tenants.push_back({{"name", t.name},
                               {"weight", t.weight},
                               {"system_prompt_tokens", t.system_prompt_tokens},
                               {"input", length_json(t.input)},
                               {"output", length_json(t.output)},
                               {"session",
                                {{"continue_probability", t.session.continue_probability},
                                 {"think_time_s", t.session.think_time_s}}}});
        j["synthetic"] = {{"duration_s", s.duration_s},
                          {"rate", profile_json(s.rate, true)},
                          {"cv", s.cv},
                          {"block_tokens", s.block_tokens},
                          {"max_open_sessions", s.max_open_sessions},
                          {"max_context_tokens", s.max_context_tokens},
                          {"tenants", tenants}};
        return j;
    }
    j["format"] = std::string(table_name(kTraceFormats, c.format));
    j["file"]   = c.file_as_written;
    if (c.format == TraceFormat::LengthsCsv)
        j["arrivals"] = {{"rate_req_per_s", c.arrivals.rate_req_per_s}, {"cv", c.arrivals.cv}};
    if (c.loop_enabled) {
        json l     = profile_json(c.loop.profile, false);
        l["hours"] = c.loop.hours;
        j["loop"]  = l;
    } else {
        j["time_scale"] = c.time_scale;
        j["rate_scale"] = c.rate_scale;
    }
    return j;
}

} // namespace moetwin::serving::traffic
