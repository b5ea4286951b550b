// SPDX-License-Identifier: Apache-2.0
// moetwin-gui: Dear ImGui's example_glfw_opengl3 frame loop around App::draw(). With --screenshot it renders
// offscreen (works under Xvfb with Mesa) and writes a PNG; with --bench-frames it reports load time and frames/s.
#include "gui/app.hpp"
#include "gui/gui_args.hpp"
#include "gui/offscreen.hpp"
#include "gui/view_probe.hpp"

#include "common/errors.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace {

using namespace moetwin::gui;

// One frame: new ImGui frame, App::update() + draw(), render into the bound framebuffer.
// `fixed` pins the display size and pointer (offscreen frames do not follow the window).
// Returns the seconds spent building the UI (everything before the GL draw calls).
double frame(App& app, int w, int h, bool fixed, ImVec2 mouse) {
    const auto t0 = std::chrono::steady_clock::now();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    if (fixed) {
        io.DisplaySize             = ImVec2(float(w), float(h));
        io.DisplayFramebufferScale = ImVec2(1, 1);
        io.MousePos                = mouse;
    }
    ImGui::NewFrame();
    view_probe().clear(); // the probe reports what this frame draws
    app.update();
    app.draw();
    ImGui::Render();
    const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    glViewport(0, 0, int(io.DisplaySize.x * io.DisplayFramebufferScale.x),
               int(io.DisplaySize.y * io.DisplayFramebufferScale.y));
    glClearColor(0.08f, 0.08f, 0.09f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    return build_s;
}

int run_offscreen(App& app, const GuiArgs& args) {
    Offscreen target;
    std::string error;
    if (!target.create(args.width, args.height, &error)) throw moetwin::ConfigError(error);
    const ImVec2 mouse = args.mouse_x >= 0 ? ImVec2(args.mouse_x, args.mouse_y) : ImVec2(-FLT_MAX, -FLT_MAX);
    target.bind();
    for (int i = 0; i < 6; ++i) // layout settles over a few frames (tabs, tables, tooltips)
        frame(app, args.width, args.height, true, mouse);
    if (args.bench_frames > 0) {
        glFinish();
        const auto t0 = std::chrono::steady_clock::now();
        double build  = 0;
        for (int i = 0; i < args.bench_frames; ++i) {
            build += frame(app, args.width, args.height, true, mouse);
            glFinish(); // count the GPU's (or llvmpipe's) work too
        }
        const double s       = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const ImDrawData* dd = ImGui::GetDrawData();
        std::printf("bench: view %s, %dx%d, %d frames in %.3f s = %.1f frames/s (%.2f ms per frame, of which UI build "
                    "%.2f ms = %.0f frames/s CPU-bound; %d vertices), renderer %s\n",
                    args.view.c_str(), args.width, args.height, args.bench_frames, s, args.bench_frames / s,
                    1e3 * s / args.bench_frames, 1e3 * build / args.bench_frames, args.bench_frames / build,
                    dd ? dd->TotalVtxCount : 0, reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
    }
    if (args.probe) std::fputs(view_probe().report().c_str(), stdout);
    if (!args.screenshot.empty()) {
        if (!target.write_png(args.screenshot, &error)) throw moetwin::ConfigError(error);
        std::printf("wrote %s (%dx%d, view %s)\n", args.screenshot.c_str(), args.width, args.height, args.view.c_str());
    }
    target.unbind();
    return 0;
}

} // namespace

int main(int argc, char** argv) try {
    const GuiArgs args = parse_gui_args(std::vector<std::string>(argv + 1, argv + argc));
    if (args.help) {
        std::cout << gui_usage();
        return 0;
    }
    const bool headless = !args.screenshot.empty() || args.bench_frames > 0;
    glfwSetErrorCallback([](int code, const char* what) { std::fprintf(stderr, "glfw error %d: %s\n", code, what); });
    if (!glfwInit()) throw moetwin::ConfigError("cannot open a window (no display? run headless under `xvfb-run -a`)");
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
    if (headless) glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
    GLFWwindow* window = glfwCreateWindow(args.width, args.height, "moetwin-gui", nullptr, nullptr);
    if (!window) throw moetwin::ConfigError("cannot create an OpenGL 3.3 window");
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr; // one fixed full-window layout: nothing to remember
    ImGui::StyleColorsDark();
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330");

    int rc = 0;
    {
        App app(args);
        bool load_failed = false; // headless: a file that does not load is an error (exit 1), after the picture
        if (!args.result.empty()) {
            app.open(0, args.result, headless, !args.view_given);
            if (headless) {
                const LoadedResult& a = app.loaded(0);
                if (!app.load_error(0).empty()) {
                    std::fprintf(stderr, "moetwin-gui: %s\n", app.load_error(0).c_str());
                    load_failed = true;
                } else if (a.ok()) {
                    std::printf("loaded %s in %.1f ms\n", a.path.c_str(), a.load_ms);
                } else {
                    std::printf("opened %s\n", args.result.c_str()); // a sweep, training or serving output
                }
            }
        } else {
            app.ask_for_result();
        }
        if (!args.compare.empty()) {
            app.open(1, args.compare, headless);
            if (headless && !app.load_error(1).empty()) {
                std::fprintf(stderr, "moetwin-gui: %s\n", app.load_error(1).c_str());
                load_failed = true;
            }
        }
        if (headless) {
            rc = run_offscreen(app, args);
            if (load_failed) rc = 1;
        } else {
            while (!glfwWindowShouldClose(window)) {
                glfwPollEvents();
                int w = 0, h = 0;
                glfwGetFramebufferSize(window, &w, &h);
                frame(app, w, h, false, ImVec2());
                glfwSwapBuffers(window);
            }
        }
    } // App (and its GL textures) goes before the context
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return rc;
} catch (const std::exception& e) {
    std::fprintf(stderr, "moetwin-gui: %s\n", e.what());
    return 1;
}
