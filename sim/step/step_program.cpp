// SPDX-License-Identifier: Apache-2.0
// build_program(): the three schedules as instruction lists.
#include "sim/step/step_program.hpp"

#include "common/errors.hpp"

#include <ostream>

namespace moetwin::step {

std::string_view to_string(Stage s) {
    switch (s) {
    case Stage::Embed:
        return "embed";
    case Stage::Dense:
        return "dense";
    case Stage::Attn:
        return "attn";
    case Stage::Attn0:
        return "attn0";
    case Stage::Attn1:
        return "attn1";
    case Stage::Mlp:
        return "mlp";
    case Stage::Shared:
        return "shared";
    case Stage::Head:
        return "head";
    case Stage::AttnB:
        return "attn_b";
    case Stage::AttnW:
        return "attn_w";
    case Stage::MlpB:
        return "mlp_b";
    case Stage::MlpW:
        return "mlp_w";
    }
    return "?";
}

namespace {

struct Builder {
    std::vector<Instr> v;
    void compute(Stage s, int layer, int mb) { v.push_back({Instr::Compute, s, CommDirection::Dispatch, layer, mb}); }
    void signal(CommDirection d, int layer, int mb) { v.push_back({Instr::Signal, Stage::Attn, d, layer, mb}); }
    void wait(CommDirection d, int layer, int mb) { v.push_back({Instr::Wait, Stage::Attn, d, layer, mb}); }
};

constexpr auto D = CommDirection::Dispatch;
constexpr auto C = CommDirection::Combine;

// Reference §4 prefill: compute ATTN(mb1) -> SHARED(mb0) -> ATTN(mb0) -> MLP(mb1) -> MLP(mb0) ->
// SHARED(mb1) || comm COMBINE(mb0) -> DISPATCH(mb1) -> DISPATCH(mb0) -> COMBINE(mb1). In layer L the
// SHARED(mb0) and COMBINE(mb0) are those of layer L-1 (mb0's MLP ended the previous window).
void prefill_moe(Builder& b, int first, int n) {
    for (int L = first; L < first + n; ++L) {
        const bool prev = L > first;
        if (prev) b.signal(C, L - 1, 0);
        if (prev) b.wait(C, L - 1, 1);
        b.compute(Stage::Attn, L, 1);
        b.signal(D, L, 1);
        if (prev) b.compute(Stage::Shared, L - 1, 0);
        if (prev) b.wait(C, L - 1, 0);
        b.compute(Stage::Attn, L, 0);
        b.signal(D, L, 0);
        b.wait(D, L, 1);
        b.compute(Stage::Mlp, L, 1);
        b.signal(C, L, 1);
        b.wait(D, L, 0);
        b.compute(Stage::Mlp, L, 0);
        b.compute(Stage::Shared, L, 1);
    }
    const int last = first + n - 1;
    b.signal(C, last, 0);
    b.wait(C, last, 1);
    b.compute(Stage::Shared, last, 0);
    b.wait(C, last, 0);
}

// Reference §4 decode: [SHARED(mb0) + ATTN-0(mb1)] -> MLP(mb0) -> ATTN-1(mb1) -> [SHARED(mb1) +
// ATTN-0(mb0)] -> MLP(mb1) -> ATTN-1(mb0), comm DISPATCH(mb0), COMBINE(mb0), DISPATCH(mb1),
// COMBINE(mb1) under it. mb0's ATTN-0/ATTN-1 at the window's end belong to layer L+1.
void decode_moe(Builder& b, int first, int n) {
    const int last = first + n - 1;
    b.compute(Stage::Attn0, first, 0);
    b.compute(Stage::Attn1, first, 0);
    b.signal(D, first, 0);
    for (int L = first; L <= last; ++L) {
        b.compute(Stage::Shared, L, 0);
        if (L > first) b.wait(C, L - 1, 1);
        b.compute(Stage::Attn0, L, 1);
        b.wait(D, L, 0);
        b.compute(Stage::Mlp, L, 0);
        b.signal(C, L, 0);
        b.compute(Stage::Attn1, L, 1);
        b.signal(D, L, 1);
        b.compute(Stage::Shared, L, 1);
        if (L < last) {
            b.wait(C, L, 0);
            b.compute(Stage::Attn0, L + 1, 0);
        }
        b.wait(D, L, 1);
        b.compute(Stage::Mlp, L, 1);
        b.signal(C, L, 1);
        if (L < last) {
            b.compute(Stage::Attn1, L + 1, 0);
            b.signal(D, L + 1, 0);
        }
    }
    b.wait(C, last, 0);
    b.wait(C, last, 1);
}

// Reference §4 training (one DualPipe chunk pair), as DeepSeek's H800 trace runs it per layer
// (../shared/data/profile_traces, 10 stages per layer): compute ATTN(F) -> MLP(B) -> MLP(W) -> MLP(F) ->
// ATTN(B) -> ATTN(W) || comm COMBINE(B) -> DISPATCH(F) -> DISPATCH(B) -> COMBINE(F). Forward chunk =
// micro-batch 0 (dispatch D, combine C), backward chunk = micro-batch 1 (combine(B) is D, dispatch(B)
// is C). Data dependencies: ATTN(F) of layer L+1 needs COMBINE(F) of L; COMBINE(B) of L+1 needs ATTN(B)
// of L; MLP(B) needs COMBINE(B); DISPATCH(B) needs MLP(B); ATTN(B) needs DISPATCH(B); MLP(F) needs
// DISPATCH(F); COMBINE(F) needs MLP(F). PP transfers are left out, as in the trace.
void training_chunk_pair(Builder& b, int first, int n) {
    for (int L = first; L < first + n; ++L) {
        b.signal(D, L, 1); // combine(B): after ATTN(B) of the previous layer
        if (L > first) b.wait(C, L - 1, 0);
        b.compute(Stage::Attn, L, 0);
        b.signal(D, L, 0); // dispatch(F)
        b.wait(D, L, 1);
        b.compute(Stage::MlpB, L, 1);
        b.signal(C, L, 1); // dispatch(B)
        b.compute(Stage::MlpW, L, 1);
        b.wait(D, L, 0);
        b.compute(Stage::Mlp, L, 0);
        b.signal(C, L, 0); // combine(F)
        b.wait(C, L, 1);
        b.compute(Stage::AttnB, L, 1);
        b.compute(Stage::AttnW, L, 1);
    }
    b.wait(C, first + n - 1, 0);
}

// MoE layers first..first+n-1 of one schedule.
void moe_layers(Builder& b, ProgramKind kind, int first, int n, int micro_batches) {
    if (n <= 0) return;
    if (kind == ProgramKind::PrefillOverlap)
        prefill_moe(b, first, n);
    else if (kind == ProgramKind::DecodeOverlap)
        decode_moe(b, first, n);
    else
        for (int L = first; L < first + n; ++L)
            for (int m = 0; m < micro_batches; ++m) {
                b.compute(Stage::Attn, L, m);
                b.signal(D, L, m);
                b.wait(D, L, m);
                b.compute(Stage::Mlp, L, m);
                b.signal(C, L, m);
                b.wait(C, L, m);
                b.compute(Stage::Shared, L, m);
            }
}

} // namespace

StepProgram build_program(ProgramKind kind, int num_dense, int num_moe, int micro_batches, int num_mtp) {
    if (micro_batches < 1) throw ConfigError("workload.micro_batches: must be >= 1");
    if (kind != ProgramKind::Sequential && micro_batches != 2)
        throw ConfigError("schedule.overlap: two_micro_batch needs workload.micro_batches = 2, got " +
                          std::to_string(micro_batches));
    if (num_mtp < 0 || num_mtp > num_moe)
        throw ConfigError("step program: " + std::to_string(num_mtp) + " MTP passes need as many MoE layers, got " +
                          std::to_string(num_moe));
    Builder b;
    if (kind == ProgramKind::TrainingChunkPair) { // a window of MoE layers: no embedding, dense layers or head
        if (num_dense != 0)
            throw ConfigError("schedule.overlap: dualpipe_chunk_pair simulates MoE layers only; set "
                              "model.num_dense_layers = 0, got " +
                              std::to_string(num_dense));
        training_chunk_pair(b, 0, num_moe);
        return {kind, std::move(b.v)};
    }
    for (int m = 0; m < micro_batches; ++m)
        b.compute(Stage::Embed, -1, m);
    for (int L = 0; L < num_dense; ++L)
        for (int m = 0; m < micro_batches; ++m)
            b.compute(Stage::Dense, L, m);
    const int main_moe = num_moe - num_mtp;
    moe_layers(b, kind, num_dense, main_moe, micro_batches);
    for (int m = 0; m < micro_batches; ++m)
        b.compute(Stage::Head, -1, m);
    for (int L = num_dense + main_moe; L < num_dense + num_moe; ++L) { // one MTP pass per draft token
        for (int m = 0; m < micro_batches; ++m)
            b.compute(Stage::Embed, L, m);
        moe_layers(b, kind, L, 1, micro_batches);
        for (int m = 0; m < micro_batches; ++m)
            b.compute(Stage::Head, L, m);
    }
    return {kind, std::move(b.v)};
}

std::ostream& operator<<(std::ostream& out, const Instr& i) {
    const std::string_view dir = to_string(i.dir);
    if (i.kind == Instr::Compute) return out << to_string(i.stage) << "(L" << i.layer << ",mb" << i.micro_batch << ")";
    return out << (i.kind == Instr::Signal ? "signal " : "wait ") << dir << "(L" << i.layer << ",mb" << i.micro_batch
               << ")";
}

} // namespace moetwin::step
