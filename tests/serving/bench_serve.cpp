// SPDX-License-Identifier: Apache-2.0
// Speed of the serving replay on Day-6-sized traffic: `build/bin/bench_serve [minutes]` prints requests
// simulated per CPU-second (one core). Synthetic day at ~1,160 requests/s (Day-6: ~10^8 requests a day),
// ~6,100 input and ~1,700 output tokens per request (608B and 168B tokens a day), 18 prefill units of 4 nodes and
// 9 decode units of 18 nodes. Step times from the affine TEST model (serving_test_support.hpp): this measures
// the replay's own cost, not step-time fidelity.
#include "serving_test_support.hpp"

#include "common/json_reader.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

#include <ctime>
#include <iostream>
#include <string>

using namespace moetwin;
using namespace moetwin::serving;

int main(int argc, char** argv) {
    const double minutes    = argc > 1 ? std::stod(argv[1]) : 10;
    const nlohmann::json tj = nlohmann::json::parse(R"({"source": "synthetic", "synthetic": {
        "duration_s": 86400, "rate": {"unit": "req_per_s", "hourly": [1160,1160,1160,1160,1160,1160,1160,1160,1160,
        1160,1160,1160,1160,1160,1160,1160,1160,1160,1160,1160,1160,1160,1160,1160]}, "cv": 1,
        "tenants": [{"name": "chat", "system_prompt_tokens": 2048,
                     "input": {"kind": "lognormal", "mean_tokens": 4000, "sigma": 1},
                     "output": {"kind": "lognormal", "mean_tokens": 1700, "sigma": 0.8},
                     "session": {"continue_probability": 0.5, "think_time_s": 60}}]}})");
    const JsonObject o(tj, "serving.traffic", "bench");
    auto src = traffic::open_traffic(traffic::parse_traffic(o, "."), 1);
    // TEST step models: prefill 0.2 s + 7 us per token of the busiest rank; decode 25 ms + 0.2 ms per request
    // + 2 us per KV token (about 70 ms at 128 requests of 5,000 tokens).
    const test::AffineTestStepModel pre(0.2, 7e-6, 0), dec(0.025, 2e-4, 2e-6);
    ReplayInputs in;
    ServingConfig& c          = in.config;
    c.duration_s              = minutes * 60;
    c.prefill.schedule        = {{0, 18}};
    c.decode.schedule         = {{0, 9}};
    c.prefill_tokens_per_rank = 16384;
    c.max_batch_per_rank      = 160;
    c.slo                     = {2, 0.05};
    c.prefix_cache            = {true, 2e15, 20e9};
    in.prefill                = {4, 32, 32, 0, 50e9, &pre};
    in.decode                 = {18, 144, 144, 2'400'000, 50e9, &dec};
    in.kv_bytes_per_token     = 70272;
    in.mtp                    = {1, 0.85};
    struct Count : RecordSink {
        int64_t n = 0;
        void on_complete(const RequestRecord&) override { ++n; }
    } sink;
    const std::clock_t t0 = std::clock();
    const ReplaySummary s = replay(in, *src, sink);
    const double cpu_s    = double(std::clock() - t0) / CLOCKS_PER_SEC;
    std::cout << minutes << " min: " << s.requests_in << " requests (" << s.completed << " completed, "
              << s.waited_for_kv << " waited for KV), " << s.prefill_steps << " prefill + " << s.decode_steps
              << " decode steps, hit ratio " << double(s.hit_tokens) / double(s.input_tokens) << ", TTFT p50 "
              << s.ttft.quantile(0.5) << " s, TPOT p50 " << s.tpot.quantile(0.5) << " s\n"
              << cpu_s << " CPU s: " << double(s.requests_in) / cpu_s << " requests/s simulated; a day of 1e8 needs "
              << 1e8 / (double(s.requests_in) / cpu_s) / 60 << " min\n";
}
