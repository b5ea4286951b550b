// SPDX-License-Identifier: Apache-2.0
// LoadController: integral feedback of a sampler's weights on its running per-expert counts.
#include "moe/load_control.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <ostream>
#include <string>

namespace moetwin {
namespace {

// Largest factor the controller moves a weight from its base by (e^2 = 7.4): an expert that ran
// ahead by many batches' worth of selections (a rare one picked early) is slowed, not silenced,
// and the weights stay within the range where the sampler's tables are well conditioned.
constexpr double kMaxLogStep = 2.0;
// Batches per draw call and the smallest batch (control_batch_tokens). With 4 per micro-batch, a
// two-micro-batch layer is held 8 times: the residual TV is about one batch's noise over the
// layer's selections, 1 / sqrt(8) of uncontrolled sampling. Measured on every recorded file at the
// EP144 decode / EP32 prefill token counts (tests/sim/test_popularity_fit.cpp): 0.43 / 0.32 % TV
// mean per layer (8 per micro-batch: 0.30 / 0.21 %, for 0.12 s more planning on the decode step:
// each update rebuilds the layer's gate tables).
constexpr int64_t kControlBatches  = 4;
constexpr int64_t kMinControlBatch = 256;

} // namespace

void LoadControlSpec::validate() const {
    if (!(gain > 0 && gain <= 2))
        throw ConfigError("load control: gain must be in (0, 2], got " + std::to_string(gain));
    if (!(integral_gain >= 0 && integral_gain <= 1))
        throw ConfigError("load control: integral_gain must be in [0, 1], got " + std::to_string(integral_gain));
}

std::ostream& operator<<(std::ostream& os, const LoadControlSpec& s) {
    return os << "LoadControlSpec{gain=" << s.gain << ", integral_gain=" << s.integral_gain << "}";
}

LoadController::LoadController(std::span<const double> target, std::span<const double> base, int selections_per_token,
                               const LoadControlSpec& spec)
    : share_(target.begin(), target.end()), base_(base.begin(), base.end()), acc_(target.size(), 0.0),
      n_(target.size(), 0), k_(selections_per_token), spec_(spec) {
    spec.validate();
    if (target.empty() || target.size() != base.size())
        throw ConfigError("load control: target and base weights must have the same non-zero size");
    if (selections_per_token < 1) throw ConfigError("load control: selections_per_token must be >= 1");
    double sum = 0;
    for (double& x : share_)
        sum += (x = std::max(x, 0.0));
    if (!(sum > 0)) throw ConfigError("load control: the target has no load");
    for (double& x : share_)
        x /= sum;
    for (double b : base_)
        if (!(b > 0)) throw ConfigError("load control: base weights must be > 0");
}

void LoadController::update(std::span<double> w) {
    MOETWIN_ASSERT(w.size() == base_.size(), "LoadController::update: size");
    const double per_token = double(k_) * double(tokens_), per_batch = double(k_) * double(batch_tokens_);
    for (std::size_t e = 0; e < share_.size(); ++e) {
        const double scale = std::max(1.0, share_[e] * per_batch);
        const double err   = (double(n_[e]) - share_[e] * per_token) / scale;
        acc_[e] += err;
        const double step = std::clamp(spec_.gain * err + spec_.integral_gain * acc_[e], -kMaxLogStep, kMaxLogStep);
        w[e]              = base_[e] * std::exp(-step);
    }
    batch_tokens_ = 0;
    ++batches_;
}

double LoadController::total_variation() const {
    const double total = double(std::accumulate(n_.begin(), n_.end(), int64_t(0)));
    if (!(total > 0)) return 0;
    double tv = 0;
    for (std::size_t e = 0; e < n_.size(); ++e)
        tv += std::abs(double(n_[e]) / total - share_[e]);
    return tv / 2;
}

int64_t control_batch_tokens(int64_t tokens) {
    return std::max(kMinControlBatch, (tokens + kControlBatches - 1) / kControlBatches);
}

} // namespace moetwin
