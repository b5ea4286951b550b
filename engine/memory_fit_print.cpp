// SPDX-License-Identifier: Apache-2.0
// Printing of FitInput and FitReport (`moetwin fit`): every category in bytes, GiB (2^30) and GB (10^9).
#include "engine/memory_fit.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <ostream>

namespace moetwin {
namespace {

void row(std::ostream& out, std::string_view label, int64_t bytes) {
    fmt::print(out, "  {:<34} {:>18} {:>10.2f} {:>10.2f}\n", label, bytes, double(bytes) / double(kGiB),
               double(bytes) / 1e9);
}

} // namespace

std::ostream& operator<<(std::ostream& out, const FitInput& in) {
    fmt::print(
        out,
        "FitInput{{model={} gpu={} phase={} num_gpus={} ep_size={} dp_size={} tp_size={} "
        "routed_experts_per_gpu={} shared_experts_per_gpu={} routed_expert_precision={} weight_precision={} "
        "kv_precision={} context_tokens={} query_tokens_per_request={} requests_per_gpu={} tokens_per_gpu={} "
        "cached_prefix_tokens={} kv_page_tokens={} serve_mtp={} ll_max_dispatch_tokens_per_rank={} deepep_num_sms={} "
        "reserve_bytes={} hbm_usable_fraction={}}}",
        in.model, in.gpu.name, to_string(in.phase), in.num_gpus, in.ep_size, in.dp_size, in.tp_size,
        in.routed_experts_per_gpu, in.shared_experts_per_gpu, to_string(in.routed_expert_precision),
        to_string(in.weight_precision), to_string(in.kv_precision), in.context_tokens, in.query_tokens_per_request,
        in.requests_per_gpu, in.tokens_per_gpu, in.cached_prefix_tokens, in.kv_page_tokens, in.serve_mtp,
        in.ll_max_dispatch_tokens_per_rank, in.deepep_num_sms, in.reserve_bytes, in.hbm_usable_fraction);
    return out;
}

void print_fit_report(std::ostream& out, const FitReport& r) {
    const FitInput& in  = r.input;
    const int64_t batch = in.phase == Phase::Decode ? in.requests_per_gpu : in.tokens_per_gpu;
    fmt::print(out, "{} on {} × {}: {}, EP{} DP{} TP{}, {} routed + {} shared experts per GPU\n", in.model, in.num_gpus,
               in.gpu.display_name, to_string(in.phase), in.ep_size, in.dp_size, in.tp_size, in.routed_experts_per_gpu,
               in.shared_experts_per_gpu);
    fmt::print(out, "weights {} (routed experts {}), KV {}, batch {} {} per GPU, context {} tokens\n",
               to_string(in.weight_precision), to_string(in.routed_expert_precision), to_string(in.kv_precision), batch,
               r.batch_unit(), in.context_tokens);
    fmt::print(out, "  {:<34} {:>18} {:>10} {:>10}\n", "per GPU", "bytes", "GiB", "GB");
    row(out, "HBM", r.hbm_bytes);
    row(out, fmt::format("usable ({:.0f} %)", in.hbm_usable_fraction * 100), r.usable_bytes);
    for (int i = 0; i < kNumWeightRoles; ++i)
        if (r.weight_bytes_by_role[size_t(i)] > 0)
            row(out, fmt::format("weights: {}", to_string(WeightRole(i))), r.weight_bytes_by_role[size_t(i)]);
    row(out, "weights total", r.weight_bytes);
    if (in.offload_experts) row(out, "offload staging buffer", r.staging_bytes);
    row(out, "comm buffers", r.comm_buffer_bytes);
    fmt::print(out, "    ({})\n", r.comm_buffer_kind);
    row(out, "activations (peak working set)", r.activation_bytes);
    row(out, "reserve (context, workspaces)", r.reserve_bytes);
    row(out, fmt::format("KV cache ({} B/token)", r.kv_bytes_per_token), r.kv_bytes);
    row(out, "free", r.free_bytes);
    // Two different questions, said so (issue 13 item 9): the KV room left beside the activations of the
    // batch asked for, and the largest batch once its own activations grow with it.
    fmt::print(out,
               "KV room beside the requested batch's activations: {} tokens = {} requests of {} tokens "
               "(the largest batch, whose activations grow with it, is below)\n",
               r.kv_capacity_tokens, r.kv_capacity_requests, r.kv_tokens_per_request);
    fmt::print(out, "{}\nmax batch per GPU: {} {}\n", r.reason, r.max_batch, r.batch_unit());
    if (in.offload_experts)
        fmt::print(out,
                   "offload: {} of {} routed experts per GPU and layer resident, {} in host memory ({:.2f} GB per "
                   "GPU, {:.2f} GB per node of {:.2f} GB); one expert {} B\n",
                   r.resident_experts_per_gpu, r.resident_experts_per_gpu + r.offloaded_experts_per_gpu,
                   r.offloaded_experts_per_gpu, double(r.offloaded_bytes_per_gpu) / 1e9,
                   double(r.host_bytes_per_node) / 1e9, double(in.host_memory_bytes) / 1e9, r.expert_bytes);
}

} // namespace moetwin
