// SPDX-License-Identifier: Apache-2.0
// moetwin-gui end to end, headless: every view renders offscreen to a PNG of the asked size that is not blank;
// corrupt and loads-only results give a message in the window, not a crash; the EP320 x 61-layer x 2-micro-batch
// SYNTHETIC result loads and draws (times printed). Runs under `xvfb-run -a` (registered by tests/gui/CMakeLists.txt).
#include "gui/gui_args.hpp"
#include "synthetic_result.hpp"

#include "sim/result/result_json.hpp"

#include <gtest/gtest.h>
#include <stb_image.h> // declarations only: the implementation is in libstb

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>

#include <sys/wait.h>
#include <unistd.h>

namespace moetwin::gui {
namespace {

namespace fs = std::filesystem;

struct GuiRun {
    int rc = -1;
    std::string output; // stdout and stderr
};

GuiRun run_gui(const std::string& args) {
    const std::string cmd = std::string(MOETWIN_GUI_EXE) + " " + args + " 2>&1";
    GuiRun r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    while (const size_t n = std::fread(buf.data(), 1, buf.size(), p))
        r.output.append(buf.data(), n);
    const int status = ::pclose(p);
    r.rc             = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

struct Png {
    int w = 0, h = 0;
    std::vector<uint32_t> px;
};

Png read_png(const fs::path& p) {
    Png img;
    int comp         = 0;
    unsigned char* d = stbi_load(p.c_str(), &img.w, &img.h, &comp, 4);
    if (!d) return img;
    img.px.assign(reinterpret_cast<uint32_t*>(d), reinterpret_cast<uint32_t*>(d) + size_t(img.w) * size_t(img.h));
    stbi_image_free(d);
    return img;
}

// Not blank: many distinct colours, and no single colour covers (almost) everything.
void expect_not_blank(const Png& img, const std::string& what) {
    std::set<uint32_t> colours(img.px.begin(), img.px.end());
    EXPECT_GT(colours.size(), 16u) << what << ": looks blank";
    size_t same = 0;
    for (const uint32_t c : img.px)
        same += c == img.px[0];
    EXPECT_LT(double(same) / double(img.px.size()), 0.98) << what << ": one colour covers the picture";
}

class GuiScreenshot : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = fs::temp_directory_path() / ("moetwin_gui_shots_" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        write_result_json(test::make_synthetic_result(test::synthetic_small()), dir_ / "small.json");
        auto spec   = test::synthetic_small();
        spec.timing = false;
        write_result_json(test::make_synthetic_result(spec), dir_ / "no_timing.json");
    }
    static void TearDownTestSuite() { fs::remove_all(dir_); }
    void SetUp() override {
        if (!std::getenv("DISPLAY")) GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a (ctest does)";
    }
    static fs::path dir_;
};
fs::path GuiScreenshot::dir_;

TEST_F(GuiScreenshot, EveryViewRendersAtTheAskedSize) {
    for (const std::string& view : kViewNames) {
        const fs::path png = dir_ / (view + ".png");
        const GuiRun r     = run_gui((dir_ / "small.json").string() + " --compare " + (dir_ / "small.json").string() +
                                     " --screenshot " + png.string() + " --view " + view + " --size 900x600");
        ASSERT_EQ(r.rc, 0) << r.output;
        const Png img = read_png(png);
        EXPECT_EQ(img.w, 900) << view;
        EXPECT_EQ(img.h, 600) << view;
        expect_not_blank(img, view);
    }
}

TEST_F(GuiScreenshot, OddSizesAndHoverWork) {
    const fs::path png = dir_ / "odd.png";
    const GuiRun r     = run_gui((dir_ / "small.json").string() + " --screenshot " + png.string() +
                                 " --view timeline --size 641x479 --mouse 320,200 --time-window 0,400");
    ASSERT_EQ(r.rc, 0) << r.output;
    const Png img = read_png(png);
    EXPECT_EQ(img.w, 641);
    EXPECT_EQ(img.h, 479);
    expect_not_blank(img, "timeline 641x479");
}

TEST_F(GuiScreenshot, CorruptFilesGiveAMessageNotACrash) {
    std::ifstream in(dir_ / "small.json");
    const std::string good((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(dir_ / "truncated.json") << good.substr(0, good.size() / 3);
    std::ofstream(dir_ / "garbage.json") << "\x7f"
                                            "ELF this is not JSON";
    for (const char* name : {"truncated.json", "garbage.json", "missing.json"}) {
        const fs::path png = dir_ / (std::string(name) + ".png");
        const GuiRun r     = run_gui((dir_ / name).string() + " --screenshot " + png.string() + " --size 800x500");
        ASSERT_EQ(r.rc, 0) << name << ": " << r.output;
        EXPECT_NE(r.output.find(name), std::string::npos) << r.output; // the message names the file
        const Png img = read_png(png);
        ASSERT_EQ(img.w, 800) << name;
        // The error box (dark red background) is in the window.
        size_t red = 0;
        for (const uint32_t c : img.px)
            red += (c & 0xffffff) == 0x19'19'46; // IM_COL32(70, 25, 25): r in the lowest byte
        EXPECT_GT(red, 1000u) << name << ": no error box drawn";
    }
}

TEST_F(GuiScreenshot, LoadsOnlyResultSaysSo) {
    const fs::path png = dir_ / "no_timing_timeline.png";
    const GuiRun r     = run_gui((dir_ / "no_timing.json").string() + " --screenshot " + png.string() +
                                 " --view timeline --size 800x500");
    ASSERT_EQ(r.rc, 0) << r.output;
    expect_not_blank(read_png(png), "no-timing timeline");
}

TEST_F(GuiScreenshot, NoResultOpensTheFileDialog) {
    const fs::path png = dir_ / "dialog.png";
    const GuiRun r     = run_gui("--screenshot " + png.string() + " --size 900x600");
    ASSERT_EQ(r.rc, 0) << r.output;
    expect_not_blank(read_png(png), "file dialog");
}

TEST_F(GuiScreenshot, BadArgumentsFailCleanly) {
    const GuiRun r = run_gui("--view nope");
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.output.find("unknown view"), std::string::npos) << r.output;
}

// The scale check on the SYNTHETIC EP320 x 61 layers x 2 micro-batches result: load time and frames/s
// as moetwin-gui measures them (under Xvfb the renderer is Mesa llvmpipe, i.e. the CPU). Asserted leniently.
TEST_F(GuiScreenshot, Ep320LoadsAndDraws) {
    const fs::path json = dir_ / "ep320.json";
    write_result_json(test::make_synthetic_result(test::synthetic_ep320()), json);
    const GuiRun r = run_gui(json.string() + " --view timeline --size 1600x1000 --bench-frames 20");
    ASSERT_EQ(r.rc, 0) << r.output;
    std::cout << r.output;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.output, m, std::regex("loaded .* in ([0-9.]+) ms"))) << r.output;
    EXPECT_LT(std::stod(m[1]), 3000.0);
    ASSERT_TRUE(std::regex_search(r.output, m, std::regex("UI build ([0-9.]+) ms"))) << r.output;
    EXPECT_LT(std::stod(m[1]), 16.7) << "building one frame's UI must leave room for 60 frames/s";
}

} // namespace
} // namespace moetwin::gui
