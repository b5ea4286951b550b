// SPDX-License-Identifier: Apache-2.0
// moetwin: the command line. Each subcommand lives in sim/cli/cmd_<name>.cpp; start reading at
// cmd_run.cpp, which reads like the data flow (scenario -> fit -> simulate -> result files).
// Exit codes: 0 ok, 1 user or input error, 2 internal error.
#include "common/errors.hpp"
#include "common/spelling.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace {

// A first argument that is no subcommand and no option: name the closest subcommand (issue 13 item 9).
bool unknown_subcommand(const CLI::App& app, int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') return false;
    const std::string word = argv[1];
    std::vector<std::string_view> names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        if (sub->get_name() == word) return false;
        names.push_back(sub->get_name());
    }
    const std::string best = moetwin::closest_spelling(word, names); // within 2 edits
    std::cerr << "moetwin: unknown command '" << word << "'"
              << (best.empty() ? std::string() : "; did you mean '" + best + "'?") << " (moetwin --help lists them)\n";
    return true;
}

} // namespace

int main(int argc, char** argv) {
    using namespace moetwin;
    cli::set_verbosity(0);
    CLI::App app{"moetwin: a digital twin of large Mixture-of-Experts inference clusters"};
    app.set_version_flag("--version", std::string("moetwin ") + cli::version());
    app.require_subcommand(1);
    app.add_flag_function(
        "-v,--verbose", [](int64_t count) { cli::set_verbosity(int(count)); },
        "Log more: -v info, -vv debug (default: warnings only)");
    cli::add_run_command(app);
    cli::add_validate_command(app);
    cli::add_fit_command(app);
    cli::add_models_command(app);
    cli::add_balance_command(app);
    cli::add_topo_command(app);
    cli::add_bench_command(app);
    cli::add_bench_step_command(app); // adds `bench step` and `bench roofline` to `bench`
    cli::add_check_command(app);
    cli::add_calibrate_command(app);
    cli::add_sweep_command(app);
    cli::add_stepmodel_command(app);
    cli::add_serve_command(app);
    if (unknown_subcommand(app, argc, argv)) return 1;
    try {
        app.parse(argc, argv);
        return 0;
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 1;
    } catch (const ConfigError& e) {
        std::cerr << "moetwin: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "moetwin: internal error: " << e.what() << '\n';
        return 2;
    }
}
