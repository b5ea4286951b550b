// SPDX-License-Identifier: Apache-2.0
// A synthetic day of traffic (SyntheticSpec): arrivals from the hourly rate profile with Gamma gaps of the
// given CV (arrivals.hpp), each arrival assigned to a tenant by weight, lengths from the tenant's
// distributions, and prefix blocks that model shared system prompts and multi-turn sessions:
//
// - A new session's input is system_prompt_tokens + a draw of `input`. Its first floor(S / B) blocks
//   (S = system_prompt_tokens, B = block_tokens) are the tenant's shared hashes, the same for every
//   request of the tenant; the other blocks are fresh (never seen before).
// - After a turn of input I and output O, the session continues with continue_probability; the next turn
//   becomes ready think_time_s later (exponential with that mean). An arrival of the tenant takes the
//   ready session that became ready first, if any, else starts a new session; so the arrival process (rate
//   and CV) is exactly the profile's, and a session's turns are spaced by at least their think time.
// - A later turn's input is C + a draw of `input`, C = I + O of the previous turn. Every full block j of a
//   session's input is the session's block j (a hash of the session and j), so its first floor(I / B)
//   blocks equal the previous turn's full input blocks; blocks floor(I / B) .. floor(C / B) - 1 (the end of
//   the previous input and its output) are new to this turn and shared with the next. A last partial block
//   is a one-off hash (its tokens differ from the same block's once it is full).
// - A turn that would exceed max_context_tokens ends its session; the arrival starts a new one. Sessions
//   beyond max_open_sessions are not opened (that turn is the last). Request::session is the session's id
//   for every turn of a session with more than one turn, -1 for single-turn requests.
//
// State is bounded: the open sessions (three numbers each, at most max_open_sessions), never the requests.
#pragma once

#include "sim/serving/request_source.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

#include <cstdint>
#include <memory>

namespace moetwin::serving::traffic {

// Empirical length files are read here. Deterministic in (spec, block_tokens, seed).
std::unique_ptr<RequestSource> open_synthetic(const SyntheticSpec& spec, int64_t block_tokens, uint64_t seed);

// The absolute hourly rates of a profile: req_per_s as given; relative values scaled so their mean is
// mean_req_per_s.
std::vector<double> absolute_rates(const HourlyProfile& p);

} // namespace moetwin::serving::traffic
