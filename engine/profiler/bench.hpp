// SPDX-License-Identifier: Apache-2.0
// Bench: times one op on the GPU the way moetwin-profile records it (llm.c benchmark_kernel, Triton
// do_bench): eager warm-up; capture into a CUDA graph per input set (no host launch overhead inside the
// timed window); then `repeats` timed launches, each preceded by an L2 flush (a memset of 2× the L2 size,
// which also keeps the GPU busy while the host enqueues the next events) and using input set r % sets;
// CUDA events around each launch; median, p10, p90.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace moetwin::profiler {

struct BenchConfig {
    int warmup    = 3;
    int repeats   = 20;
    bool l2_flush = true;
    bool graphs   = true; // capture into CUDA graphs; falls back to eager launches if capture fails
};

struct BenchResult {
    double median_s = 0, p10_s = 0, p90_s = 0, mean_s = 0;
    int samples = 0;
    bool graph  = false; // timed as graph launches
};
std::ostream& operator<<(std::ostream& out, const BenchResult& r);

// Percentile by nearest rank of a sorted copy (p in [0, 100]).
double percentile(std::vector<double> values, double p);

class Bench {
  public:
    Bench(cudaStream_t stream, BenchConfig config);
    ~Bench();
    Bench(const Bench&)            = delete;
    Bench& operator=(const Bench&) = delete;

    // `op(set, stream)` enqueues the work; sets are rotated (repeat r uses set r % num_sets).
    BenchResult time(const std::function<void(int set, cudaStream_t)>& op, int num_sets);
    const BenchConfig& config() const { return config_; }

  private:
    cudaStream_t stream_;
    BenchConfig config_;
    void* flush_       = nullptr;
    size_t flush_bytes = 0;
};

} // namespace moetwin::profiler
