// SPDX-License-Identifier: Apache-2.0
// The step-time model file's writer and strict reader (step_grid_file.hpp).
#include "sim/serving/step_model/step_grid_file.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"

#include <nlohmann/json.hpp>

namespace moetwin::serving {
namespace {

std::vector<double> read_axis(const JsonObject& o, std::string_view key) {
    const JsonArray a = o.array(key);
    std::vector<double> out;
    for (std::size_t i = 0; i < a.size(); ++i)
        out.push_back(a.number(i));
    return out;
}

} // namespace

std::string step_model_text(const StepModelFile& m) {
    nlohmann::ordered_json j;
    j["format"]                   = kStepModelFormat;
    j["format_version"]           = kStepModelFormatVersion;
    j["moetwin_version"]          = m.moetwin_version;
    j["key"]                      = m.key;
    j["phase"]                    = std::string(table_name(kPhases, m.grid.phase));
    j["interpolation"]            = std::string(table_name(kGridInterpolations, m.grid.interpolation));
    j["batch"]                    = m.grid.batch;
    j["context"]                  = m.grid.context;
    j["cached"]                   = m.grid.cached;
    nlohmann::ordered_json planes = nlohmann::ordered_json::array();
    for (std::size_t p = 0; p < m.grid.cached.size(); ++p) {
        nlohmann::ordered_json rows = nlohmann::ordered_json::array();
        for (std::size_t i = 0; i < m.grid.batch.size(); ++i) {
            nlohmann::ordered_json row = nlohmann::ordered_json::array();
            for (std::size_t k = 0; k < m.grid.context.size(); ++k)
                row.push_back(m.grid.at(i, k, p));
            rows.push_back(std::move(row));
        }
        planes.push_back(std::move(rows));
    }
    j["step_s"]   = std::move(planes);
    j["scenario"] = nlohmann::ordered_json::parse(m.scenario_json);
    return j.dump(1) + "\n";
}

StepModelFile parse_step_model(const std::string& text, const std::string& file) {
    const nlohmann::json j = parse_json_text(text, file);
    if (!j.is_object()) throw ConfigError(file + ": (top level): expected an object, got " + describe_json(j));
    const JsonObject o(j, "", file);
    o.finish({"format", "format_version", "moetwin_version", "key", "phase", "interpolation", "batch", "context",
              "cached", "step_s", "scenario"});
    if (o.string("format") != kStepModelFormat)
        o.fail("format", std::string("expected \"") + kStepModelFormat + "\", got " + describe_json(o.value("format")));
    o.integer_in("format_version", kStepModelFormatVersion, kStepModelFormatVersion);
    StepModelFile m;
    m.moetwin_version = o.string("moetwin_version");
    m.key             = o.string("key");
    o.value("phase"); // required (choice() alone would fall back)
    o.value("interpolation");
    m.grid.phase         = o.choice("phase", kPhases, Phase::Decode, "phase");
    m.grid.interpolation = o.choice("interpolation", kGridInterpolations, GridInterpolation::Bilinear, "interpolation");
    m.grid.batch         = read_axis(o, "batch");
    m.grid.context       = read_axis(o, "context");
    m.grid.cached        = read_axis(o, "cached");
    const JsonArray planes = o.array("step_s");
    if (planes.size() != m.grid.cached.size())
        planes.fail_here("expected " + std::to_string(m.grid.cached.size()) + " planes (one per cached value), got " +
                         std::to_string(planes.size()));
    for (std::size_t p = 0; p < planes.size(); ++p) {
        const JsonArray rows = planes.array(p, m.grid.batch.size(), "rows (one per batch value)");
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const JsonArray row = rows.array(i, m.grid.context.size(), "numbers (one per context value)");
            for (std::size_t k = 0; k < row.size(); ++k)
                m.grid.step_s.push_back(row.number(k));
        }
    }
    const nlohmann::json& scenario = o.value("scenario");
    if (!scenario.is_object()) o.fail("scenario", "expected an object, got " + describe_json(scenario));
    // Compact, in the file's key order (the strict parse above sorted the keys; the text is valid by now).
    m.scenario_json = nlohmann::ordered_json::parse(text)["scenario"].dump();
    check_step_grid(m.grid, file);
    return m;
}

StepModelFile load_step_model(const std::filesystem::path& path) {
    return parse_step_model(read_file(path), path.string()); // read_file: ConfigError "<path>: cannot read: ..."
}

} // namespace moetwin::serving
