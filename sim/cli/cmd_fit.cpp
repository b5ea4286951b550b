// SPDX-License-Identifier: Apache-2.0
// `moetwin fit [SCENARIO]`: per-GPU memory of each deployment unit in the scenario, whether it
// fits, and the largest batch per GPU that does. Exit 0 when every unit fits, 1 (after the report) when
// one does not, so scripts can test it.
#include "common/errors.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/scenario_fit.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace moetwin::cli {

// Returns the reasons of the units that do not fit (empty when all fit).
std::vector<std::string> print_fit(std::ostream& out, const Scenario& s) {
    std::vector<std::string> failures;
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
