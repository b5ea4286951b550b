// SPDX-License-Identifier: Apache-2.0
// CUDA-event timing with warm-up, graphs, L2 flushes and rotated inputs (bench.hpp).
#include "engine/profiler/bench.hpp"

#include "engine/kernels/cuda_check.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <ostream>
#include <vector>

namespace moetwin::profiler {

std::ostream& operator<<(std::ostream& out, const BenchResult& r) {
    return out << "median " << r.median_s * 1e6 << " us (p10 " << r.p10_s * 1e6 << ", p90 " << r.p90_s * 1e6 << ", n "
               << r.samples << (r.graph ? ", graph" : ", eager") << ")";
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t rank = size_t(std::ceil(p / 100.0 * double(v.size())));
    return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

Bench::Bench(cudaStream_t stream, BenchConfig config) : stream_(stream), config_(config) {
    if (config_.l2_flush) {
        int device = 0, l2 = 0;
        CUDA_CHECK(cudaGetDevice(&device));
        CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device));
        flush_bytes = std::max<size_t>(2 * size_t(l2), size_t(64) << 20);
        CUDA_CHECK(cudaMalloc(&flush_, flush_bytes));
    }
}

Bench::~Bench() {
    if (flush_) (void)cudaFree(flush_);
}

BenchResult Bench::time(const std::function<void(int, cudaStream_t)>& op, int num_sets) {
    num_sets = std::max(num_sets, 1);
    for (int i = 0; i < std::max(config_.warmup, 1); ++i)
        op(i % num_sets, stream_); // also loads modules, plans
    CUDA_CHECK(cudaStreamSynchronize(stream_));

    std::vector<cudaGraphExec_t> graphs;
    if (config_.graphs) {
        for (int s = 0; s < num_sets; ++s) {
            cudaGraph_t graph = nullptr;
            CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
            bool ok = true;
            try {
                op(s, stream_);
            } catch (const std::exception&) {
                ok = false;
            }
            const cudaError_t end = cudaStreamEndCapture(stream_, &graph);
            cudaGraphExec_t exec  = nullptr;
            if (!ok || end != cudaSuccess || cudaGraphInstantiate(&exec, graph, 0) != cudaSuccess) ok = false;
            if (graph) (void)cudaGraphDestroy(graph);
            if (!ok) { // not capturable: time eager launches instead
                (void)cudaGetLastError();
                for (cudaGraphExec_t g : graphs)
                    (void)cudaGraphExecDestroy(g);
                graphs.clear();
                break;
            }
            graphs.push_back(exec);
        }
        for (cudaGraphExec_t g : graphs)
            CUDA_CHECK(cudaGraphLaunch(g, stream_)); // warm the graphs
        CUDA_CHECK(cudaStreamSynchronize(stream_));
    }

    const int n = std::max(config_.repeats, 1);
    std::vector<cudaEvent_t> start(static_cast<size_t>(n)), stop(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        CUDA_CHECK(cudaEventCreate(&start[size_t(i)]));
        CUDA_CHECK(cudaEventCreate(&stop[size_t(i)]));
    }
    for (int i = 0; i < n; ++i) {
        const int set = i % num_sets;
        if (flush_) CUDA_CHECK(cudaMemsetAsync(flush_, i & 0xff, flush_bytes, stream_));
        CUDA_CHECK(cudaEventRecord(start[size_t(i)], stream_));
        if (!graphs.empty())
            CUDA_CHECK(cudaGraphLaunch(graphs[size_t(set)], stream_));
        else
            op(set, stream_);
        CUDA_CHECK(cudaEventRecord(stop[size_t(i)], stream_));
    }
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    std::vector<double> t(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        float ms = 0;
        CUDA_CHECK(cudaEventElapsedTime(&ms, start[size_t(i)], stop[size_t(i)]));
        t[size_t(i)] = double(ms) * 1e-3;
        (void)cudaEventDestroy(start[size_t(i)]);
        (void)cudaEventDestroy(stop[size_t(i)]);
    }
    for (cudaGraphExec_t g : graphs)
        (void)cudaGraphExecDestroy(g);
    BenchResult r;
    r.samples  = n;
    r.graph    = !graphs.empty();
    r.median_s = percentile(t, 50);
    r.p10_s    = percentile(t, 10);
    r.p90_s    = percentile(t, 90);
    r.mean_s   = std::accumulate(t.begin(), t.end(), 0.0) / double(n);
    return r;
}

} // namespace moetwin::profiler
