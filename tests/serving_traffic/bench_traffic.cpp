// SPDX-License-Identifier: Apache-2.0
// Requests per second (one core) of the synthetic generator and of each reader:
//   build/bin/bench_traffic [requests] [synthetic]   (readers skipped without ../shared/data or with "synthetic")
// Each figure is the best of 3 runs, per second of this process's CPU time (one core; on a shared machine
// wall time also counts the neighbours' load: ../shared/toolchain.md), and per second of wall time.
#include "sim/serving/traffic/scaling.hpp"
#include "sim/serving/traffic/synthetic.hpp"
#include "sim/serving/traffic/trace_readers.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>

using namespace moetwin::serving;
using namespace moetwin::serving::traffic;

namespace {

// Best-of-3 requests/s of draining `open()` (at most `limit` requests).
void bench(const char* name, const std::function<std::unique_ptr<RequestSource>()>& open, int64_t limit) {
    double best = 0, best_wall = 0;
    int64_t n         = 0;
    uint64_t checksum = 0;
    for (int rep = 0; rep < 3; ++rep) {
        const auto t0         = std::chrono::steady_clock::now();
        const std::clock_t c0 = std::clock();
        const auto src        = open();
        Request r;
        n = 0;
        while (n < limit && src->next(r)) {
            ++n;
            checksum += uint64_t(r.input_tokens) + r.prefix_blocks.size();
        }
        const double cpu_s = double(std::clock() - c0) / CLOCKS_PER_SEC;
        const double s     = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best               = std::max(best, double(n) / cpu_s);
        best_wall          = std::max(best_wall, double(n) / s);
    }
    std::printf("%-40s %10lld requests %8.3f M req/s per CPU-s %8.3f M req/s wall  (checksum %llu)\n", name,
                static_cast<long long>(n), best / 1e6, best_wall / 1e6, static_cast<unsigned long long>(checksum));
}

LengthDist lognormal(double mean, double sigma) {
    LengthDist d;
    d.kind        = LengthKind::LogNormal;
    d.mean_tokens = mean;
    d.sigma       = sigma;
    return d;
}

} // namespace

int main(int argc, char** argv) {
    const int64_t n = argc > 1 ? std::atoll(argv[1]) : 5'000'000;
    // A Day-6-like day: ~1,160 req/s (Day-6: 608e9 input tokens / 86,400 s at ~6,000 tokens each), CV 2,
    // two tenants with system prompts and multi-turn sessions.
    SyntheticSpec s;
    s.rate.unit           = ProfileUnit::Relative;
    s.rate.hourly         = {5, 4, 3, 3, 3, 4, 6, 8, 10, 11, 12, 12, 12, 12, 12, 12, 11, 11, 10, 10, 9, 8, 7, 6};
    s.rate.mean_req_per_s = 1160;
    s.cv                  = 2;
    TenantSpec chat{"chat", 3, 1024, lognormal(3000, 1.0), lognormal(600, 0.8), {0.5, 60}};
    TenantSpec api{"api", 1, 4096, lognormal(8000, 0.7), lognormal(200, 1.0), {0.0, 0}};
    s.tenants = {chat, api};
    bench(
        "synthetic (2 tenants, sessions, CV 2)", [&] { return open_synthetic(s, 512, 1); }, n);
    SyntheticSpec p = s;
    p.cv            = 1;
    for (TenantSpec& t : p.tenants) {
        t.session.continue_probability = 0;
        t.system_prompt_tokens         = 0;
    }
    bench(
        "synthetic (Poisson, single turns)", [&] { return open_synthetic(p, 512, 1); }, n);

    const std::filesystem::path d = std::filesystem::path(MOETWIN_SHARED_DIR) / "data" / "traces";
    if (!std::filesystem::exists(d) || (argc > 2 && std::string(argv[2]) == "synthetic")) return 0;
    const auto azure = d / "azure_llm_2023_conv.csv";
    const auto moon  = d / "mooncake_fast25_conversation_trace.jsonl.gz";
    const auto share = d / "sharegpt_8k_filtered_lengths_llama2_tokenizer.csv.gz";
    bench(
        "read azure_csv (conv)", [&] { return open_trace(TraceFormat::AzureCsv, azure, {}, 1); }, n);
    bench(
        "read mooncake_jsonl (gzip)", [&] { return open_trace(TraceFormat::MooncakeJsonl, moon, {}, 1); }, n);
    bench(
        "read lengths_csv (ShareGPT, gzip)",
        [&] {
            return open_trace(TraceFormat::LengthsCsv, share, {10, 1}, 1);
        },
        n);
    const SourceFactory base = [&] { return open_trace(TraceFormat::MooncakeJsonl, moon, {}, 1); };
    const double period      = measure_trace(*base(), "mooncake").period_s();
    bench(
        "mooncake x 50 (rate_scaled, streamed)", [&] { return rate_scaled(base, 50, period, 1); }, n);
    // A Day-6 day looped from Mooncake's hour (open_traffic: the trace is held in memory, memory_trace.hpp):
    // ~200x the trace's rate (traffic_config.hpp, kMaxRateScale).
    TrafficConfig day;
    day.format              = TraceFormat::MooncakeJsonl;
    day.file                = moon;
    day.loop_enabled        = true;
    day.loop.profile.unit   = ProfileUnit::Relative;
    day.loop.profile.hourly = std::vector<double>(24, 200);
    bench(
        "mooncake day x 200 (open_traffic loop)", [&] { return open_traffic(day, 1); }, n);
    const TraceExtent ext = measure_trace(*base(), "mooncake");
    bench(
        "mooncake day x 200 (looped_day, streamed)", [&] { return looped_day(base, day.loop, ext, 1); }, n);
    return 0;
}
