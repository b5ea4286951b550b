// SPDX-License-Identifier: Apache-2.0
// Command-line parsing for moetwin-gui.
#include "gui/gui_args.hpp"

#include "common/errors.hpp"
#include "gui/gpu_metrics.hpp"

#include <charconv>

namespace moetwin::gui {
namespace {

int to_int(const std::string& flag, std::string_view s, int lo, int hi) {
    int v          = 0;
    const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    if (res.ec != std::errc() || res.ptr != s.data() + s.size() || v < lo || v > hi)
        throw ConfigError(flag + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                          "], got \"" + std::string(s) + "\"");
    return v;
}

} // namespace

int view_index(std::string_view name) {
    for (size_t i = 0; i < kViewNames.size(); ++i)
        if (kViewNames[i] == name) return int(i);
    return -1;
}

GuiArgs parse_gui_args(const std::vector<std::string>& args) {
    GuiArgs a;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& s = args[i];
        const auto value     = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw ConfigError(s + ": expects a value");
            return args[++i];
        };
        if (s == "-h" || s == "--help") {
            a.help = true;
        } else if (s == "--compare") {
            a.compare = value();
        } else if (s == "--scenario") {
            a.scenario = value();
        } else if (s == "--moetwin") {
            a.moetwin_cli = value();
        } else if (s == "--screenshot") {
            a.screenshot = value();
        } else if (s == "--view") {
            a.view       = value();
            a.view_given = true;
            if (view_index(a.view) < 0) {
                std::string names;
                for (const std::string& n : kViewNames)
                    names += (names.empty() ? "" : ", ") + n;
                throw ConfigError("--view: unknown view \"" + a.view + "\" (views: " + names + ")");
            }
        } else if (s == "--metric") {
            a.metric = value();
            if (!table_find(kGpuMetrics, a.metric))
                throw ConfigError("--metric: " +
                                  unknown_name_message("GPU metric", a.metric, table_names(kGpuMetrics)));
        } else if (s == "--size") {
            const std::string& v = value();
            const size_t x       = v.find('x');
            if (x == std::string::npos) throw ConfigError("--size: expected WxH, got \"" + v + "\"");
            a.width  = to_int("--size", std::string_view(v).substr(0, x), 64, 8192);
            a.height = to_int("--size", std::string_view(v).substr(x + 1), 64, 8192);
        } else if (s == "--time-window") {
            const std::string& v = value();
            const size_t c       = v.find(',');
            if (c == std::string::npos) throw ConfigError("--time-window: expected BEGIN_US,END_US, got \"" + v + "\"");
            a.window_begin_ns = int64_t(to_int("--time-window", std::string_view(v).substr(0, c), 0, 1 << 30)) * 1000;
            a.window_end_ns   = int64_t(to_int("--time-window", std::string_view(v).substr(c + 1), 0, 1 << 30)) * 1000;
            if (a.window_end_ns <= a.window_begin_ns) throw ConfigError("--time-window: END_US must be after BEGIN_US");
        } else if (s == "--mouse") {
            const std::string& v = value();
            const size_t c       = v.find(',');
            if (c == std::string::npos) throw ConfigError("--mouse: expected X,Y, got \"" + v + "\"");
            a.mouse_x = float(to_int("--mouse", std::string_view(v).substr(0, c), 0, 8192));
            a.mouse_y = float(to_int("--mouse", std::string_view(v).substr(c + 1), 0, 8192));
        } else if (s == "--probe") {
            a.probe = true;
        } else if (s == "--bench-frames") {
            a.bench_frames = to_int("--bench-frames", value(), 1, 1000000);
        } else if (!s.empty() && s[0] == '-') {
            throw ConfigError(s + ": unknown option (see --help)");
        } else if (a.result.empty()) {
            a.result = s;
        } else {
            throw ConfigError(s + ": only one result file may be given (use --compare for a second)");
        }
    }
    return a;
}

std::string gui_usage() {
    std::string metric_names;
    for (const std::string_view n : table_names(kGpuMetrics))
        metric_names += (metric_names.empty() ? "" : "|") + std::string(n);
    return "usage: moetwin-gui [FILE] [options]\n"
           "  FILE                  result.json of `moetwin run` (or its --out folder), sweep.json of `moetwin\n"
           "                        sweep` (or its folder), training.json of a training run, or the output folder\n"
           "                        (or series.csv / summary.json) of `moetwin serve`\n"
           "  --compare B.json      open a second result as B (A/B comparison)\n"
           "  --scenario S.json     scenario for the what-if panel (default: guessed from the result)\n"
           "  --moetwin PATH        the moetwin CLI for what-if re-runs (default: beside moetwin-gui, then PATH)\n"
           "  --screenshot OUT.png  render offscreen, write a PNG and exit\n"
           "  --view NAME           overview|cluster|layers|experts|links|timeline|compare|whatif|\n"
           "                        sweep|training|serving\n"
           "  --metric NAME         what the cluster map colours GPUs by: " +
           metric_names +
           "\n"
           "                        (default: the first of tokens received, compute time, ... that varies)\n"
           "  --size WxH            window / screenshot size (default 1600x1000)\n"
           "  --time-window B,E     the timeline's initial window, in microseconds\n"
           "  --mouse X,Y           with --screenshot: put the pointer there (shows that spot's hover tooltip)\n"
           "  --probe               with --screenshot: print what the last frame drew (probe KEY VALUE lines)\n"
           "  --bench-frames N      draw N frames unthrottled, print load time and frames/s, exit\n";
}

} // namespace moetwin::gui
