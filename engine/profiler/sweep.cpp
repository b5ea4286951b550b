// SPDX-License-Identifier: Apache-2.0
// The profile sweep (sweep.hpp): families of LayerRunner shapes, each op timed with Bench.
#include "engine/profiler/sweep.hpp"

#include "common/errors.hpp"
#include "engine/kernels/cuda_check.hpp"
#include "engine/kernels/layer_runner.hpp"
#include "engine/model_spec.hpp"
#include "engine/profiler/device_info.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>
#include <set>
#include <sstream>

namespace moetwin::profiler {
namespace {

using kernels::GemmDtype;
using kernels::LayerRunner;
using kernels::LayerShape;

std::vector<int64_t> powers_of_two(int64_t lo, int64_t hi) {
    std::vector<int64_t> v;
    for (int64_t x = lo; x <= hi; x *= 2)
        v.push_back(x);
    return v;
}

const std::set<std::string> kTokenOps{"attn_norm",   "q_a_proj",      "q_a_norm",       "q_b_proj",      "kv_a_proj",
                                      "kv_a_norm",   "kv_b_proj",     "o_proj",         "ffn_norm",      "moe_gate",
                                      "moe_permute", "moe_unpermute", "shared_gate_up", "shared_swiglu", "shared_down"};
const std::set<std::string> kDenseOps{"dense_gate_up", "dense_swiglu", "dense_down"};
const std::set<std::string> kExpertOps{"expert_gate_up", "expert_swiglu", "expert_down"};

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

OpShape op_shape(const LayerShape& s, Precision wp, int tp) {
    OpShape o;
    o.phase                    = s.phase;
    o.num_tokens               = s.num_tokens();
    o.num_requests             = s.num_requests;
    o.kv_len                   = s.kv_len;
    o.query_tokens_per_request = s.query_tokens;
    o.num_local_experts        = s.num_local_experts;
    o.tokens_per_expert        = s.tokens_per_expert;
    o.attn_tp_size             = tp;
    o.weight_precision         = wp;
    return o;
}

class Sweeper {
  public:
    Sweeper(const SweepConfig& c, const SweepProgress& p) : cfg_(c), progress_(p), model_(find_model(c.model)) {
        CUDA_CHECK(cudaGetDevice(&device_));
        info_  = query_device(device_);
        clock_ = std::make_unique<SmClock>(device_);
        CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
        bench_            = std::make_unique<Bench>(stream_, cfg_.bench);
        file_.model       = c.model;
        file_.generator   = "moetwin-profile 0.1.0";
        file_.created_utc = utc_now();
        file_.timing      = {c.bench.warmup, c.bench.repeats, c.bench.l2_flush, c.max_input_sets};
    }
    ~Sweeper() {
        if (stream_) (void)cudaStreamDestroy(stream_);
    }

    ProfileFile run() {
        const bool want_dense = std::count(cfg_.families.begin(), cfg_.families.end(), "dense") > 0;
        for (const Precision wp : cfg_.precisions)
            for (const int tp : cfg_.attn_tp) {
                const kernels::LayerDims dims = kernels::LayerDims::from(model_, tp);
                const GemmDtype dtype         = wp == Precision::Bf16 ? GemmDtype::Bf16 : GemmDtype::Fp8E4m3;
                if (wp != Precision::Bf16 && wp != Precision::Fp8E4m3)
                    throw ConfigError("moetwin-profile: weight precision " + std::string(to_string(wp)) +
                                      " has no kernels (bf16, fp8_e4m3)");
                const int64_t max_l = cfg_.local_experts.empty()
                                          ? 1
                                          : *std::max_element(cfg_.local_experts.begin(), cfg_.local_experts.end());
                log("weights: " + std::string(to_string(wp)) + ", attn_tp " + std::to_string(tp) + ", " +
                    std::to_string(max_l) + " local experts" + (want_dense ? ", dense FFN" : ""));
                kernels::LayerWeights weights(dims, dtype, max_l, want_dense && model_.num_dense_layers > 0, 1,
                                              stream_);
                kernels::GemmContext gemm;
                for (const std::string& family : cfg_.families) {
                    run_family(family, weights, gemm, wp, tp);
                    if (progress_.checkpoint) progress_.checkpoint(file_);
                }
            }
        return file_;
    }

  private:
    void log(const std::string& line) const {
        if (progress_.log) progress_.log(line);
    }

    double budget() const {
        if (cfg_.memory_budget_bytes > 0) return cfg_.memory_budget_bytes;
        size_t free = 0, total = 0;
        CUDA_CHECK(cudaMemGetInfo(&free, &total));
        return 0.6 * double(free);
    }

    // Builds a runner for `s` (or skips it when it does not fit) and times the ops in `ops`.
    void measure(const kernels::LayerWeights& w, kernels::GemmContext& gemm, const LayerShape& s,
                 const std::set<std::string>& ops, Precision wp, int tp) {
        const bool fp8        = w.dtype() == GemmDtype::Fp8E4m3;
        const double set_b    = double(LayerRunner::activation_set_bytes(w.dims(), s, fp8));
        const double shared_b = double(LayerRunner::kv_cache_bytes(w.dims(), s));
        const double avail    = budget();
        if (set_b + shared_b > avail) {
            std::ostringstream o;
            o << "skip " << s << ": needs " << (set_b + shared_b) / 1e9 << " GB, budget " << avail / 1e9 << " GB";
            log(o.str());
            return;
        }
        const int sets =
            int(std::clamp<double>(std::floor((avail - shared_b) / std::max(set_b, 1.0)), 1, cfg_.max_input_sets));
        LayerRunner runner(w, s, gemm, sets, ++seed_, stream_);
        // One pass over the layer per input set so every intermediate holds real values; the core attention
        // is left out unless it is measured (its output buffers start random, and at 32K prompt tokens the
        // SIMT prefill kernel takes seconds).
        for (int i = 0; i < sets; ++i)
            for (const auto& op : runner.ops())
                if ((op.name != "mla_prefill" && op.name != "mla_decode") || ops.count(op.name)) op.run(i, stream_);
        CUDA_CHECK(cudaStreamSynchronize(stream_));

        // Ops with the same name (decode kv_b_proj: before and after the attention) are timed together.
        std::vector<std::string> names;
        for (const auto& op : runner.ops())
            if (ops.count(op.name) && std::find(names.begin(), names.end(), op.name) == names.end() &&
                (cfg_.op_filter.empty() || op.name.find(cfg_.op_filter) != std::string::npos))
                names.push_back(op.name);
        for (const std::string& name : names) {
            std::vector<const kernels::RunnerOp*> parts;
            for (const auto& op : runner.ops())
                if (op.name == name) parts.push_back(&op);
            const auto run = [&parts](int set, cudaStream_t st) {
                for (const auto* p : parts)
                    p->run(set, st);
            };
            const BenchResult r = time_adaptive(run, sets);
            OpProfile rec;
            rec.op              = name;
            rec.impl            = op_impl(name, s.phase, wp);
            rec.shape           = op_shape(s, wp, tp);
            rec.median_s        = r.median_s;
            rec.p10_s           = r.p10_s;
            rec.p90_s           = r.p90_s;
            rec.samples         = r.samples;
            rec.gpu             = info_.name;
            rec.num_sms         = info_.num_sms;
            rec.sm_clock_hz     = clock_->sample_hz();
            rec.sm_clock_max_hz = info_.sm_clock_max_hz;
            rec.cuda_runtime    = info_.cuda_runtime;
            rec.cuda_driver     = info_.cuda_driver;
            std::ostringstream o;
            o << name << " " << to_string(s.phase) << " " << to_string(wp) << " tp" << tp << " req=" << s.num_requests
              << " q=" << s.query_tokens << " kv=" << s.kv_len << " L=" << s.num_local_experts
              << " tpe=" << s.tokens_per_expert << ": " << r;
            log(o.str());
            file_.records.push_back(std::move(rec));
        }
    }

    // One probe run decides the repeats: at most time_budget_s per op and shape, at least 5 samples.
    BenchResult time_adaptive(const std::function<void(int, cudaStream_t)>& op, int sets) {
        const auto t0 = std::chrono::steady_clock::now();
        op(0, stream_);
        CUDA_CHECK(cudaStreamSynchronize(stream_));
        const double once = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        BenchConfig c     = cfg_.bench;
        const int fit     = int(cfg_.time_budget_s / std::max(once, 1e-6));
        c.repeats         = std::clamp(fit, std::min(5, cfg_.bench.repeats), cfg_.bench.repeats);
        c.warmup          = once > 0.05 ? 1 : c.warmup;
        if (c.repeats == cfg_.bench.repeats && c.warmup == cfg_.bench.warmup) return bench_->time(op, sets);
        Bench b(stream_, c);
        return b.time(op, sets);
    }

    void run_family(const std::string& family, const kernels::LayerWeights& w, kernels::GemmContext& gemm, Precision wp,
                    int tp) {
        log("family " + family);
        for (const Phase phase : {Phase::Prefill, Phase::Decode}) {
            LayerShape s;
            s.phase = phase;
            if (family == "tokens" || family == "dense") {
                if (family == "dense" && !w.has_dense_ffn()) return;
                s.moe = family == "tokens";
                for (const int64_t t : cfg_.tokens) {
                    if (phase == Phase::Decode)
                        s.num_requests = t, s.query_tokens = 1, s.kv_len = 64;
                    else
                        s.num_requests = 1, s.query_tokens = t, s.kv_len = t;
                    measure(w, gemm, s, s.moe ? kTokenOps : kDenseOps, wp, tp);
                }
            } else if (family == "experts") {
                s.num_requests = 1, s.query_tokens = 1, s.kv_len = phase == Phase::Decode ? 64 : 1;
                for (const int64_t l : cfg_.local_experts)
                    for (const int64_t tpe : cfg_.tokens_per_expert) {
                        s.num_local_experts = l, s.tokens_per_expert = tpe;
                        measure(w, gemm, s, kExpertOps, wp, tp);
                    }
            } else if (family == "decode_attention") {
                if (phase != Phase::Decode) continue;
                for (const int64_t q : cfg_.query_tokens)
                    for (const int64_t b : cfg_.decode_batch)
                        for (const int64_t kv : cfg_.decode_kv) {
                            s.num_requests = b, s.query_tokens = q, s.kv_len = kv;
                            measure(w, gemm, s, {"mla_decode"}, wp, tp);
                        }
            } else if (family == "prefill_attention") {
                if (phase != Phase::Prefill) continue;
                for (const int64_t r : cfg_.prefill_requests)
                    for (const int64_t q : cfg_.prefill_chunk)
                        for (const int64_t prefix : cfg_.prefill_prefix) {
                            if (r * q > cfg_.max_prefill_tokens) continue;
                            s.num_requests = r, s.query_tokens = q, s.kv_len = q + prefix;
                            measure(w, gemm, s, {"mla_prefill"}, wp, tp);
                        }
            } else {
                throw ConfigError("moetwin-profile: unknown family \"" + family +
                                  "\" (tokens, dense, experts, decode_attention, prefill_attention)");
            }
        }
    }

    const SweepConfig& cfg_;
    const SweepProgress& progress_;
    const ModelSpec& model_;
    int device_ = 0;
    DeviceInfo info_;
    std::unique_ptr<SmClock> clock_;
    cudaStream_t stream_ = nullptr;
    std::unique_ptr<Bench> bench_;
    ProfileFile file_;
    uint64_t seed_ = 1;
};

} // namespace

SweepConfig SweepConfig::preset(const std::string& name) {
    SweepConfig c;
    if (name == "quick") {
        c.tokens            = {1, 16, 128, 1024, 4096};
        c.local_experts     = {1, 4, 16};
        c.tokens_per_expert = {16, 128, 1024};
        c.decode_batch      = {1, 16, 128};
        c.decode_kv         = {1024, 4096, 16384};
        c.prefill_requests  = {1, 4};
        c.prefill_chunk     = {512, 2048};
        c.prefill_prefix    = {0, 2048};
        c.bench.repeats     = 10;
        c.time_budget_s     = 0.5;
    } else if (name == "full") {
        c.tokens            = powers_of_two(1, 32768);
        c.local_experts     = {1, 2, 4, 8, 16};
        c.tokens_per_expert = powers_of_two(1, 8192);
        c.decode_batch      = powers_of_two(1, 256);
        c.decode_kv         = powers_of_two(256, 131072);
        c.prefill_requests  = {1, 2, 4, 8};
        c.prefill_chunk     = powers_of_two(128, 16384);
        c.prefill_prefix    = {0, 4096, 16384};
        c.bench.repeats     = 30;
    } else {
        throw ConfigError("moetwin-profile: unknown preset \"" + name + "\" (quick, full)");
    }
    return c;
}

std::string op_impl(const std::string& op, Phase phase, Precision wp) {
    static const std::set<std::string> gemms{"q_a_proj",       "q_b_proj",    "kv_a_proj",     "kv_b_proj",
                                             "shared_gate_up", "shared_down", "dense_gate_up", "dense_down"};
    const std::string gemm = wp == Precision::Fp8E4m3 ? "cublaslt_fp8_blockscale" : "cublaslt_bf16";
    if (op == "mla_decode" || op == "mla_prefill") return "moetwin_simt_flash";
    if (op == "moe_gate") return "cublaslt_bf16+moetwin_topk";
    if (op == "expert_gate_up" || op == "expert_down") return gemm + "_per_expert";
    if (op == "kv_b_proj" && phase == Phase::Decode) return "cublaslt_bf16_batched_absorbed";
    if (op == "o_proj") return wp == Precision::Fp8E4m3 ? "moetwin_quant+" + gemm : gemm;
    if (gemms.count(op)) return gemm;
    return "moetwin_cuda";
}

ProfileFile run_sweep(const SweepConfig& config, const SweepProgress& progress) {
    Sweeper s(config, progress);
    return s.run();
}

} // namespace moetwin::profiler
