// SPDX-License-Identifier: Apache-2.0
// What moetwin-gui was asked to open: a step's result.json (`moetwin run`), a sweep's sweep.json (`moetwin
// sweep`), a training step's training.json (`moetwin run` on a training scenario) or a serving replay's output
// folder (`moetwin serve`: series.csv + summary.json). One function decides, from names first and then from the
// first bytes of a JSON file; the readers of each kind then check the content strictly. No ImGui.
#pragma once

#include <filesystem>
#include <string_view>

namespace moetwin::gui {

enum class FileKind { Result, Sweep, Training, Serve };

std::string_view to_string(FileKind k);

struct DetectedFile {
    FileKind kind = FileKind::Result;
    std::filesystem::path path; // the file to read; for Serve the output folder
};

// Contract: never throws. A folder holding result.json, sweep.json, training.json or series.csv + summary.json
// (checked in that order) is that kind; a file named sweep.json / training.json is that kind, series.csv or
// summary.json means its folder (Serve); any other file is sniffed (its first 4 KiB): `"format":
// "moetwin-sweep"` is a sweep, `"scenario_name"` with `"pp_size"` (training.json's second and fourth keys; result.json
// has neither at its top) a training result, anything else a result (whose strict reader then says what is wrong). A
// missing path, or a folder with none of them, is a Result at <path>/result.json, so the result loader's "no such file"
// names it.
DetectedFile detect_file_kind(const std::filesystem::path& path);

} // namespace moetwin::gui
