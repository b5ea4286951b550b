// SPDX-License-Identifier: Apache-2.0
// Shared fixtures of the training-op tests: op lookup and the traced run's shape (one 4096-token sequence
// per GPU, 4 local experts receiving 8192 rows each: DeepSeek's EP64 H800 trace).
#pragma once

#include "engine/op_spec.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace moetwin::test {

inline const OpSpec& find(const std::vector<OpSpec>& ops, const std::string& name) {
    for (const OpSpec& o : ops)
        if (o.name == name) return o;
    throw std::runtime_error("no op " + name);
}

inline OpShape train_shape() {
    OpShape s;
    s.phase                    = Phase::Prefill;
    s.num_tokens               = 4096;
    s.num_requests             = 1;
    s.kv_len                   = 4096;
    s.query_tokens_per_request = 4096;
    s.num_local_experts        = 4;
    s.tokens_per_expert        = 8192;
    return s;
}

} // namespace moetwin::test
