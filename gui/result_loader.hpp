// SPDX-License-Identifier: Apache-2.0
// Opening result files: strict read (read_result_json), every failure turned into a message for the window,
// and a background thread so a large file never freezes a frame. No ImGui.
#pragma once

#include "sim/result/result.hpp"

#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>

namespace moetwin::gui {

struct LoadedResult {
    std::filesystem::path path;
    std::shared_ptr<const RunResult> result; // null when loading failed
    std::string error;                       // why, as read_result_json says it (file, line:col or JSON path)
    double load_ms      = 0;
    uint64_t generation = 0; // unique per successful load: panels key their caches on it

    bool ok() const { return result != nullptr; }
};

// Never throws. A folder means <folder>/result.json (what `moetwin run --out DIR` writes).
LoadedResult load_result(const std::filesystem::path& path);

// One load at a time in the background.
class ResultLoader {
  public:
    void start(const std::filesystem::path& path);
    bool busy() const { return pending_.valid(); }
    const std::filesystem::path& pending_path() const { return path_; }
    std::optional<LoadedResult> poll(); // the finished load, once

  private:
    std::future<LoadedResult> pending_;
    std::filesystem::path path_;
};

} // namespace moetwin::gui
