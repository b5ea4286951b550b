// SPDX-License-Identifier: Apache-2.0
// Test doubles for the serving replay: a vector-backed request source and an affine step-time model. The
// affine model is a test model only: the product's step times come from the grid model of the step simulator.
#pragma once

#include "sim/serving/replay.hpp"

#include <vector>

namespace moetwin::serving::test {

struct OwnedRequest {
    Request r;
    std::vector<uint64_t> blocks;
};

class VectorSource : public RequestSource {
  public:
    explicit VectorSource(std::vector<OwnedRequest> v, int64_t block_tokens = kDefaultBlockTokens)
        : v_(std::move(v)), block_tokens_(block_tokens) {}
    bool next(Request& r) override {
        if (i_ >= v_.size()) return false;
        r               = v_[i_].r;
        r.id            = int64_t(i_);
        r.prefix_blocks = v_[i_].blocks;
        ++i_;
        return true;
    }
    int64_t block_tokens() const override { return block_tokens_; }

  private:
    std::vector<OwnedRequest> v_;
    std::size_t i_ = 0;
    int64_t block_tokens_;
};

// TEST MODEL: seconds = base_s + per_batch_s × batch_per_rank + per_context_s × context_tokens.
class AffineTestStepModel : public StepTimeModel {
  public:
    AffineTestStepModel(double base_s, double per_batch_s, double per_context_s)
        : base_s_(base_s), per_batch_s_(per_batch_s), per_context_s_(per_context_s) {}
    double step_s(const StepShape& s) const override {
        return base_s_ + per_batch_s_ * s.batch_per_rank + per_context_s_ * s.context_tokens;
    }

  private:
    double base_s_, per_batch_s_, per_context_s_;
};

class CollectSink : public RecordSink {
  public:
    void on_complete(const RequestRecord& r) override { records.push_back(r); }
    std::vector<RequestRecord> records;
};

inline OwnedRequest req(double at_s, int64_t in, int64_t out, std::vector<uint64_t> blocks = {}) {
    OwnedRequest o;
    o.r.arrival_s     = at_s;
    o.r.input_tokens  = in;
    o.r.output_tokens = out;
    o.blocks          = std::move(blocks);
    return o;
}

// One prefill unit and one decode unit of one DP rank each, no MTP, no prefix cache, 1 h.
inline ReplayInputs tiny_inputs(const StepTimeModel& prefill, const StepTimeModel& decode) {
    ReplayInputs in;
    ServingConfig& c          = in.config;
    c.duration_s              = 3600;
    c.prefill.schedule        = {{0, 1}};
    c.decode.schedule         = {{0, 1}};
    c.prefill_tokens_per_rank = 150;
    c.max_batch_per_rank      = 4;
    c.slo                     = {1.0, 0.1};
    in.prefill.nodes = in.decode.nodes = 1;
    in.prefill.gpus = in.decode.gpus = 1;
    in.prefill.dp_ranks = in.decode.dp_ranks = 1;
    in.prefill.nic_Bps                       = 1e6;
    in.decode.kv_capacity_tokens_per_rank    = 1000;
    in.prefill.step                          = &prefill;
    in.decode.step                           = &decode;
    in.kv_bytes_per_token                    = 1000;
    return in;
}

} // namespace moetwin::serving::test
