// SPDX-License-Identifier: Apache-2.0
// An RGBA8 OpenGL texture owned by one object. Heatmaps upload their cells once per metric change and draw
// one textured quad per frame instead of tens of thousands of rectangles.
#pragma once

#include <cstdint>

namespace moetwin::gui {

// Invariant: id_ != 0 exactly when a texture is allocated; destroyed with the object. Needs a current GL context.
class GlTexture {
  public:
    GlTexture()                            = default;
    GlTexture(const GlTexture&)            = delete;
    GlTexture& operator=(const GlTexture&) = delete;
    ~GlTexture();

    // [height][width] pixels packed as IM_COL32 (r in the lowest byte); nearest filtering, so cells stay sharp.
    void upload(int width, int height, const uint32_t* pixels);
    void reset();

    bool valid() const { return id_ != 0; }
    unsigned id() const { return id_; }
    int width() const { return width_; }
    int height() const { return height_; }

  private:
    unsigned id_ = 0;
    int width_   = 0;
    int height_  = 0;
};

} // namespace moetwin::gui
