// SPDX-License-Identifier: Apache-2.0
// ViewProbe: what the last frame of each view actually drew, as named counts ("timeline.tracks" = GPU lanes
// with at least one span drawn, "layers.dense_rows" = heatmap rows greyed as dense layers, ...). Panels record
// while drawing; `moetwin-gui --screenshot ... --probe` prints them, so the screenshot test checks content, not
// only that pixels vary. No ImGui; one probe per process (the GUI draws on one thread).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace moetwin::gui {

class ViewProbe {
  public:
    void set(std::string_view key, double value) { values_[std::string(key)] = value; }
    void add(std::string_view key, double delta) { values_[std::string(key)] += delta; }
    const std::map<std::string, double>& values() const { return values_; }
    void clear() { values_.clear(); }
    // "probe KEY VALUE" per line, keys sorted.
    std::string report() const;

  private:
    std::map<std::string, double> values_;
};

ViewProbe& view_probe();

} // namespace moetwin::gui
