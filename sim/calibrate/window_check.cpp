// SPDX-License-Identifier: Apache-2.0
#include "sim/calibrate/window_check.hpp"

#include "common/errors.hpp"
#include "sim/calibrate/attribution.hpp"
#include "sim/calibrate/training_recipe.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/result/stage_report.hpp"
#include "sim/run.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include <unistd.h>

namespace moetwin::calib {

extern const char* const kWindowScenarioJson;
extern const char* const kWindowScenarioName;
extern const char* const kTracedScenarioJson;
extern const char* const kTracedScenarioName;

namespace {

// Which replay spans make each traced stage: (lane, micro-batch, span ops). The forward chunk is
// micro-batch 0, the backward chunk micro-batch 1; a communication stage is its notify and its transfer.
struct StageMap {
    const char* stage;
    Lane lane;
    int micro_batch;
    std::vector<std::string> ops;
};
const std::vector<StageMap>& stage_map() {
    static const std::vector<StageMap> m{
        {"attn(F)", Lane::Compute, 0, {"attn"}},
        {"mlp(F)", Lane::Compute, 0, {"mlp"}},
        {"mlp(B)", Lane::Compute, 1, {"mlp_b"}},
        {"mlp(W)", Lane::Compute, 1, {"mlp_w"}},
        {"attn(B)", Lane::Compute, 1, {"attn_b"}},
        {"attn(W)", Lane::Compute, 1, {"attn_w"}},
        {"dispatch(F)", Lane::Dispatch, 0, {"notify_dispatch", "dispatch"}},
        {"combine(F)", Lane::Combine, 0, {"cached_notify", "combine"}},
        {"combine(B)", Lane::Dispatch, 1, {"notify_dispatch", "dispatch"}},
        {"dispatch(B)", Lane::Combine, 1, {"cached_notify", "combine"}},
    };
    return m;
}

// The replay's stage means (µs) and step time, as "stage value" lines, computed in a child.
std::map<std::string, double> replay(const Scenario& s) {
    const std::string text = run_in_child([&] {
        const RunResult r     = run(s);
        const StageReport rep = stage_report(r);
        std::ostringstream out;
        out.precision(17);
        for (const StageMap& m : stage_map()) {
            double us = 0;
            for (const StageTime& t : rep.stages)
                if (t.lane == m.lane && t.micro_batch == m.micro_batch &&
                    std::find(m.ops.begin(), m.ops.end(), t.op) != m.ops.end())
                    us += t.mean_ns / 1e3;
            out << m.stage << ' ' << us << '\n';
        }
        out << "window " << double(r.summary.step_time_ns) / 1e3 << '\n';
        return out.str();
    });
    std::map<std::string, double> v;
    std::istringstream in(text);
    std::string name;
    double us = 0;
    while (in >> name >> us)
        v[name] = us;
    return v;
}

} // namespace

Scenario training_window_scenario() {
    return parse_scenario(kWindowScenarioJson, kWindowScenarioName);
}

Scenario traced_scenario() {
    return parse_scenario(kTracedScenarioJson, kTracedScenarioName);
}

WindowComparison compare_training_window(const ProfilerTrace& trace, const Scenario& window,
                                         const std::filesystem::path& work_dir) {
    WindowComparison c;
    const Attribution a = attribute_kernels(trace);
    std::map<std::string, std::pair<double, int>> spans; // stage -> (sum of spans, occurrences)
    double first = 0, last = 0;
    bool any = false;
    for (const StageOccurrence& o : a.stages) {
        auto& [sum, n] = spans[o.name];
        sum += o.span_us();
        ++n;
        if (!any || o.gpu_start_us < first) first = o.gpu_start_us;
        if (!any || o.gpu_end_us > last) last = o.gpu_end_us;
        any = true;
    }
    for (const StageMap& m : stage_map())
        if (!spans.count(m.stage))
            throw ConfigError(trace.origin + ": no \"" + std::string(m.stage) +
                              "\" stage: not a DualPipe chunk-pair trace (expected the ten stages of reference §4)");

    // Uncalibrated replay, then the calibration of this trace fitted with the traced run's scenario.
    const std::map<std::string, double> plain = replay(window);
    const CalibrationResult cal =
        calibrate_trace(trace, traced_scenario(), deepseek_v3_training_recipe(), "moetwin check");
    write_calibration_outputs(work_dir, cal);
    Scenario calibrated                          = window;
    calibrated.compute.calibration_path          = work_dir / "calibration.json";
    const std::map<std::string, double> with_cal = replay(calibrated);

    for (const StageMap& m : stage_map()) {
        const auto& [sum, n] = spans.at(m.stage);
        c.stages.push_back({m.stage, sum / n, plain.at(m.stage), with_cal.at(m.stage)});
    }
    c.window = {"window", last - first, plain.at("window"), with_cal.at("window")};
    return c;
}

check::CheckGroup trace_check_group() {
    return {
        "trace", "DualPipe training window replayed against DeepSeek's H800 trace, per stage (../shared/data)",
        [](const check::CheckContext& ctx) {
            const std::filesystem::path path = ctx.shared_dir / "data/profile_traces/deepseek_v3_train_ep64.json.gz";
            std::vector<check::CheckRow> rows;
            const auto row = [](const std::string& item) {
                check::CheckRow r;
                r.group  = "trace";
                r.item   = item;
                r.source = "../shared/data/profile_traces/deepseek_v3_train_ep64.json.gz (deepseek-ai/profile-data)";
                r.unit   = "us";
                // The target for the calibrated replay of the traced window.
                r.tolerance = 0.05;
                return r;
            };
            if (!std::filesystem::exists(path)) {
                check::CheckRow r = row("training window stages");
                r.skipped         = true;
                r.skip_reason     = "no " + path.string();
                rows.push_back(r);
                return rows;
            }
            const std::filesystem::path work =
                std::filesystem::temp_directory_path() / ("moetwin-check-" + std::to_string(::getpid()));
            const WindowComparison c =
                compare_training_window(read_profiler_trace(path), training_window_scenario(), work);
            std::filesystem::remove_all(work);
            // Communication stages (and so the window) hold DeepEP's notify kernels, which in the trace
            // last 1.2-2.9 ms (median per stage) against ~0.1-0.4 ms that the replay's notify (a
            // latency-bound count exchange plus the barrier over 64 ranks that stay within a few hundred
            // µs of each other) gives: the one traced rank waits for peers the trace does not show, and
            // nothing in it says why they lag. Reported with their error, not gated.
            const std::string comm_gap =
                "not gated: the trace's notify kernels wait 1.2-2.9 ms for peers (median), the replay's ~0.1-0.4 ms";
            for (const WindowStage& s : c.stages) {
                check::CheckRow r = row(s.stage + " mean span, calibrated replay");
                r.published       = s.measured_us;
                r.twin            = s.twin_cal_us;
                const bool comm   = s.stage.rfind("dispatch", 0) == 0 || s.stage.rfind("combine", 0) == 0;
                r.gated           = !comm;
                r.note            = "uncalibrated replay " + std::to_string(int(s.twin_us + 0.5)) + " us" +
                         (comm ? "; " + comm_gap : "");
                rows.push_back(r);
            }
            check::CheckRow w = row("4-layer window, calibrated replay");
            w.published       = c.window.measured_us;
            w.twin            = c.window.twin_cal_us;
            w.gated           = false;
            w.note = "uncalibrated replay " + std::to_string(int(c.window.twin_us + 0.5)) + " us; " + comm_gap;
            rows.push_back(w);
            return rows;
        }};
}

} // namespace moetwin::calib
