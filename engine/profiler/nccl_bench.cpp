// SPDX-License-Identifier: Apache-2.0
// moetwin-nccl-bench: the MoE all-to-all on this machine's GPUs with grouped ncclSend/ncclRecv and a real
// token→GPU traffic matrix (traffic.hpp), to calibrate the simulator's NVLink model. Dispatch sends each
// token once per destination GPU as FP8 with 1×128 scales (hidden + hidden/128·4 bytes); combine sends it
// back as BF16 (hidden·2 bytes). One process drives every visible GPU (ncclCommInitAll). With one GPU it
// runs the single-rank path (a send to itself: a local copy, not NVLink) and says so.
// Output: a table on stdout and, with --out, CSV (one row per phase and token count).
#include "engine/kernels/cuda_check.hpp"
#include "engine/profiler/bench.hpp"
#include "engine/profiler/device_info.hpp"
#include "engine/profiler/traffic.hpp"

#include "common/atomic_file.hpp"
#include "common/deepep_bytes.hpp"

#include <CLI/CLI.hpp>
#include <nccl.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <vector>

namespace {

using namespace moetwin;

void nccl_check(ncclResult_t r, const char* expr) {
    if (r != ncclSuccess) throw kernels::CudaError(std::string(expr) + " failed: " + ncclGetErrorString(r));
}
#define NCCL_CHECK(expr) nccl_check((expr), #expr)

struct Rank {
    int device          = 0;
    ncclComm_t comm     = nullptr;
    cudaStream_t stream = nullptr;
    void* send          = nullptr;
    void* recv          = nullptr;
    std::vector<cudaEvent_t> start, stop;
};

struct PhaseResult {
    double median_s = 0, p10_s = 0, p90_s = 0;
    int64_t max_send_bytes = 0, total_bytes = 0;
};

// One all-to-all: rank s sends tokens[s][d]·bytes to every d (d == s included: the local share).
PhaseResult run_phase(std::vector<Rank>& ranks, const profiler::Traffic& t, int64_t bytes_per_token, bool reverse,
                      int warmup, int repeats) {
    const int n      = int(ranks.size());
    const auto count = [&](int src, int dst) {
        return size_t(reverse ? t.tokens[size_t(dst * n + src)] : t.tokens[size_t(src * n + dst)]) *
               size_t(bytes_per_token);
    };
    PhaseResult r;
    for (int s = 0; s < n; ++s) {
        int64_t sent = 0;
        for (int d = 0; d < n; ++d)
            sent += int64_t(count(s, d)), r.total_bytes += int64_t(count(s, d));
        r.max_send_bytes = std::max(r.max_send_bytes, sent);
    }
    std::vector<double> times;
    for (int it = 0; it < warmup + repeats; ++it) {
        for (Rank& k : ranks) {
            CUDA_CHECK(cudaSetDevice(k.device));
            CUDA_CHECK(cudaEventRecord(k.start[0], k.stream));
        }
        NCCL_CHECK(ncclGroupStart());
        for (int s = 0; s < n; ++s) {
            size_t send_off = 0, recv_off = 0;
            for (int d = 0; d < n; ++d) {
                NCCL_CHECK(ncclSend(static_cast<char*>(ranks[size_t(s)].send) + send_off, count(s, d), ncclUint8, d,
                                    ranks[size_t(s)].comm, ranks[size_t(s)].stream));
                NCCL_CHECK(ncclRecv(static_cast<char*>(ranks[size_t(s)].recv) + recv_off, count(d, s), ncclUint8, d,
                                    ranks[size_t(s)].comm, ranks[size_t(s)].stream));
                send_off += count(s, d), recv_off += count(d, s);
            }
        }
        NCCL_CHECK(ncclGroupEnd());
        double slowest = 0;
        for (Rank& k : ranks) {
            CUDA_CHECK(cudaSetDevice(k.device));
            CUDA_CHECK(cudaEventRecord(k.stop[0], k.stream));
            CUDA_CHECK(cudaEventSynchronize(k.stop[0]));
            float ms = 0;
            CUDA_CHECK(cudaEventElapsedTime(&ms, k.start[0], k.stop[0]));
            slowest = std::max(slowest, double(ms) * 1e-3);
        }
        if (it >= warmup) times.push_back(slowest);
    }
    r.median_s = profiler::percentile(times, 50);
    r.p10_s    = profiler::percentile(times, 10);
    r.p90_s    = profiler::percentile(times, 90);
    return r;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "moetwin-nccl-bench: MoE dispatch/combine all-to-all over the visible GPUs (grouped ncclSend/ncclRecv)"};
    std::vector<int64_t> tokens{128, 512, 4096};
    int hidden = 7168, repeats = 20, warmup = 3, max_gpus = 0;
    double skew   = 0.0;
    uint64_t seed = 1;
    std::string out;
    app.add_option("--tokens", tokens, "Tokens per GPU (each a separate measurement)")->capture_default_str();
    app.add_option("--hidden", hidden, "Hidden size")->capture_default_str();
    app.add_option("--skew", skew, "Std-dev of the per-expert gate bias that skews the expert load")
        ->capture_default_str();
    app.add_option("--seed", seed, "Routing seed")->capture_default_str();
    app.add_option("--repeats", repeats, "Timed repeats")->capture_default_str();
    app.add_option("--warmup", warmup, "Untimed repeats first")->capture_default_str();
    app.add_option("--max-gpus", max_gpus, "Use at most this many GPUs (0: all visible)");
    app.add_option("--out", out, "CSV output file");
    CLI11_PARSE(app, argc, argv);

    try {
        std::string why;
        if (!kernels::cuda_device_available(&why)) {
            std::cerr << "moetwin-nccl-bench: no usable GPU (" << why << ")\n";
            return 1;
        }
        int n = 0;
        CUDA_CHECK(cudaGetDeviceCount(&n));
        if (max_gpus > 0) n = std::min(n, max_gpus);
        int nccl_version = 0;
        NCCL_CHECK(ncclGetVersion(&nccl_version));
        const profiler::DeviceInfo info = profiler::query_device(0);
        std::cout << "moetwin-nccl-bench: " << n << " x " << info.name << ", NCCL " << nccl_version << ", CUDA "
                  << info.cuda_runtime << "\n";
        if (n == 1)
            std::cout << "moetwin-nccl-bench: single-rank path: one GPU visible, so every token stays local; the "
                         "times below are a device-local copy through NCCL, NOT NVLink. Run on a multi-GPU node to "
                         "calibrate NVLink.\n";

        std::vector<int> devs(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i)
            devs[size_t(i)] = i;
        std::vector<ncclComm_t> comms(static_cast<size_t>(n));
        NCCL_CHECK(ncclCommInitAll(comms.data(), n, devs.data()));
        std::vector<Rank> ranks(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) {
            ranks[size_t(i)].device = i, ranks[size_t(i)].comm = comms[size_t(i)];
            CUDA_CHECK(cudaSetDevice(i));
            CUDA_CHECK(cudaStreamCreateWithFlags(&ranks[size_t(i)].stream, cudaStreamNonBlocking));
            ranks[size_t(i)].start.resize(1), ranks[size_t(i)].stop.resize(1);
            CUDA_CHECK(cudaEventCreate(&ranks[size_t(i)].start[0]));
            CUDA_CHECK(cudaEventCreate(&ranks[size_t(i)].stop[0]));
        }

        const int64_t dispatch_bytes = deepep_bytes::fp8_hidden_bytes(hidden);  // FP8 + 1×128 scales
        const int64_t combine_bytes  = deepep_bytes::bf16_hidden_bytes(hidden); // BF16
        std::ostringstream csv;
        csv << "phase,num_gpus,tokens_per_gpu,bytes_per_token,max_rank_send_bytes,total_bytes,median_us,p10_us,"
               "p90_us,max_rank_send_GBps,single_rank\n";
        std::printf("%-9s %5s %8s %14s %11s %11s %11s %12s\n", "phase", "gpus", "tokens", "max send B", "median us",
                    "p10 us", "p90 us", "GB/s (rank)");
        for (const int64_t t : tokens) {
            profiler::TrafficConfig tc;
            tc.num_gpus = n, tc.tokens_per_gpu = t, tc.skew = skew, tc.seed = seed;
            if (256 % n != 0) throw std::invalid_argument("256 experts must divide evenly over the GPUs");
            const profiler::Traffic traffic = profiler::route_tokens(tc);
            int64_t most                    = 0;
            for (int i = 0; i < n; ++i)
                most = std::max({most, traffic.sent(i), traffic.received(i)});
            for (Rank& k : ranks) {
                CUDA_CHECK(cudaSetDevice(k.device));
                if (k.send) CUDA_CHECK(cudaFree(k.send));
                if (k.recv) CUDA_CHECK(cudaFree(k.recv));
                CUDA_CHECK(cudaMalloc(&k.send, size_t(std::max<int64_t>(most, 1)) * size_t(combine_bytes)));
                CUDA_CHECK(cudaMalloc(&k.recv, size_t(std::max<int64_t>(most, 1)) * size_t(combine_bytes)));
            }
            for (const bool combine : {false, true}) {
                const int64_t bpt   = combine ? combine_bytes : dispatch_bytes;
                const PhaseResult r = run_phase(ranks, traffic, bpt, combine, warmup, repeats);
                const double gbps   = double(r.max_send_bytes) / r.median_s / 1e9;
                const char* phase   = combine ? "combine" : "dispatch";
                std::printf("%-9s %5d %8lld %14lld %11.1f %11.1f %11.1f %12.1f\n", phase, n, (long long)t,
                            (long long)r.max_send_bytes, r.median_s * 1e6, r.p10_s * 1e6, r.p90_s * 1e6, gbps);
                csv << phase << "," << n << "," << t << "," << bpt << "," << r.max_send_bytes << "," << r.total_bytes
                    << "," << r.median_s * 1e6 << "," << r.p10_s * 1e6 << "," << r.p90_s * 1e6 << "," << gbps << ","
                    << (n == 1 ? "true" : "false") << "\n";
            }
        }
        for (Rank& k : ranks) {
            CUDA_CHECK(cudaSetDevice(k.device));
            (void)cudaFree(k.send), (void)cudaFree(k.recv);
            (void)cudaEventDestroy(k.start[0]), (void)cudaEventDestroy(k.stop[0]);
            (void)cudaStreamDestroy(k.stream);
            ncclCommDestroy(k.comm);
        }
        if (!out.empty()) {
            write_file_atomic(out, csv.str());
            std::cout << "moetwin-nccl-bench: wrote " << out << "\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "moetwin-nccl-bench: error: " << e.what() << "\n";
        return 2;
    }
}
