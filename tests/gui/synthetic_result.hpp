// SPDX-License-Identifier: Apache-2.0
// SYNTHETIC results for the GUI tests and the README pictures ONLY: a plausible DeepSeek-V3-like decode step
// (Zipf-skewed expert loads, an EPLB-like greedy placement fitted on noisy loads, a two-micro-batch schedule
// with all-to-all barriers) made without any simulator. Nothing here is a measurement or a simulation; every
// result says so in meta.notes and meta.scenario starts with "synthetic_".
#pragma once

#include "sim/result/result.hpp"

#include <cstdint>
#include <string>

namespace moetwin::test {

struct SyntheticSpec {
    std::string name      = "synthetic_ep320_decode"; // meta.scenario
    int num_nodes         = 40;
    int gpus_per_node     = 8;
    int num_dense_layers  = 3;
    int num_moe_layers    = 58; // 3 + 58 = 61 layers, as DeepSeek-V3
    int micro_batches     = 2;
    int num_experts       = 256;
    int top_k             = 8;
    int redundant_experts = 64; // (num_experts + redundant_experts) must be a multiple of the GPU count
    int requests_per_gpu  = 128;
    double zipf_s         = 0.35; // expert popularity skew (hottest expert ~4x the mean at 256 experts)
    uint64_t seed         = 1;
    bool timing           = true; // false: a loads-only result (no spans), like today's CLI output
};

// EP320 x 61 layers x 2 micro-batches (the scale check): about 265k spans.
SyntheticSpec synthetic_ep320();
// 4 nodes x 8 GPUs, 61 layers, 256 experts + 32 redundant (9 slots per GPU): the A/B demo pair with 0 redundant.
SyntheticSpec synthetic_ep32();
// 2 nodes x 8 GPUs, 1 dense + 7 MoE layers, 64 experts + 16 redundant: small and quick for screenshot tests.
SyntheticSpec synthetic_small();

RunResult make_synthetic_result(const SyntheticSpec& spec); // valid: passes moetwin::validate()

} // namespace moetwin::test
