// SPDX-License-Identifier: Apache-2.0
// moetwin-gui on a sweep, a training step and a serving replay, headless under xvfb-run: each opens in its own
// view (file-kind detection), draws its content (--probe), shows a hovered sweep point's settings, and refuses
// corrupt input with the file and line (exit 1). The sweep and the training step are real `moetwin` outputs of
// the tiny scenarios; the serving output is SYNTHETIC, written by `moetwin serve`'s own writers (serve_fixture).
#include "gui/serve_data.hpp"
#include "gui/sweep_data.hpp"
#include "serve_fixture.hpp"

#include "sim/result/training_result.hpp"

#include <gtest/gtest.h>
#include <stb_image.h> // declarations only: the implementation is in libstb

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include <sys/wait.h>
#include <unistd.h>

namespace moetwin::gui {
namespace {

namespace fs = std::filesystem;

struct CmdRun {
    int rc = -1;
    std::string output;
};

CmdRun run(const std::string& cmd) {
    CmdRun r;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    while (const size_t n = std::fread(buf.data(), 1, buf.size(), p))
        r.output.append(buf.data(), n);
    const int status = ::pclose(p);
    r.rc             = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

CmdRun gui(const std::string& args) {
    return run("timeout 60 " + std::string(MOETWIN_GUI_EXE) + " " + args);
}

std::map<std::string, double> probe(const CmdRun& r) {
    std::map<std::string, double> out;
    static const std::regex line("probe ([a-z_.]+) ([-0-9.e+]+)");
    for (std::sregex_iterator it(r.output.begin(), r.output.end(), line), end; it != end; ++it)
        out[(*it)[1]] = std::stod((*it)[2]);
    return out;
}

// Not blank: many distinct colours (a plot, a table), and no colour covering almost everything.
void expect_not_blank(const fs::path& png, int w, int h) {
    int iw = 0, ih = 0, comp = 0;
    unsigned char* d = stbi_load(png.c_str(), &iw, &ih, &comp, 4);
    ASSERT_NE(d, nullptr) << png;
    EXPECT_EQ(iw, w) << png;
    EXPECT_EQ(ih, h) << png;
    const auto* px = reinterpret_cast<const uint32_t*>(d);
    std::map<uint32_t, size_t> count;
    for (size_t i = 0; i < size_t(iw) * size_t(ih); ++i)
        ++count[px[i]];
    size_t most = 0;
    for (const auto& [c, n] : count)
        most = std::max(most, n);
    stbi_image_free(d);
    EXPECT_GT(count.size(), 16u) << png << ": looks blank";
    EXPECT_LT(double(most) / (double(iw) * ih), 0.98) << png;
}

class GuiFileViews : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = fs::temp_directory_path() / ("moetwin_gui_file_views_" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        const std::string cli = MOETWIN_CLI_EXE;
        // A 3-point sweep of the tiny EP8 decode scenario over requests per GPU.
        std::ofstream(dir_ / "tiny_sweep.json")
            << "{\"name\": \"gui_tiny\", \"base\": \"" << MOETWIN_SOURCE_DIR
            << "/scenarios/tiny_1node_ep8_decode.json\", \"axes\": [{\"path\": \"workload.requests_per_gpu\", "
               "\"values\": [2, 8, 32]}]}";
        sweep_run_ =
            run(cli + " sweep " + (dir_ / "tiny_sweep.json").string() + " --jobs 1 --out " + (dir_ / "sweep").string());
        train_run_ = run(cli + " run " + MOETWIN_SOURCE_DIR + "/scenarios/tiny_train_pp2_ep16.json --out " +
                         (dir_ / "train").string());
        test::write_synthetic_serve_dir(dir_ / "serve");
    }
    static void TearDownTestSuite() { fs::remove_all(dir_); }
    void SetUp() override {
        if (!std::getenv("DISPLAY")) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a (ctest does)";
    }
    static fs::path dir_;
    static CmdRun sweep_run_, train_run_;
};
fs::path GuiFileViews::dir_;
CmdRun GuiFileViews::sweep_run_;
CmdRun GuiFileViews::train_run_;

TEST_F(GuiFileViews, SweepViewDrawsThePointsAndTheFront) {
    ASSERT_EQ(sweep_run_.rc, 0) << sweep_run_.output;
    const SweepData d = read_sweep_json(dir_ / "sweep" / "sweep.json");
    int plotted = 0, simulated_no_user = 0;
    for (const SweepPoint& p : d.points)
        plotted += on_gpu_user_plot(p), simulated_no_user += p.simulated && !p.tokens_per_s_per_user;
    ASSERT_GT(plotted, 0);
    // The folder opens the sweep view by itself (no --view).
    const CmdRun r =
        gui((dir_ / "sweep").string() + " --screenshot " + (dir_ / "sweep.png").string() + " --size 1100x700 --probe");
    ASSERT_EQ(r.rc, 0) << r.output;
    const auto p = probe(r);
    EXPECT_EQ(p.at("sweep.points_drawn"), plotted);
    EXPECT_EQ(p.at("sweep.not_drawn"), double(d.points.size()) - plotted);
    EXPECT_EQ(p.at("sweep.front_points"), double(d.pareto_front.size()));
    EXPECT_EQ(p.at("sweep.front_rows"), double(d.pareto_front.size()));
    EXPECT_EQ(p.at("sweep.front_segments"), std::max(0.0, double(d.pareto_front.size()) - 1));
    EXPECT_GE(p.at("sweep.verdict_colours"), 1);
    EXPECT_EQ(p.count("training.lanes"), 0u) << "only the sweep view draws";
    EXPECT_EQ(p.count("sweep.hover_point"), 0u);
    expect_not_blank(dir_ / "sweep.png", 1100, 700);
}

// Hover: the first run says where it drew the first plotted point (probe sweep.first_x/y); with the pointer
// there the tooltip names that point (probe sweep.hover_point), and 40 px away from every point none.
TEST_F(GuiFileViews, HoveringASweepPointShowsIt) {
    ASSERT_EQ(sweep_run_.rc, 0) << sweep_run_.output;
    const std::string base = (dir_ / "sweep" / "sweep.json").string() + " --size 900x600 --probe --view sweep";
    const CmdRun first     = gui(base + " --screenshot " + (dir_ / "hover0.png").string());
    ASSERT_EQ(first.rc, 0) << first.output;
    const auto p0 = probe(first);
    ASSERT_TRUE(p0.count("sweep.first_x")) << first.output;
    const int x = int(p0.at("sweep.first_x") + 0.5f), y = int(p0.at("sweep.first_y") + 0.5f);
    const CmdRun on = gui(base + " --screenshot " + (dir_ / "hover1.png").string() + " --mouse " + std::to_string(x) +
                          "," + std::to_string(y + 2));
    ASSERT_EQ(on.rc, 0) << on.output;
    EXPECT_EQ(probe(on).at("sweep.hover_point"), p0.at("sweep.first_point"));
    const CmdRun off = gui(base + " --screenshot " + (dir_ / "hover2.png").string() + " --mouse 5,5");
    ASSERT_EQ(off.rc, 0) << off.output;
    EXPECT_EQ(probe(off).count("sweep.hover_point"), 0u);
}

TEST_F(GuiFileViews, TrainingViewDrawsOneLanePerStage) {
    ASSERT_EQ(train_run_.rc, 0) << train_run_.output;
    const CmdRun r = gui((dir_ / "train" / "training.json").string() + " --screenshot " +
                         (dir_ / "train.png").string() + " --size 1200x700 --probe");
    ASSERT_EQ(r.rc, 0) << r.output;
    const auto p = probe(r);
    std::ifstream in(dir_ / "train" / "training.json");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    const TrainingResult t = training_result_from_json(text, "training.json");
    EXPECT_EQ(p.at("training.lanes"), t.pp_size);
    EXPECT_EQ(p.at("training.spans_drawn"), double(t.spans.size()));
    EXPECT_EQ(p.at("training.share_rows"), t.pp_size);
    EXPECT_GE(p.at("training.kinds"), 3) << "DualPipe has F, B/W or F&B and the DP sync";
    expect_not_blank(dir_ / "train.png", 1200, 700);
}

TEST_F(GuiFileViews, ServingViewPlotsTheSeries) {
    const CmdRun r =
        gui((dir_ / "serve").string() + " --screenshot " + (dir_ / "serve.png").string() + " --size 1200x800 --probe");
    ASSERT_EQ(r.rc, 0) << r.output;
    const auto p = probe(r);
    EXPECT_EQ(p.at("serve.rows"), 12);
    EXPECT_EQ(p.at("serve.plots"), 6);
    EXPECT_EQ(p.at("serve.lines"), 11); // 1 + 2 + 2 + 2 + 2 + 2 series, each of 12 points
    expect_not_blank(dir_ / "serve.png", 1200, 800);
    // series.csv names the same folder.
    const CmdRun r2 =
        gui((dir_ / "serve" / "series.csv").string() + " --screenshot " + (dir_ / "serve2.png").string() + " --probe");
    ASSERT_EQ(r2.rc, 0) << r2.output;
    EXPECT_EQ(probe(r2).at("serve.rows"), 12);
}

TEST_F(GuiFileViews, CorruptInputsExitOneWithFileAndLine) {
    ASSERT_EQ(sweep_run_.rc, 0) << sweep_run_.output;
    std::ifstream in(dir_ / "sweep" / "sweep.json");
    const std::string good((std::istreambuf_iterator<char>(in)), {});
    fs::create_directories(dir_ / "bad_sweep");
    std::ofstream(dir_ / "bad_sweep" / "sweep.json") << good.substr(0, good.size() / 2);
    const CmdRun s = gui((dir_ / "bad_sweep").string() + " --screenshot " + (dir_ / "bad1.png").string());
    EXPECT_EQ(s.rc, 1) << s.output;
    EXPECT_TRUE(std::regex_search(s.output, std::regex("moetwin-gui: " + (dir_ / "bad_sweep" / "sweep.json").string() +
                                                       ":[0-9]+:[0-9]+: truncated JSON")))
        << s.output;

    test::write_synthetic_serve_dir(dir_ / "bad_serve");
    std::ofstream(dir_ / "bad_serve" / "series.csv", std::ios::app) << "9000,1,2\n";
    const CmdRun c = gui((dir_ / "bad_serve").string() + " --screenshot " + (dir_ / "bad2.png").string());
    EXPECT_EQ(c.rc, 1) << c.output;
    EXPECT_NE(c.output.find("moetwin-gui: " + (dir_ / "bad_serve" / "series.csv").string() + ":14: expected " +
                            std::to_string(serving::kSeriesColumns.size()) + " fields, got 3"),
              std::string::npos)
        << c.output;

    fs::create_directories(dir_ / "bad_train");
    std::ofstream(dir_ / "bad_train" / "training.json")
        << "{\"format_version\": 1, \"scenario_name\": \"x\", \"pp_size\": 2}";
    const CmdRun t = gui((dir_ / "bad_train").string() + " --screenshot " + (dir_ / "bad3.png").string());
    EXPECT_EQ(t.rc, 1) << t.output;
    EXPECT_NE(t.output.find("moetwin-gui: " + (dir_ / "bad_train" / "training.json").string()), std::string::npos)
        << t.output;
}

} // namespace
} // namespace moetwin::gui
