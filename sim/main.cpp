// SPDX-License-Identifier: Apache-2.0
// moetwin: the command line. Each subcommand lives in sim/cli/cmd_<name>.cpp; start reading at
// cmd_run.cpp, which reads like the data flow (scenario -> fit -> simulate -> result files).
// Exit codes: 0 ok, 1 user or input error, 2 internal error.
#include "common/errors.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
    using namespace moetwin;
    cli::set_verbosity(0);
    CLI::App app{"moetwin: a digital twin of large Mixture-of-Experts inference clusters"};
    app.set_version_flag("--version", std::string("moetwin ") + cli::version());
    app.require_subcommand(1);
    app.add_flag_function("-v,--verbose", [](int64_t count) { cli::set_verbosity(int(count)); },
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
