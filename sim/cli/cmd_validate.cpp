// SPDX-License-Identifier: Apache-2.0
// `moetwin validate SCENARIO`: parse and check a scenario, print it whole; exit 1 with the
// file, JSON path and expectation on the first problem. It makes every check `moetwin run` makes
// before simulating (sim/preflight.hpp), the size guard included.
#include "common/json_reader.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/preflight.hpp"
#include "sim/scenario_fit.hpp"
#include "sim/scenario_names.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace moetwin::cli {

void add_validate_command(CLI::App& app) {
    auto path   = std::make_shared<std::string>();
    auto list   = std::make_shared<bool>(false);
    auto limits = std::make_shared<SizeLimits>();
    auto* cmd   = app.add_subcommand("validate", "Check a scenario file and print every setting it resolves to");
    auto* file  = cmd->add_option("scenario", *path, "Scenario JSON file (see scenarios/README.md)");
    cmd->add_flag("--list", *list, "Print every named scenario key with its valid names (exact, lowercase), and exit");
    add_size_limit_options(*cmd, *limits);
    cmd->callback([path, list, file, limits] {
        if (*list) {
            print_scenario_names(std::cout);
            return;
        }
        if (file->count() == 0) throw ConfigError("validate: a scenario file is required (or --list)");
        const Scenario s = load_scenario(*path);
        std::cout << s;
        check_runnable(s, *limits); // what `moetwin run` checks before simulating (sim/preflight.hpp)
        if (s.serving && !s.serving->traffic_json.empty()) { // what `moetwin serve` reads before replaying
            const nlohmann::json j = parse_json_text(s.serving->traffic_json, s.source.string());
            (void)serving::traffic::parse_traffic(JsonObject(j, "serving.traffic", s.source.string()),
                                                  s.serving->base_dir);
        }
        std::cout << "  run size (" << to_string(s.workload.phase) << " unit): " << estimate_run(s).describe() << '\n';
        // The memory fit of each unit, one line each (`moetwin fit` prints the breakdown).
        for (Phase phase : {Phase::Prefill, Phase::Decode}) {
            const auto& unit = phase == Phase::Decode ? s.deployment.decode : s.deployment.prefill;
            if (!unit) continue;
            const FitReport r = fit_unit(s, phase);
            std::cout << "  memory fit, " << to_string(phase) << " unit: " << r.reason << '\n';
        }
        std::cout << "ok: " << *path << " is a valid scenario\n";
    });
}

} // namespace moetwin::cli
