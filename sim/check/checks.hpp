// SPDX-License-Identifier: Apache-2.0
// The fidelity harness: every published figure the twin can reproduce, grouped. Each group is a
// pure function of the context (and deterministic); `check_groups()` lists them in print order.
#pragma once

#include "sim/check/check_row.hpp"

#include <iosfwd>
#include <span>
#include <string_view>

namespace moetwin::check {

// Groups, one file each under sim/check/:
std::vector<CheckRow> kernel_rows(const CheckContext&);   // check_kernels.cpp: DeepGEMM, FlashMLA (reference §6-7)
std::vector<CheckRow> model_rows(const CheckContext&);    // check_model.cpp: parameters, KV bytes, training FLOPs
std::vector<CheckRow> balancer_rows(const CheckContext&); // check_balancer.cpp: the EPLB README example (§8)
std::vector<CheckRow> network_rows(const CheckContext&);  // check_network.cpp: ISCA decode bound
std::vector<CheckRow> deepep_rows_all_generations(const CheckContext&); // check_network.cpp: DeepEP tables (§5.1)

std::span<const CheckGroup> check_groups();

// Runs the named groups of `groups` (all when `names` is empty); throws ConfigError for an unknown name.
// The CLI adds the groups of libraries above moetwin_sim (the trace group of sim/calibrate).
std::vector<CheckRow> run_checks(const CheckContext& ctx, std::span<const std::string> names,
                                 std::span<const CheckGroup> groups = check_groups());

// group | item | published | twin | unit | error | tolerance | verdict, then the source of each group,
// then "N rows, M outside tolerance, K skipped". Returns the number of rows outside tolerance.
int print_check_table(std::span<const CheckRow> rows, std::ostream& out);

} // namespace moetwin::check
