// SPDX-License-Identifier: Apache-2.0
// The traffic of a serving replay (`serving.traffic` in a scenario; keys in sim/serving/traffic/README.md):
// a recorded trace (Azure CSV, Mooncake JSONL, a length-only CSV with generated arrivals), optionally scaled
// in time and rate or looped across a day, or a synthetic day of tenants. Plain structs, parsed once.
#pragma once

#include "common/json_reader.hpp"
#include "common/name_table.hpp"
#include "sim/serving/request_source.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace moetwin::serving::traffic {

enum class TraceFormat { AzureCsv, MooncakeJsonl, LengthsCsv };
inline constexpr std::array<NameEntry<TraceFormat>, 3> kTraceFormats = {{
    {TraceFormat::AzureCsv, "azure_csv", "Azure LLM inference trace: TIMESTAMP,ContextTokens,GeneratedTokens"},
    {TraceFormat::MooncakeJsonl, "mooncake_jsonl",
     "Mooncake JSONL: timestamp (ms), input_length, output_length, hash_ids (512-token blocks)"},
    {TraceFormat::LengthsCsv, "lengths_csv",
     "length-only CSV (ShareGPT): num_prefill_tokens,num_decode_tokens; arrivals generated"},
}};

enum class TrafficSource { Trace, Synthetic };
inline constexpr std::array<NameEntry<TrafficSource>, 2> kTrafficSources = {{
    {TrafficSource::Trace, "trace", "a recorded trace file, optionally scaled or looped over a day"},
    {TrafficSource::Synthetic, "synthetic", "a generated day: rate profile, burstiness, tenants, prefixes"},
}};

enum class LengthKind { Fixed, LogNormal, Empirical };
inline constexpr std::array<NameEntry<LengthKind>, 3> kLengthKinds = {{
    {LengthKind::Fixed, "fixed", "every request the same number of tokens"},
    {LengthKind::LogNormal, "lognormal", "log-normal with the given mean (tokens) and sigma of the log"},
    {LengthKind::Empirical, "empirical", "drawn uniformly from the lengths of a trace file"},
}};

enum class ProfileUnit { Relative, ReqPerS };
inline constexpr std::array<NameEntry<ProfileUnit>, 2> kProfileUnits = {{
    {ProfileUnit::Relative, "relative", "multipliers (of mean_req_per_s, or of a looped trace's own rate)"},
    {ProfileUnit::ReqPerS, "req_per_s", "absolute requests per second"},
}};

// 24 hourly values, hour 0 first, piecewise constant within an hour and repeating every 24 h.
struct HourlyProfile {
    std::vector<double> hourly; // 24 values >= 0, at least one > 0
    ProfileUnit unit      = ProfileUnit::Relative;
    double mean_req_per_s = 0; // synthetic with relative unit: the day's mean rate; otherwise unused
    bool operator==(const HourlyProfile&) const = default;
};

struct LengthDist {
    LengthKind kind    = LengthKind::Fixed;
    int64_t tokens     = 1;                       // fixed
    double mean_tokens = 1;                       // lognormal: the distribution's mean (not the log's)
    double sigma       = 0;                       // lognormal: standard deviation of ln(tokens)
    TraceFormat format = TraceFormat::LengthsCsv; // empirical
    std::filesystem::path file;                   // empirical (resolved against the scenario's folder)
    std::string file_as_written;                  // empirical, as the scenario spells it
    bool operator==(const LengthDist&) const = default;
};

// Generated arrivals: a Gamma renewal process with coefficient of variation `cv` (1 = Poisson, 0 = evenly
// spaced) of rate `rate_req_per_s` (length-only traces).
struct ArrivalSpec {
    double rate_req_per_s                     = 1;
    double cv                                 = 1;
    bool operator==(const ArrivalSpec&) const = default;
};

struct SessionSpec {
    double continue_probability               = 0; // after each turn, the session continues with this probability
    double think_time_s                       = 0; // mean of the exponential least time between a turn and the next
    bool operator==(const SessionSpec&) const = default;
};

struct TenantSpec {
    std::string name;
    double weight                = 1; // share of arrivals (normalised over tenants)
    int64_t system_prompt_tokens = 0; // shared leading tokens of every new session's input
    LengthDist input;                 // a new session's user tokens, and a later turn's new tokens
    LengthDist output;
    SessionSpec session;
    bool operator==(const TenantSpec&) const = default;
};

struct SyntheticSpec {
    double duration_s = 86400;
    HourlyProfile rate;
    double cv                  = 1;
    int64_t block_tokens       = kDefaultBlockTokens; // tokens per prefix block
    int64_t max_open_sessions  = 1'000'000;
    int64_t max_context_tokens = 131072; // a turn that would exceed it starts a new session instead
    std::vector<TenantSpec> tenants;
    bool operator==(const SyntheticSpec&) const = default;
};

struct LoopSpec {
    int64_t hours = 24;
    HourlyProfile profile; // relative: multiples of the trace's own hourly count; req_per_s: absolute
    bool operator==(const LoopSpec&) const = default;
};

struct TrafficConfig {
    TrafficSource source = TrafficSource::Trace;
    // source = trace
    TraceFormat format = TraceFormat::AzureCsv;
    std::filesystem::path file; // as resolved (base_dir / the scenario's string)
    std::string file_as_written;
    ArrivalSpec arrivals; // lengths_csv only
    double time_scale = 1;
    double rate_scale = 1;
    bool loop_enabled = false;
    LoopSpec loop;
    // source = synthetic
    SyntheticSpec synthetic;
    bool operator==(const TrafficConfig&) const = default;
};

// The largest rate scale: 1,000. Each copy of the trace holds an open reader (~0.3 MB of buffers), so
// 1,000 copies stay under ~0.3 GB; the Day-6 day from Mooncake's hour needs ~200 (608e9 input tokens /
// 86,400 s / 12,035 tokens per request / 3.34 requests/s; reference sec. 3, ../shared/data/README.md).
inline constexpr double kMaxRateScale = 1000;

// Reads `serving.traffic` strictly (common/json_reader.hpp): unknown or misplaced keys, out-of-range values
// and missing files' keys are ConfigErrors naming the JSON path. Files are resolved against base_dir (the
// scenario's folder); their contents are read by open_traffic, not here.
TrafficConfig parse_traffic(const JsonObject& o, const std::filesystem::path& base_dir);

// The writer: parse_traffic(traffic_to_json(c)) == c (files written as they were given).
nlohmann::json traffic_to_json(const TrafficConfig& c);

// The request stream the config describes, deterministic in (config, seed). Opens the files (ConfigError
// naming file:line for bad contents, thrown at open or at the first next() that reaches them).
std::unique_ptr<RequestSource> open_traffic(const TrafficConfig& c, uint64_t seed);

} // namespace moetwin::serving::traffic
