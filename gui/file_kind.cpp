// SPDX-License-Identifier: Apache-2.0
// detect_file_kind.
#include "gui/file_kind.hpp"

#include <fstream>
#include <string>

namespace moetwin::gui {
namespace {

namespace fs = std::filesystem;

// Enough for the first keys of every format: sweep.json's "format" is its first key, training.json's "schedule"
// and "pp_size" its third and fourth (sim/result/training_result.hpp).
constexpr std::size_t kSniffBytes = 4096;

std::string head(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::string s(kSniffBytes, '\0');
    in.read(s.data(), std::streamsize(s.size()));
    s.resize(std::size_t(in.gcount()));
    return s;
}

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

bool has_key_value(const std::string& text, std::string_view key, std::string_view value) {
    const std::size_t k = text.find("\"" + std::string(key) + "\"");
    if (k == std::string::npos) return false;
    std::size_t i = k + key.size() + 2;
    while (i < text.size() && (text[i] == ' ' || text[i] == ':' || text[i] == '\n' || text[i] == '\t'))
        ++i;
    return text.compare(i, value.size() + 2, "\"" + std::string(value) + "\"") == 0;
}

} // namespace

std::string_view to_string(FileKind k) {
    switch (k) {
    case FileKind::Result:
        return "result";
    case FileKind::Sweep:
        return "sweep";
    case FileKind::Training:
        return "training";
    case FileKind::Serve:
        return "serve";
    }
    return "?";
}

DetectedFile detect_file_kind(const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (is_file(path / "result.json")) return {FileKind::Result, path / "result.json"};
        if (is_file(path / "sweep.json")) return {FileKind::Sweep, path / "sweep.json"};
        if (is_file(path / "training.json")) return {FileKind::Training, path / "training.json"};
        if (is_file(path / "series.csv") && is_file(path / "summary.json")) return {FileKind::Serve, path};
        return {FileKind::Result, path / "result.json"};
    }
    const std::string name = path.filename().string();
    if (name == "series.csv" || name == "summary.json") return {FileKind::Serve, path.parent_path()};
    if (name == "sweep.json") return {FileKind::Sweep, path};
    if (name == "training.json") return {FileKind::Training, path};
    if (!is_file(path)) return {FileKind::Result, path};
    const std::string text = head(path);
    if (has_key_value(text, "format", "moetwin-sweep")) return {FileKind::Sweep, path};
    if (text.find("\"scenario_name\"") != std::string::npos && text.find("\"pp_size\"") != std::string::npos)
        return {FileKind::Training, path};
    return {FileKind::Result, path};
}

} // namespace moetwin::gui
