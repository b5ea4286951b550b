// SPDX-License-Identifier: Apache-2.0
// StepProgram: the order in which one GPU runs a step, as data: compute stages, "comm may start"
// signals and waits, for the sequential schedule and DeepSeek's two overlap pipelines (reference §4).
// Every GPU runs the same program; the executor (step_executor.hpp) gives it times and SimGrid.
#pragma once

#include "sim/published/comm_enums.hpp" // CommDirection

#include <cstdint>
#include <iosfwd>
#include <string_view>
#include <vector>

namespace moetwin::step {

using moetwin::CommDirection;

enum class Stage : uint8_t {
    Embed,  // embedding lookup (layer -1; an MTP pass's at its layer)
    Dense,  // a dense layer: attention + dense FFN
    Attn,   // MoE layer attention + routing gate (prefill, sequential)
    Attn0,  // decode: MLA projections before core attention
    Attn1,  // decode: core attention + output projection + routing gate
    Mlp,    // routed experts on the tokens this GPU received
    Shared, // shared expert
    Head,   // final norm + lm_head + sampling (layer -1; an MTP pass's draft head at its layer)
    // Training (backward chunk of a DualPipe chunk pair; its forward chunk uses Attn and Mlp):
    AttnB, // attention input gradients, with the recomputed norms and MLA up-projections
    AttnW, // attention weight gradients
    MlpB,  // routed and shared experts' input gradients
    MlpW,  // routed and shared experts' weight gradients
};
inline constexpr int kNumStages = 12;
// "embed", "dense", "attn", "attn0", "attn1", "mlp", "shared", "head", "attn_b", "attn_w", "mlp_b", "mlp_w"
std::string_view to_string(Stage s);

struct Instr {
    enum Kind : uint8_t { Compute, Signal, Wait } kind = Compute;
    Stage stage                                        = Stage::Attn;             // Compute
    CommDirection dir                                  = CommDirection::Dispatch; // Signal / Wait
    int layer                           = -1; // model layer (-1: embedding/head); MoE comm: model layer too
    int micro_batch                     = 0;
    bool operator==(const Instr&) const = default;
};

enum class ProgramKind : uint8_t {
    Sequential,     // per layer and micro-batch: attn, dispatch, mlp, combine, shared; no overlap
    PrefillOverlap, // two micro-batches, reference §4 prefill order; comm lane serial
    DecodeOverlap,  // two micro-batches, reference §4 decode 5-stage order; comm issued in line
    // Training: one DualPipe forward chunk (micro-batch 0) overlapped with one backward chunk
    // (micro-batch 1) over the MoE layers, in reference §4's training order; comm lane serial (the 20
    // SMs of DeepEP's normal kernels). Dispatch of micro-batch 1 is combine(B) (gradients to the
    // experts, FP8 as the forward dispatch), its combine is dispatch(B) (gradients back, BF16).
    TrainingChunkPair,
};

struct StepProgram {
    ProgramKind kind = ProgramKind::Sequential;
    std::vector<Instr> instrs;
    // Signals in program order are the comm lane's order. PrefillOverlap and Sequential run that
    // lane serially (one communication kernel at a time, as on the 24 comm SMs); DecodeOverlap
    // starts each phase at its signal (low-latency kernels post RDMA and free the SMs).
    bool serial_comm_lane() const { return kind != ProgramKind::DecodeOverlap; }
};

// Contract: pure. Layers 0..num_dense-1 are dense, the next num_moe are MoE; the last num_mtp of those
// (num_mtp <= num_moe) are the MTP module's passes in decode: each runs after the main model's head
// (it needs the token just sampled) as Embed (the next tokens' embedding), one MoE layer (its Attn0 /
// Attn holds the MTP projections) and Head (the draft's norm, shared lm_head and sampling), all at
// the pass's layer index. Overlap programs need exactly 2 micro-batches (ConfigError otherwise). Each MoE (layer,
// micro-batch, dir) is signalled once and waited once, the wait after the signal; compute of a micro-batch in layer L+1
// comes after the wait for its combine in layer L; the MLP after the wait for its dispatch.
StepProgram build_program(ProgramKind kind, int num_dense, int num_moe, int micro_batches, int num_mtp = 0);

std::ostream& operator<<(std::ostream& out, const Instr& i); // "attn1(L4,mb1)", "signal dispatch(L4,mb0)"

} // namespace moetwin::step
