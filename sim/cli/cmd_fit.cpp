// SPDX-License-Identifier: Apache-2.0
// `moetwin fit [SCENARIO]`: per-GPU memory of each deployment unit in the scenario, whether it
// fits, and the largest batch per GPU that does. Exit 0 either way: not fitting is an answer.
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/scenario_fit.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace moetwin::cli {

void print_fit(std::ostream& out, const Scenario& s) {
    for (Phase phase : {Phase::Prefill, Phase::Decode}) {
        const auto& unit = phase == Phase::Decode ? s.deployment.decode : s.deployment.prefill;
        if (!unit) continue;
        out << "\n== memory fit: " << to_string(phase) << " unit (" << unit->num_nodes << " nodes, EP"
            << unit->ep_size << ") ==\n";
        print_fit_report(out, fit_memory(fit_input_for(s, phase)));
    }
}

void add_fit_command(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("fit", "Per-GPU memory of the scenario's deployment units: weights by precision, "
                                          "KV cache capacity, buffers, activations; fits or not, and the largest batch");
    cmd->add_option("scenario", *path, "Scenario JSON file (default: the embedded production decode scenario)");
    cmd->callback([path] {
        const Scenario s = load_scenario_arg(*path);
        std::cout << "scenario " << s.name << " (" << s.source.string() << ")\n";
        print_fit(std::cout, s);
    });
}

} // namespace moetwin::cli
