// SPDX-License-Identifier: Apache-2.0
// ComputeModel: how long one op takes on one GPU at one shape. The simulator asks it for every
// compute activity; implementations are the calibrated roofline (engine/roofline.hpp) and the
// measured profile database (engine/profile.hpp), which falls back to the roofline.
#pragma once

#include "engine/op_spec.hpp"

#include <string>
#include <string_view>

namespace moetwin {

struct OpTime {
    double seconds = 0;
    bool measured  = false; // true: from a profile record (interpolated or exact); false: roofline
};

// Contract: op_time() is a pure function of (op, shape, num_sms): the same arguments give the same
// time, with no side effects beyond counting fallbacks. `num_sms` is the SMs the op may use (132 on
// H800; 108 in prefill while communication kernels hold 24). Never called for Communication ops:
// the network model times those. Throws ConfigError only for a shape the op cannot have.
class ComputeModel {
  public:
    virtual ~ComputeModel()                                                           = default;
    virtual OpTime op_time(const OpSpec& op, const OpShape& shape, int num_sms) const = 0;
    // "roofline (h800)", "profile engine/profiles/h100/deepseek_v3.json (H100 SXM5)".
    virtual std::string describe() const = 0;
};

} // namespace moetwin
