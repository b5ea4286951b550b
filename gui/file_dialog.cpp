// SPDX-License-Identifier: Apache-2.0
// FileDialog: std::filesystem listing inside an ImGui modal.
#include "gui/file_dialog.hpp"

#include "gui/format.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

namespace moetwin::gui {

namespace fs = std::filesystem;

void FileDialog::open(std::string title, const fs::path& start, std::string extension) {
    title_        = std::move(title);
    extension_    = std::move(extension);
    request_open_ = true;
    std::error_code ec;
    fs::path dir = start.empty() ? fs::current_path(ec) : start;
    if (!fs::is_directory(dir, ec)) dir = dir.parent_path();
    if (dir.empty() || !fs::is_directory(dir, ec)) dir = fs::current_path(ec);
    list(fs::absolute(dir, ec));
}

void FileDialog::list(const fs::path& dir) {
    std::error_code ec;
    std::vector<Entry> entries;
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
        error_ = dir.string() + ": " + ec.message();
        return;
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) break;
        Entry e;
        e.name   = it->path().filename().string();
        e.is_dir = it->is_directory(ec);
        if (!show_all_ && !e.name.empty() && e.name[0] == '.') continue;
        if (!e.is_dir) {
            if (!show_all_ && it->path().extension() != extension_) continue;
            e.size = it->file_size(ec);
        }
        entries.push_back(std::move(e));
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.is_dir != b.is_dir ? a.is_dir : a.name < b.name; });
    dir_        = dir;
    path_field_ = dir.string();
    entries_    = std::move(entries);
    selected_   = -1;
    error_.clear();
}

std::optional<fs::path> FileDialog::draw() {
    if (request_open_) {
        ImGui::OpenPopup(title_.c_str());
        request_open_ = false;
        open_         = true;
    }
    if (!open_) return std::nullopt;
    std::optional<fs::path> chosen;
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowSize(ImVec2(std::min(760.0f, display.x - 40), std::min(520.0f, display.y - 40)),
                             ImGuiCond_Appearing);
    if (!ImGui::BeginPopupModal(title_.c_str(), &open_)) return std::nullopt;

    if (ImGui::Button("Up") && dir_.has_parent_path()) list(dir_.parent_path());
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - 130);
    const bool enter = ImGui::InputText("##path", &path_field_, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if (ImGui::Checkbox("all files", &show_all_)) list(dir_);
    if (enter) {
        std::error_code ec;
        const fs::path p(path_field_);
        if (fs::is_directory(p, ec))
            list(p);
        else if (fs::exists(p, ec))
            chosen = p;
        else
            error_ = path_field_ + ": no such file or folder";
    }
    if (!error_.empty()) coloured_text(kErrColor, error_);

    const float footer = ImGui::GetFrameHeightWithSpacing() + 6;
    if (ImGui::BeginTable("entries", 2, ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter,
                          ImVec2(0, ImGui::GetContentRegionAvail().y - footer))) {
        ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthStretch);
        ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthFixed, 90);
        std::optional<fs::path> enter_dir;
        for (int i = 0; i < int(entries_.size()); ++i) {
            const Entry& e = entries_[size_t(i)];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            const std::string label = (e.is_dir ? "[dir]  " : "       ") + e.name;
            if (ImGui::Selectable(label.c_str(), selected_ == i,
                                  ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowDoubleClick)) {
                selected_ = i;
                if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
                    if (e.is_dir)
                        enter_dir = dir_ / e.name;
                    else
                        chosen = dir_ / e.name;
                }
            }
            ImGui::TableNextColumn();
            if (!e.is_dir) ImGui::TextUnformatted(format_bytes(double(e.size)).c_str());
        }
        ImGui::EndTable();
        if (enter_dir) list(*enter_dir);
    }
    const bool can_open = selected_ >= 0 && selected_ < int(entries_.size());
    if (ImGui::Button("Open") && can_open) {
        const Entry& e = entries_[size_t(selected_)];
        if (e.is_dir)
            list(dir_ / e.name);
        else
            chosen = dir_ / e.name;
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) open_ = false;
    if (chosen) open_ = false;
    if (!open_) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return chosen;
}

} // namespace moetwin::gui
