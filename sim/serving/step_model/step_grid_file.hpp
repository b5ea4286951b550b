// SPDX-License-Identifier: Apache-2.0
// The step-time model file: one grid model (sim/serving/step_time_grid.hpp) of one unit, as the cache
// stores it (<cache dir>/<key>.json) and as `moetwin serve` and the tests load it. JSON, written with
// std::ordered keys and round-trip doubles, so the same model gives the same bytes:
//
//   {
//     "format": "moetwin_step_model",     fixed
//     "format_version": 3,                 this reader's; another is a ConfigError (2 added "cached"; 3: the same
//                                          layout, times of the step simulator whose prefill cut prompts count
//                                          as fractions of requests, sim/step/rank_batches.hpp: version 2 files
//                                          hold the old prefill times and are rebuilt)
//     "moetwin_version": "0.1.0",          the moetwin that built it (part of the key)
//     "key": "<16 hex digits>",            the cache key (step_grid_build.hpp: step_model_key)
//     "phase": "decode" | "prefill",
//     "interpolation": "bilinear" | "log_bilinear",
//     "batch":   [1, 2, ...],              StepShape::batch_per_rank of each row (requests or tokens per rank)
//     "context": [128, ...],               the context coordinate of each column (step_time_grid.hpp)
//     "cached":  [0, ...],                 StepShape::cached_per_token of each plane (decode: [0])
//     "step_s":  [[[...], ...], ...],      seconds; one plane per cached value, in it one row per batch value,
//                                          one column per context value
//     "scenario": { ... }                  the unit's scenario the key hashes (the resolved scenario without
//                                          name, description, output, allow_not_fitting and the grid's keys)
//   }
// Read strictly (common/json_reader.hpp): unknown, duplicate or missing keys, wrong types, a grid that is
// not increasing or a non-positive time are ConfigErrors naming the file and the JSON path.
#pragma once

#include "sim/serving/step_time_grid.hpp"

#include <filesystem>
#include <string>

namespace moetwin::serving {

inline constexpr const char* kStepModelFormat = "moetwin_step_model";
inline constexpr int kStepModelFormatVersion  = 3;

struct StepModelFile {
    StepGrid grid;
    std::string moetwin_version;
    std::string key;
    std::string scenario_json; // the "scenario" object, compact (nlohmann dump())
};

// Contract: pure. The file's text (ends with a newline); byte-identical for equal inputs.
std::string step_model_text(const StepModelFile& model);

// Contract: parses `text` strictly; `file` names it in errors (ConfigError "<file>: <json.path>: ...").
StepModelFile parse_step_model(const std::string& text, const std::string& file);

// Contract: reads and parses `path`; ConfigError naming it when it cannot be read or parsed.
StepModelFile load_step_model(const std::filesystem::path& path);

} // namespace moetwin::serving
