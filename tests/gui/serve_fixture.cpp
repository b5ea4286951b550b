// SPDX-License-Identifier: Apache-2.0
#include "serve_fixture.hpp"

#include "sim/serving/serve_output.hpp"

#include <fstream>

namespace moetwin::gui::test {

serving::ReplayInputs synthetic_serve_inputs() {
    serving::ReplayInputs in;
    in.config.duration_s = 7200;
    in.prefill.nodes = 4, in.prefill.gpus = 32;
    in.decode.nodes = 18, in.decode.gpus = 144;
    return in;
}

serving::ReplaySummary synthetic_serve_summary() {
    serving::ReplaySummary s;
    for (int i = 1; i <= 12; ++i) {
        serving::SeriesRow r;
        r.t_s           = 600.0 * i;
        const int load  = i <= 6 ? i : 13 - i; // 1..6..1
        r.arrivals      = 600 * load;
        r.input_tokens  = r.arrivals * 2000;
        r.output_tokens = r.arrivals * 400;
        r.completed     = r.arrivals - (i == 12 ? 5 : 0);
        r.prefill_nodes = load > 3 ? 8 : 4;
        r.decode_nodes  = load > 3 ? 36 : 18;
        r.queued        = load * 3;
        r.kv_use        = 0.1 * load;
        r.ttft_p50_s = 0.5 + 0.1 * load, r.ttft_p99_s = 2 * r.ttft_p50_s;
        r.tpot_p50_s = 0.04 + 0.002 * load, r.tpot_p99_s = 0.08 + 0.004 * load;
        s.series.push_back(r);
        s.requests_in += r.arrivals;
        s.completed += r.completed;
        s.input_tokens += r.input_tokens;
        s.output_tokens += r.output_tokens;
        s.ttft.add(r.ttft_p50_s);
        s.tpot.add(r.tpot_p50_s);
        s.e2e.add(r.ttft_p50_s + 400 * r.tpot_p50_s);
        s.slo_met += r.completed / 2;
    }
    s.unfinished     = s.requests_in - s.completed;
    s.hit_tokens     = s.input_tokens / 2;
    s.prefill_node_s = 6 * 7200;
    s.decode_node_s  = 27 * 7200;
    return s;
}

void write_synthetic_serve_dir(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    const auto s = synthetic_serve_summary();
    std::ofstream(dir / "series.csv") << serving::series_csv(s);
    std::ofstream(dir / "summary.json") << serving::summary_json(synthetic_serve_inputs(), s);
}

} // namespace moetwin::gui::test
