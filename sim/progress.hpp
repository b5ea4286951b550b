// SPDX-License-Identifier: Apache-2.0
// ProgressFn: how long-running simulator calls report progress (fraction of the work in [0, 1] and
// what is being done). Called a few dozen times per run, never in per-token or per-flow loops.
// `moetwin run` prints each report to stderr as "progress <fraction> <what>" (the GUI's what-if
// panel parses the fraction).
#pragma once

#include <functional>
#include <string_view>

namespace moetwin {

using ProgressFn = std::function<void(double fraction, std::string_view what)>;

} // namespace moetwin
