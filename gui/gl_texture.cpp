// SPDX-License-Identifier: Apache-2.0
// GlTexture: OpenGL 1.1 texture calls only (exported by libGL, no loader needed).
#include "gui/gl_texture.hpp"

#include <GL/gl.h>

namespace moetwin::gui {

GlTexture::~GlTexture() {
    reset();
}

void GlTexture::reset() {
    if (id_ != 0) {
        const GLuint id = id_;
        glDeleteTextures(1, &id);
    }
    id_    = 0;
    width_ = height_ = 0;
}

void GlTexture::upload(int width, int height, const uint32_t* pixels) {
    if (id_ == 0) {
        GLuint id = 0;
        glGenTextures(1, &id);
        id_ = id;
    }
    GLint prev = 0;
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &prev);
    glBindTexture(GL_TEXTURE_2D, id_);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
    glBindTexture(GL_TEXTURE_2D, GLuint(prev));
    width_  = width;
    height_ = height;
}

} // namespace moetwin::gui
