// SPDX-License-Identifier: Apache-2.0
// `moetwin models`: the model catalogue with total and activated parameters and KV bytes per token.
#include "sim/cli/commands.hpp"

#include "engine/memory_fit.hpp"
#include "engine/model_spec.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace moetwin::cli {

void add_models_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("models", "List the model catalogue: parameters (total, activated) and KV bytes "
                                             "per token, computed from each model's op list");
    cmd->callback([] { print_model_table(std::cout, model_catalogue()); });
}

} // namespace moetwin::cli
