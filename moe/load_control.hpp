// SPDX-License-Identifier: Apache-2.0
// LoadController: feedback on a token sampler's per-expert weights so that the selections it has
// made so far track target shares (a recorded load row), used by both samplers of recorded loads
// (the step's router, sim/step/popularity_fit.hpp, and `moetwin balance`'s token_sampler.hpp).
//
// What it does physically. A recording holds each expert's long-run mean load. A real batch of
// N tokens drawn from the gate fluctuates around it: multinomial noise of K x N selections over
// 256 experts is about 1.1 % total variation at DeepSeek-V3's EP144 decode step (36,864 tokens,
// K = 8), and a coarse fit of the sampler's law adds its own bias. Issue 12 asks that a step's
// loads come out as recorded (TV <= 1 % per layer), so the controller removes that per-batch
// fluctuation: every token is still an exact draw of the gate (group limit, node limit, no
// repeats) with the weights in force, but between batches of tokens the weights are moved against
// the running count error, so that the batch's totals are held to the recording's mean instead of
// wandering around it. It is meant for file popularity only (a synthetic popularity has no
// recorded totals to hold, and its sampling noise is part of the model).
//
// The rule, after each batch (n_e realised selections of e so far, x_e their expected count
// share_e x K x tokens, s_e = max(1, share_e x K x tokens of the last batch)):
//   err_e  = (n_e - x_e) / s_e                      count error in units of one batch's expectation
//   acc_e += err_e                                   its running sum (integral term)
//   w_e    = base_e x exp(-clamp(gain x err_e + integral_gain x acc_e, +-kMaxLogStep))
// gain = 1 would cancel the error in one batch if an expert's expected count moved in proportion to
// its weight; under top-k without replacement it moves less (a hot expert already in most tokens
// cannot gain many more), so the proportional term alone leaves a bias of the base law at about
// (rate bias x batch) / gain; the integral term removes it over a few batches.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <span>
#include <vector>

namespace moetwin {

struct LoadControlSpec {
    double gain          = 0.8; // proportional gain on the count error (units of one batch)
    double integral_gain = 0.2; // gain on its running sum
    void validate() const;
};

std::ostream& operator<<(std::ostream& os, const LoadControlSpec& s);

class LoadController {
  public:
    // Contract: target [E] >= 0 with a positive sum (normalised here); base [E] > 0 (the sampler's
    // fitted weights); selections_per_token >= 1 (routed experts a token takes, K). Throws
    // ConfigError otherwise.
    LoadController(std::span<const double> target, std::span<const double> base, int selections_per_token,
                   const LoadControlSpec& spec = {});

    // Realised selections: expert e was selected `count` times (a bundle of tokens counts each).
    void add_selection(int e, int64_t count) { n_[std::size_t(e)] += count; }
    // `count` more tokens were drawn (a bundle counts each of its tokens).
    void add_tokens(int64_t count) { tokens_ += count, batch_tokens_ += count; }
    // Ends a batch: the sampler's weights for the next batch into w [E] (> 0).
    void update(std::span<double> w);
    // Tokens were added since the last update.
    bool pending() const { return batch_tokens_ > 0; }

    const std::vector<double>& base() const { return base_; }
    // TV between the selections so far and the target (0 before any).
    double total_variation() const;
    int batches() const { return batches_; }

  private:
    std::vector<double> share_, base_, acc_;
    std::vector<int64_t> n_;
    int k_                = 1;
    int64_t tokens_       = 0;
    int64_t batch_tokens_ = 0;
    int batches_          = 0;
    LoadControlSpec spec_;
};

// Sampled tokens between two updates for a sampler drawing `tokens` tokens in all: at least
// kMinControlBatch, and about kControlBatches batches per draw call. Fewer tokens per batch hold
// the totals closer (the residual error is about one batch's noise) but each update rebuilds the
// sampler's tables.
int64_t control_batch_tokens(int64_t tokens);

} // namespace moetwin
