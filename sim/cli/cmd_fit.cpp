// SPDX-License-Identifier: Apache-2.0
// `moetwin fit [SCENARIO]`: per-GPU memory of each deployment unit in the scenario, whether it
// fits, and the largest batch per GPU that does. Exit 0 when every unit fits, 1 (after the report) when
// one does not, so scripts can test it.
#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/scenario_fit.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace moetwin::cli {

// Training: every PP rank's memory (sim/scenario_training.hpp, training_memory), as the parser checks it.
void print_training_memory(std::ostream& out, const Scenario& s) {
    const TrainingConfig& t = *s.training;
    const ModelSpec model   = with_layers(find_model(s.model.name), s.model.num_dense_layers, s.model.num_moe_layers);
    const bool dual         = t.schedule == PipelineSchedule::DualPipe;
    const int live          = t.pp_size + (dual ? 1 : 0);
    const auto gib          = [](int64_t b) { return double(b) / double(1ll << 30); };
    out << "\n== training memory per GPU (GiB; " << live << " live chunks, ZeRO-" << t.zero_stage << ") ==\n";
    out << "  rank  weights  gradients  optimizer  activations   total\n";
    for (int r = 0; r < t.pp_size; ++r) {
        std::vector<int> stages = {r};
        if (dual && t.pp_size - 1 - r != r) stages.push_back(t.pp_size - 1 - r);
        const TrainingMemory m = training_memory(model, t, s.deployment.prefill->ep_size, stages, live);
        char line[160];
        std::snprintf(line, sizeof line, "  %4d %8.1f %10.1f %10.1f %12.1f %7.1f\n", r, gib(m.weights_B),
                      gib(m.gradients_B), gib(m.optimizer_B), gib(m.activations_B), gib(m.total_B()));
        out << line;
    }
    out << "  (the memory fit below is the inference fit of the chunk pair's prefill unit)\n";
}

// Returns the reasons of the units that do not fit (empty when all fit).
std::vector<std::string> print_fit(std::ostream& out, const Scenario& s) {
    std::vector<std::string> failures;
    if (s.training) print_training_memory(out, s); // the parser refused what does not fit
    for (Phase phase : {Phase::Prefill, Phase::Decode}) {
        const auto& unit = phase == Phase::Decode ? s.deployment.decode : s.deployment.prefill;
        if (!unit) continue;
        out << "\n== memory fit: " << to_string(phase) << " unit (" << unit->num_nodes << " nodes, EP" << unit->ep_size
            << ") ==\n";
        const FitReport r = fit_unit(s, phase);
        print_fit_report(out, r);
        if (!r.fits) failures.push_back(std::string(to_string(phase)) + " unit: " + r.reason);
    }
    return failures;
}

void add_fit_command(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto* cmd =
        app.add_subcommand("fit", "Per-GPU memory of the scenario's deployment units: weights by precision, "
                                  "KV cache capacity, buffers, activations; fits or not, and the largest batch");
    cmd->add_option("scenario", *path, "Scenario JSON file (default: the embedded production decode scenario)");
    cmd->callback([path] {
        const Scenario s = load_scenario_arg(*path);
        std::cout << "scenario " << s.name << " (" << s.source.string() << ")\n";
        const std::vector<std::string> failures = print_fit(std::cout, s);
        if (!failures.empty()) throw ConfigError(s.source.string() + ": " + failures.front());
    });
}

} // namespace moetwin::cli
