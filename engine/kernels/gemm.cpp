// SPDX-License-Identifier: Apache-2.0
// cuBLASLt GEMM launcher. Row-major D[m, n] = X[m, k]·W[n, k]ᵀ is column-major Dᵀ[n, m] = op(W)·Xᵀ, so
// cuBLASLt's A is W (transposed when W is [n, k]: the "TN" form FP8 requires) and its B is X.
// FP8 block scaling: A (W) uses BLK128x128_32F, B (X) uses VEC128_32F (kernel_params.hpp layouts).
#include "engine/kernels/gemm.cuh"

#include "engine/kernels/cuda_check.hpp"

#include <cublasLt.h>

#include <cstdint>
#include <map>
#include <sstream>
#include <tuple>

namespace moetwin::kernels {
namespace {

void cublas_check(cublasStatus_t st, const char* expr, const char* file, int line) {
    if (st != CUBLAS_STATUS_SUCCESS)
        throw CudaError(std::string(file) + ":" + std::to_string(line) + ": " + expr +
                        " failed: " + cublasLtGetStatusName(st) + ": " + cublasLtGetStatusString(st));
}
#define CUBLAS_CHECK(expr) cublas_check((expr), #expr, __FILE__, __LINE__)

// Largest power of two (<= 256) dividing the address: cuBLASLt picks kernels by assumed alignment.
uint32_t alignment_of(const void* ptr) {
    const auto a = reinterpret_cast<uintptr_t>(ptr);
    uint32_t al  = 256;
    while (al > 1 && a % al != 0)
        al /= 2;
    return al;
}

using PlanKey = std::tuple<int, int, int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                           int64_t, int64_t, uint32_t, uint32_t, uint32_t>;

struct Plan {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    cublasLtMatmulAlgo_t algo{};
};

cudaDataType_t in_type(GemmDtype t) {
    return t == GemmDtype::Fp8E4m3 ? CUDA_R_8F_E4M3 : CUDA_R_16BF;
}
cudaDataType_t out_type(GemmOut t) {
    return t == GemmOut::F32 ? CUDA_R_32F : CUDA_R_16BF;
}

cublasLtMatrixLayout_t make_layout(cudaDataType_t type, int64_t rows, int64_t cols, int64_t ld, int64_t batch,
                                   int64_t stride) {
    cublasLtMatrixLayout_t l = nullptr;
    CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&l, type, uint64_t(rows), uint64_t(cols), ld));
    if (batch > 1) {
        const int32_t count = int32_t(batch);
        CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof count));
        CUBLAS_CHECK(
            cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof stride));
    }
    return l;
}

} // namespace

struct GemmContext::Impl {
    cublasLtHandle_t handle = nullptr;
    void* workspace         = nullptr;
    size_t workspace_bytes  = 0;
    std::map<PlanKey, Plan> plans;

    ~Impl() {
        for (auto& [key, plan] : plans) {
            cublasLtMatrixLayoutDestroy(plan.a);
            cublasLtMatrixLayoutDestroy(plan.b);
            cublasLtMatrixLayoutDestroy(plan.c);
            cublasLtMatmulDescDestroy(plan.desc);
        }
        if (workspace) cudaFree(workspace);
        if (handle) cublasLtDestroy(handle);
    }

    Plan& plan_for(const GemmParams& p) {
        const bool nk = p.w_layout == WeightLayout::NK;
        const PlanKey key{int(p.dtype),
                          int(p.d_dtype),
                          int(p.w_layout),
                          int(p.scaling),
                          p.m,
                          p.n,
                          p.k,
                          p.batch,
                          p.lda_x(),
                          p.lda_w(),
                          p.lda_d(),
                          p.batch_stride_x,
                          p.batch_stride_w,
                          p.batch_stride_d,
                          alignment_of(p.x),
                          alignment_of(p.w),
                          alignment_of(p.d)};
        if (auto it = plans.find(key); it != plans.end()) return it->second;

        Plan plan;
        CUBLAS_CHECK(cublasLtMatmulDescCreate(&plan.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
        const cublasOperation_t ta = nk ? CUBLAS_OP_T : CUBLAS_OP_N, tb = CUBLAS_OP_N;
        CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
        CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
        if (p.dtype == GemmDtype::Fp8E4m3 && p.scaling == Fp8Scaling::Block) {
            const int32_t a_mode = CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F,
                          b_mode = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
            CUBLAS_CHECK(
                cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &a_mode, sizeof a_mode));
            CUBLAS_CHECK(
                cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &b_mode, sizeof b_mode));
        }
        if (p.dtype == GemmDtype::Fp8E4m3) { // pointers are set per call; needed here for the heuristic
            CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &p.w_scales,
                                                        sizeof(void*)));
            CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &p.x_scales,
                                                        sizeof(void*)));
        }
        const cudaDataType_t it = in_type(p.dtype), ot = out_type(p.d_dtype);
        plan.a = nk ? make_layout(it, p.k, p.n, p.lda_w(), p.batch, p.batch_stride_w)
                    : make_layout(it, p.n, p.k, p.lda_w(), p.batch, p.batch_stride_w);
        plan.b = make_layout(it, p.k, p.m, p.lda_x(), p.batch, p.batch_stride_x);
        plan.c = make_layout(ot, p.n, p.m, p.lda_d(), p.batch, p.batch_stride_d);

        cublasLtMatmulPreference_t pref = nullptr;
        CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
        const uint32_t al_a = alignment_of(p.w), al_b = alignment_of(p.x), al_c = alignment_of(p.d);
        CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                          &workspace_bytes, sizeof workspace_bytes));
        CUBLAS_CHECK(
            cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &al_a, sizeof al_a));
        CUBLAS_CHECK(
            cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &al_b, sizeof al_b));
        CUBLAS_CHECK(
            cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &al_c, sizeof al_c));
        CUBLAS_CHECK(
            cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &al_c, sizeof al_c));
        cublasLtMatmulHeuristicResult_t result{};
        int found = 0;
        const cublasStatus_t st =
            cublasLtMatmulAlgoGetHeuristic(handle, plan.desc, plan.a, plan.b, plan.c, plan.c, pref, 1, &result, &found);
        cublasLtMatmulPreferenceDestroy(pref);
        if (st != CUBLAS_STATUS_SUCCESS || found == 0) {
            cublasLtMatrixLayoutDestroy(plan.a);
            cublasLtMatrixLayoutDestroy(plan.b);
            cublasLtMatrixLayoutDestroy(plan.c);
            cublasLtMatmulDescDestroy(plan.desc);
            std::ostringstream what;
            what << "gemm: cuBLASLt has no algorithm for " << p << " (status " << cublasLtGetStatusName(st)
                 << "; FP8 1x128/128x128 scaling needs sm_90 and cuBLASLt >= 12.9)";
            throw CudaError(what.str());
        }
        plan.algo = result.algo;
        return plans.emplace(key, plan).first->second;
    }
};

GemmContext::GemmContext(size_t workspace_bytes) : impl_(std::make_unique<Impl>()) {
    CUBLAS_CHECK(cublasLtCreate(&impl_->handle));
    impl_->workspace_bytes = workspace_bytes;
    if (workspace_bytes > 0) CUDA_CHECK(cudaMalloc(&impl_->workspace, workspace_bytes));
}

GemmContext::~GemmContext() = default;

size_t cublaslt_version() {
    return cublasLtGetVersion();
}

void run_gemm(const GemmParams& p, GemmContext& ctx, cudaStream_t stream) {
    validate(p);
    if (p.m == 0) return;
    GemmContext::Impl& impl = ctx.impl();
    Plan& plan              = impl.plan_for(p);
    if (p.dtype == GemmDtype::Fp8E4m3) {
        CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &p.w_scales,
                                                    sizeof(void*)));
        CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &p.x_scales,
                                                    sizeof(void*)));
    }
    const float alpha = 1.0f, beta = 0.0f;
    CUBLAS_CHECK(cublasLtMatmul(impl.handle, plan.desc, &alpha, p.w, plan.a, p.x, plan.b, &beta, p.d, plan.c, p.d,
                                plan.c, &plan.algo, impl.workspace, impl.workspace_bytes, stream));
}

} // namespace moetwin::kernels
