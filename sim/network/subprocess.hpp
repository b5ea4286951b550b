// SPDX-License-Identifier: Apache-2.0
// run_in_child(): runs a function in a fork()ed child and returns the string it produced. The
// tested fix for SimGrid's one-engine-per-process rule (toolchain.md pitfall 2): the parent never
// creates an Engine; each child creates one, answers through a pipe and exits.
#pragma once

#include <functional>
#include <string>

namespace moetwin {

// Exceptions in the child come back as ConfigError (for ConfigError) or std::runtime_error.
std::string run_in_child(const std::function<std::string()>& fn);

} // namespace moetwin
