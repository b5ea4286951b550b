// SPDX-License-Identifier: Apache-2.0
// `moetwin check`: rerun every published figure the twin can reproduce and print published, twin and
// error with the source; exit 1 when a row leaves its tolerance (sim/check/).
#include "sim/calibrate/window_check.hpp"
#include "sim/check/checks.hpp"
#include "sim/cli/commands.hpp"

#include "common/errors.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace moetwin::cli {

void add_check_command(CLI::App& app) {
    struct Args {
        std::vector<std::string> groups;
        std::string shared_dir;
        bool list = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("check", "Fidelity harness: every published figure the twin reproduces "
                                            "(published, twin, error, tolerance, source); exit 1 when one is outside");
    cmd->add_option("--group,-g", args->groups, "Run only these groups (repeatable; see --list)");
    cmd->add_option("--shared", args->shared_dir,
                    "The ../shared folder with the real data (default: ../shared beside the working directory); "
                    "rows that need it are skipped without it");
    cmd->add_flag("--list", args->list, "List the groups and exit");
    cmd->callback([args] {
        std::vector<check::CheckGroup> groups(check::check_groups().begin(), check::check_groups().end());
        groups.push_back(calib::trace_check_group());
        if (args->list) {
            for (const check::CheckGroup& g : groups)
                std::cout << g.name << "  " << g.summary << '\n';
            return;
        }
        check::CheckContext ctx;
        ctx.shared_dir =
            args->shared_dir.empty() ? std::filesystem::path("../shared") : std::filesystem::path(args->shared_dir);
        const auto rows = check::run_checks(ctx, args->groups, groups);
        if (check::print_check_table(rows, std::cout) > 0)
            throw ConfigError("moetwin check: published figures outside their tolerance (rows marked OUTSIDE)");
    });
}

} // namespace moetwin::cli
