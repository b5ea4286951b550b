// SPDX-License-Identifier: Apache-2.0
// What one step of a deployment unit costs, as a function of its shape: the serving replay's bridge to
// the event-level step simulator. The replay asks for ~10^7 steps a day, so it does not run the step
// simulator per step; it asks a StepTimeModel, which the grid model (sim/serving/step_time_grid.hpp)
// builds by running the step simulator over a grid of shapes of the unit, caches on disk, and
// interpolates (`--exact` runs the step simulator per step instead, for small replays).
#pragma once

#include <cstdint>

namespace moetwin::serving {

// The shape of one step of a unit (every DP rank steps together: expert parallelism is synchronous).
struct StepShape {
    // Decode: requests in the busiest DP rank's batch (the step waits for it). Prefill: input tokens in
    // the busiest DP rank's micro-batches (prefix-cache hits excluded: they are not recomputed).
    double batch_per_rank = 0;
    // Decode: mean KV length of the step's requests, in tokens. Prefill: mean tokens each new token
    // attends to (cached prefix + the new tokens before it).
    double context_tokens = 0;
    // Prefill: the cached keys of the step's requests (their prefix-cache hits and the tokens computed in
    // earlier steps), summed over the requests, per new token; 0 when no request has any. They are not
    // recomputed, but every new token attends to them and MLA prefill expands their latents (kv_b_proj).
    // Decode: 0 (the context holds everything).
    double cached_per_token = 0;
};

class StepTimeModel {
  public:
    virtual ~StepTimeModel() = default;
    // Contract: seconds of one step at `shape` (batch_per_rank >= 1, context_tokens >= 1, cached_per_token >= 0,
    // context_tokens >= cached_per_token + 1: at least one new token per request); deterministic;
    // cheap (the replay calls it once per step of every unit). Shapes beyond the model's range are
    // extrapolated as the model documents, never silently clamped.
    virtual double step_s(const StepShape& shape) const = 0;
};

} // namespace moetwin::serving
