// SPDX-License-Identifier: Apache-2.0
// Every scenario key whose value is a name, with the valid names and their one-line descriptions, read from
// the tables and catalogues that own them (common/name_table.hpp). Printed by `moetwin validate --list`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace moetwin {

struct NamedChoice {
    std::string name;
    std::string description;
};

struct NamedKey {
    std::string key; // JSON path, e.g. "cluster.fabric"
    std::vector<NamedChoice> choices;
};

// Contract: pure; one entry per named scenario key, in scenarios/README.md's order, each choice in its table's
// order. Every name parses back through the scenario parser (tests/sim/test_name_tables.cpp).
std::vector<NamedKey> scenario_named_keys();

// "cluster.fabric\n  single_node  one node: NVSwitch only, ...\n..." for every key.
void print_scenario_names(std::ostream& out);

} // namespace moetwin
