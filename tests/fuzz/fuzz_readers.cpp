// SPDX-License-Identifier: Apache-2.0
// The readers under fuzzing, each called as the CLI calls it on a file's text.
#include "tests/fuzz/fuzz_readers.hpp"

#include "common/errors.hpp"
#include "engine/calibration.hpp"
#include "engine/profile.hpp"
#include "moe/expert_load_json.hpp"
#include "sim/balancer/external/placement_json.hpp"
#include "sim/calibrate/profiler_trace.hpp"
#include "sim/result/result_json.hpp"
#include "sim/result/training_result.hpp"
#include "sim/scenario.hpp"
#include "sim/serving/step_model/step_grid_file.hpp"
#include "sim/serving/traffic/trace_readers.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace moetwin::fuzz {
namespace {

void scenario(std::string_view text, const std::filesystem::path& base_dir) {
    const Scenario s = parse_scenario(text, "fuzz.json", base_dir);
    std::ostringstream out;
    out << s; // `moetwin validate` prints every field
    (void)parse_scenario(scenario_to_json(s), "fuzz.json (canonical)", base_dir); // the writer's output reads back
}

void result(std::string_view text, const std::filesystem::path&) {
    (void)parse_result_json(text, "fuzz.json");
}

void expert_load(std::string_view text, const std::filesystem::path&) {
    (void)parse_expert_load(text, "fuzz.json");
}

// A placement (balancer.policy "file" / "command" output) read at two shapes: a small unit (2 layers,
// 4 experts, 6 slots on 3 GPUs) and the production prefill unit (58 MoE layers, 256 experts, 288 slots on
// 32 GPUs of 4 nodes, as the shipped examples/balancer placement).
void placement(std::string_view text, const std::filesystem::path&) {
    try {
        (void)balancer::parse_placement_json(text, "fuzz.json", 2, 4, balancer::PlacementSpec{6, 1, 1, 3});
    } catch (const ConfigError&) {
    }
    (void)balancer::parse_placement_json(text, "fuzz.json", 58, 256, balancer::PlacementSpec{288, 8, 4, 32});
}

void profile(std::string_view text, const std::filesystem::path&) {
    (void)parse_profile_json(text, "fuzz.json");
}

void calibration(std::string_view text, const std::filesystem::path&) {
    (void)parse_calibration_json(text, "fuzz.json");
}

void trace(std::string_view text, const std::filesystem::path&) {
    (void)calib::parse_profiler_trace(text, "fuzz.json");
}

// A request trace (sim/serving/traffic/trace_readers.hpp) read to its end, as `moetwin serve` reads it. The
// readers stream files (plain or gzip), so the input goes through a file of this process's own.
void trace_file(serving::traffic::TraceFormat format, std::string_view text) {
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("moetwin-fuzz-trace-" + std::to_string(::getpid()));
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(text.data(), std::streamsize(text.size()));
    }
    struct Remove {
        std::filesystem::path f;
        ~Remove() { std::remove(f.c_str()); }
    } remove{file};
    const auto source = serving::traffic::open_trace(format, file, {}, 1);
    serving::Request r;
    while (source->next(r)) {
    }
}

void traffic_azure(std::string_view text, const std::filesystem::path&) {
    trace_file(serving::traffic::TraceFormat::AzureCsv, text);
}

void traffic_mooncake(std::string_view text, const std::filesystem::path&) {
    trace_file(serving::traffic::TraceFormat::MooncakeJsonl, text);
}

void traffic_lengths(std::string_view text, const std::filesystem::path&) {
    trace_file(serving::traffic::TraceFormat::LengthsCsv, text);
}

// A serving step-time model file (sim/serving/step_model/), as the step-model cache reads it.
void step_model(std::string_view text, const std::filesystem::path&) {
    (void)serving::parse_step_model(std::string(text), "fuzz.json");
}

// A training run's training.json (sim/result/training_result.hpp), as the GUI and tests read it.
void training_result(std::string_view text, const std::filesystem::path&) {
    (void)training_result_from_json(text, "fuzz.json");
}

constexpr std::array kReaders = {
    Reader{"scenario", scenario},
    Reader{"result", result},
    Reader{"expert_load", expert_load},
    Reader{"profile", profile},
    Reader{"calibration", calibration},
    Reader{"trace", trace},
    Reader{"placement", placement},
    Reader{"traffic_azure", traffic_azure},
    Reader{"traffic_mooncake", traffic_mooncake},
    Reader{"traffic_lengths", traffic_lengths},
    Reader{"step_model", step_model},
    Reader{"training_result", training_result},
};

} // namespace

std::span<const Reader> readers() {
    return kReaders;
}

const Reader* find_reader(std::string_view name) {
    for (const Reader& r : kReaders)
        if (r.name == name) return &r;
    return nullptr;
}

void feed(const Reader& reader, std::string_view bytes, const std::filesystem::path& base_dir) {
    try {
        reader.run(bytes, base_dir);
    } catch (const ConfigError&) {
        // the reader's answer to bad input
    }
}

} // namespace moetwin::fuzz
