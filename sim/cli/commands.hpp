// SPDX-License-Identifier: Apache-2.0
// The moetwin CLI's subcommands, one file each (sim/cli/cmd_<name>.cpp). Each add_*_command
// registers its subcommand on `app`; its callback throws ConfigError for user errors (exit 1).
#pragma once

namespace CLI {
class App;
}

namespace moetwin::cli {

void add_run_command(CLI::App& app);                 // cmd_run.cpp
void add_validate_command(CLI::App& app);            // cmd_validate.cpp
void add_fit_command(CLI::App& app);                 // cmd_fit.cpp
void add_models_command(CLI::App& app);              // cmd_models.cpp
void add_balance_command(CLI::App& app);             // cmd_balance.cpp   (load balancers)
void add_balance_dispatch_command(CLI::App& parent); // cmd_balance_dispatch.cpp (`balance dispatch`)
void add_balance_cross_commands(CLI::App& parent);   // cmd_balance_cross.cpp (`balance cross`, `balance mix`)
void add_balance_step_command(CLI::App& parent);     // cmd_balance_step.cpp (`balance step`)
void add_topo_command(CLI::App& app);                // cmd_topo.cpp      (topologies)
void add_bench_command(CLI::App& app);               // cmd_bench.cpp     (benchmarks: comm, ...)
void add_bench_step_command(CLI::App& app); // cmd_bench_step.cpp (bench step, bench roofline; after add_bench_command)
void add_check_command(CLI::App& app);      // cmd_check.cpp     (fidelity harness: published figures)
void add_calibrate_command(CLI::App& app);  // cmd_calibrate.cpp (profiler trace -> profiles, calibration)
void add_sweep_command(CLI::App& app);      // cmd_sweep.cpp     (deployment search: sim/sweep/)
void add_stepmodel_command(CLI::App& app);  // cmd_stepmodel.cpp (serving step-time model: sim/serving/step_model/)
void add_serve_command(CLI::App& app);      // cmd_serve.cpp (serve, bench serve: sim/serving/; after add_bench_command)

} // namespace moetwin::cli
