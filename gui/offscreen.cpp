// SPDX-License-Identifier: Apache-2.0
// Offscreen: GL 3 framebuffer entry points fetched with glfwGetProcAddress (the ImGui loader is private to
// libimgui.a), pixels written with stbi_write_png from libstb (no STB_IMAGE_WRITE_IMPLEMENTATION here).
#include "gui/offscreen.hpp"

#include <GL/gl.h>
#include <GL/glext.h>
#include <GLFW/glfw3.h>

#include <stb_image_write.h> // declarations only: the implementation is in libstb

#include <cstring>

namespace moetwin::gui {
namespace {

struct Fbo {
    PFNGLGENFRAMEBUFFERSPROC gen           = nullptr;
    PFNGLDELETEFRAMEBUFFERSPROC del        = nullptr;
    PFNGLBINDFRAMEBUFFERPROC bind          = nullptr;
    PFNGLFRAMEBUFFERTEXTURE2DPROC tex2d    = nullptr;
    PFNGLCHECKFRAMEBUFFERSTATUSPROC status = nullptr;

    bool load() {
        gen    = reinterpret_cast<PFNGLGENFRAMEBUFFERSPROC>(glfwGetProcAddress("glGenFramebuffers"));
        del    = reinterpret_cast<PFNGLDELETEFRAMEBUFFERSPROC>(glfwGetProcAddress("glDeleteFramebuffers"));
        bind   = reinterpret_cast<PFNGLBINDFRAMEBUFFERPROC>(glfwGetProcAddress("glBindFramebuffer"));
        tex2d  = reinterpret_cast<PFNGLFRAMEBUFFERTEXTURE2DPROC>(glfwGetProcAddress("glFramebufferTexture2D"));
        status = reinterpret_cast<PFNGLCHECKFRAMEBUFFERSTATUSPROC>(glfwGetProcAddress("glCheckFramebufferStatus"));
        return gen && del && bind && tex2d && status;
    }
};

Fbo& fbo_api() {
    static Fbo api;
    return api;
}

} // namespace

Offscreen::~Offscreen() {
    if (fbo_) {
        const GLuint f = fbo_;
        fbo_api().del(1, &f);
    }
    if (colour_) {
        const GLuint t = colour_;
        glDeleteTextures(1, &t);
    }
}

bool Offscreen::create(int width, int height, std::string* error) {
    Fbo& api = fbo_api();
    if (!api.load()) {
        *error = "OpenGL framebuffer objects are not available (GL 3.0 needed)";
        return false;
    }
    width_ = width, height_ = height;
    GLuint tex = 0, fbo = 0;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glBindTexture(GL_TEXTURE_2D, 0);
    api.gen(1, &fbo);
    api.bind(GL_FRAMEBUFFER, fbo);
    api.tex2d(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
    const GLenum st = api.status(GL_FRAMEBUFFER);
    api.bind(GL_FRAMEBUFFER, 0);
    colour_ = tex, fbo_ = fbo;
    if (st != GL_FRAMEBUFFER_COMPLETE) {
        *error = "offscreen framebuffer incomplete (status 0x" + std::to_string(st) + ")";
        return false;
    }
    return true;
}

void Offscreen::bind() const {
    fbo_api().bind(GL_FRAMEBUFFER, fbo_);
    glViewport(0, 0, width_, height_);
}

void Offscreen::unbind() const {
    fbo_api().bind(GL_FRAMEBUFFER, 0);
}

std::vector<uint8_t> Offscreen::read_rgba() const {
    std::vector<uint8_t> px(size_t(width_) * size_t(height_) * 4);
    fbo_api().bind(GL_FRAMEBUFFER, fbo_);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width_, height_, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    // GL rows are bottom-up; PNG rows are top-down.
    const size_t row = size_t(width_) * 4;
    std::vector<uint8_t> tmp(row);
    for (int y = 0; y < height_ / 2; ++y) {
        uint8_t* a = px.data() + size_t(y) * row;
        uint8_t* b = px.data() + size_t(height_ - 1 - y) * row;
        std::memcpy(tmp.data(), a, row);
        std::memcpy(a, b, row);
        std::memcpy(b, tmp.data(), row);
    }
    for (size_t i = 3; i < px.size(); i += 4)
        px[i] = 255; // opaque PNG whatever the framebuffer's alpha
    return px;
}

bool Offscreen::write_png(const std::string& path, std::string* error) const {
    const std::vector<uint8_t> px    = read_rgba();
    stbi_write_png_compression_level = 9; // README pictures stay small
    if (!stbi_write_png(path.c_str(), width_, height_, 4, px.data(), width_ * 4)) {
        *error = path + ": cannot write PNG";
        return false;
    }
    return true;
}

} // namespace moetwin::gui
