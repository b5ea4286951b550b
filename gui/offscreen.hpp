// SPDX-License-Identifier: Apache-2.0
// Offscreen rendering for --screenshot: an OpenGL framebuffer object of exactly the asked size (independent of
// the window and of the X screen, so it works under Xvfb with Mesa), read back and written as a PNG with libstb.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moetwin::gui {

// Invariant: fbo_ != 0 after a successful create(); released with the object. Needs a current GL 3 context.
class Offscreen {
  public:
    Offscreen()                            = default;
    Offscreen(const Offscreen&)            = delete;
    Offscreen& operator=(const Offscreen&) = delete;
    ~Offscreen();

    bool create(int width, int height, std::string* error); // GL functions come from glfwGetProcAddress
    void bind() const;                                      // render into it (and set the viewport)
    void unbind() const;
    std::vector<uint8_t> read_rgba() const; // [height][width][4], top row first
    bool write_png(const std::string& path, std::string* error) const;

    int width() const { return width_; }
    int height() const { return height_; }

  private:
    unsigned fbo_ = 0, colour_ = 0;
    int width_ = 0, height_ = 0;
};

} // namespace moetwin::gui
