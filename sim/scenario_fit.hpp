// SPDX-License-Identifier: Apache-2.0
// From a scenario's deployment unit to the memory-fit question (engine/memory_fit.hpp).
#pragma once

#include "engine/memory_fit.hpp"
#include "sim/scenario.hpp"

namespace moetwin {

// The FitInput of one unit of `s` (prefill or decode; it must exist): its GPUs, parallelism,
// expert slots, precisions and the workload's batch and context (the context horizon is the
// workload's maximum context, so a uniform 1K-8K workload is fitted at 8K).
FitInput fit_input_for(const Scenario& s, Phase phase);

// fit_memory(fit_input_for(s, phase)), with its input errors naming the scenario file and the unit:
// "<file>: deployment.decode (memory fit): shared_experts_per_gpu: 1 must be in [0, 0]".
FitReport fit_unit(const Scenario& s, Phase phase);

} // namespace moetwin
