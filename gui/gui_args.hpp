// SPDX-License-Identifier: Apache-2.0
// The moetwin-gui command line:
//   moetwin-gui [RESULT.json] [--compare B.json] [--scenario S.json] [--moetwin PATH]
//               [--screenshot OUT.png] [--view NAME] [--metric NAME] [--size WxH] [--time-window B,E] [--mouse X,Y]
//               [--bench-frames N]
// No ImGui.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin::gui {

// The views, in tab order; --view takes one of these names.
// The last three show a sweep (sweep.json), a training step (training.json) and a serving replay (series.csv +
// summary.json) rather than a step's result.
inline const std::vector<std::string> kViewNames = {"overview", "cluster", "layers", "experts",  "links",  "timeline",
                                                    "compare",  "whatif",  "sweep",  "training", "serving"};

struct GuiArgs {
    std::string result;      // what to open (detect_file_kind); empty: start with the file dialog
    std::string compare;     // a second result, shown as B
    std::string scenario;    // what-if scenario file; empty: guessed from the result's meta.scenario
    std::string moetwin_cli; // the moetwin CLI; empty: beside this executable, then PATH
    std::string screenshot;  // write a PNG and exit
    std::string view = "overview";
    bool view_given  = false; // --view was given (else a sweep, training or serving file opens its own view)
    std::string metric;       // --metric: what the cluster map colours GPUs by (kGpuMetrics); "": the default
    int width               = 1600;
    int height              = 1000;
    int bench_frames        = 0;  // > 0: draw this many frames unthrottled and print load time and frames/s
    int64_t window_begin_ns = -1; // --time-window B,E (µs): the timeline's initial visible window
    int64_t window_end_ns   = -1;
    float mouse_x           = -1; // --mouse X,Y (screenshots): where the pointer is, to show a hover tooltip
    float mouse_y           = -1;
    bool help               = false;
    bool probe              = false; // headless: print what the last frame drew ("probe KEY VALUE", ViewProbe)
};

// Throws ConfigError with the offending argument.
GuiArgs parse_gui_args(const std::vector<std::string>& args);
std::string gui_usage();

int view_index(std::string_view name); // -1 when unknown

} // namespace moetwin::gui
