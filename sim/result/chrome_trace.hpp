// SPDX-License-Identifier: Apache-2.0
// RunResult -> Chrome/Perfetto Trace Event JSON, to view a simulated step in ui.perfetto.dev or chrome://tracing,
// side by side with real traces (deepseek-ai/profile-data).
#pragma once

#include "sim/result/result.hpp"

#include <filesystem>
#include <iosfwd>
#include <string>

namespace moetwin {

// Layout of the trace (deterministic: same RunResult, same bytes):
//   {"displayTimeUnit": "ns", "otherData": {scenario, model, phase, moetwin_version, step_time_ns},
//    "traceEvents": [metadata..., spans...]}
// - one process per node: pid = node, "process_name" = "node N", "process_sort_index" = N;
// - one thread per GPU lane: tid = local_rank * 3 + lane (compute 0, dispatch 1, combine 2),
//   "thread_name" = "gpuG compute" | "gpuG dispatch" | "gpuG combine" (G = global GPU id), "thread_sort_index" = tid;
// - one "X" (complete) event per span, in span order: name = op name, cat = lane name,
//   ts/dur in microseconds with exactly the nanosecond digits (1234 ns -> 1.234), args {layer, micro_batch};
// - then r.comm's flow arrows (comm_timeline.hpp), one "s"/"f" pair per arrow sharing an "id" (0, 1, ... in
//   flow order): "s" on the sender's dispatch|combine thread inside its transfer span of that (layer,
//   micro_batch), "f" ("bp":"e") inside the receiver's, name = lane, cat "flow", args {tokens, to_gpu} on "s";
// - then r.comm's counters: "C" events, pid = node, name = group, args {"GB/s (capacity C)": rate in GB/s}.
// Validates `r` (and r.comm) first; throws ConfigError naming `path`.
void write_chrome_trace(const RunResult& r, const std::filesystem::path& path);
void write_chrome_trace(const RunResult& r, std::ostream& out);

// "1.234" for 1234 ns, "0.005" for 5 ns, "2" for 2000 ns: exact decimal microseconds.
std::string format_us(int64_t ns);

} // namespace moetwin
