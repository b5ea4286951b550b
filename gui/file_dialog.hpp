// SPDX-License-Identifier: Apache-2.0
// A small modal file dialog (ImGui has none): a folder listing, folders first, files filtered by extension,
// a path field, Up / Open / Cancel. Double-click opens a folder or picks a file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace moetwin::gui {

class FileDialog {
  public:
    void open(std::string title, const std::filesystem::path& start, std::string extension = ".json");
    bool is_open() const { return open_ || request_open_; }

    // Draws the dialog while it is open; returns the chosen file once (then the dialog closes).
    std::optional<std::filesystem::path> draw();

  private:
    struct Entry {
        std::string name;
        bool is_dir    = false;
        uintmax_t size = 0;
    };
    void list(const std::filesystem::path& dir);

    std::string title_;
    std::string extension_;
    std::filesystem::path dir_;
    std::string path_field_;
    std::string error_;
    std::vector<Entry> entries_;
    int selected_      = -1;
    bool show_all_     = false;
    bool open_         = false;
    bool request_open_ = false;
};

} // namespace moetwin::gui
