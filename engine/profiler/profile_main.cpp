// SPDX-License-Identifier: Apache-2.0
// moetwin-profile: measures every op of a DeepSeek-V3 layer on this GPU over the shapes the simulator
// needs and writes the profile database (engine/profile_json.cpp format), checkpointing after every family.
// Exit codes: 0 ok, 1 user error or no usable GPU, 2 internal/CUDA error.
#include "common/errors.hpp"
#include "engine/kernels/cuda_check.hpp"
#include "engine/profile.hpp"
#include "engine/profiler/device_info.hpp"
#include "engine/profiler/sweep.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <sstream>

namespace {

std::vector<std::string> split(const std::string& csv) {
    std::vector<std::string> out;
    std::stringstream in(csv);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    using namespace moetwin;
    CLI::App app{"moetwin-profile: time every op of one DeepSeek-V3 layer on this GPU and write the profile database"};
    std::string preset = "quick", out, model = "deepseek_v3", families, precisions = "fp8_e4m3", ops;
    int device = 0, repeats = 0, warmup = -1;
    std::vector<int> attn_tp{1};
    bool no_flush = false, no_graphs = false;
    double budget_gib = 0;
    app.add_option("--preset", preset, "Shape grid: quick (a first small profile, minutes) or full (hours)")
        ->capture_default_str();
    app.add_option("--out", out, "Output file (default: engine/profiles/<gpu>/<model>.json)");
    app.add_option("--model", model, "Model of the catalogue whose dimensions are used")->capture_default_str();
    app.add_option("--families", families,
                   "Comma list of tokens,dense,experts,decode_attention,prefill_attention (default: all)");
    app.add_option("--precisions", precisions, "GEMM weight formats, comma list of fp8_e4m3,bf16")
        ->capture_default_str();
    app.add_option("--attn-tp", attn_tp, "Attention tensor-parallel degrees to measure")->capture_default_str();
    app.add_option("--ops", ops, "Only ops whose name contains this text");
    app.add_option("--device", device, "CUDA device index")->capture_default_str();
    app.add_option("--repeats", repeats, "Timed repeats per op and shape (default: the preset's)");
    app.add_option("--warmup", warmup, "Eager warm-up runs before capture (default: 3)");
    app.add_option("--memory-budget-gib", budget_gib, "Activation + KV memory per shape (default: 60% of free)");
    app.add_flag("--no-l2-flush", no_flush, "Do not flush L2 between repeats");
    app.add_flag("--no-graphs", no_graphs, "Time eager launches instead of CUDA graphs");
    CLI11_PARSE(app, argc, argv);

    try {
        std::string why;
        if (!kernels::cuda_device_available(&why)) {
            std::cerr << "moetwin-profile: no usable GPU (" << why << ")\n";
            return 1;
        }
        CUDA_CHECK(cudaSetDevice(device));
        const profiler::DeviceInfo info = profiler::query_device(device);
        std::cout << "moetwin-profile: " << info.name << " (sm_" << info.cc_major << info.cc_minor << ", "
                  << info.num_sms << " SMs, " << info.memory_bytes / double(1 << 30) << " GiB, max SM clock "
                  << info.sm_clock_max_hz / 1e6 << " MHz), CUDA runtime " << info.cuda_runtime << ", driver "
                  << info.cuda_driver << "\n";
        if (info.cc_major != 9) {
            std::cerr << "moetwin-profile: " << info.name << " is sm_" << info.cc_major << info.cc_minor
                      << "; this build targets sm_90a (Hopper)\n";
            return 1;
        }

        profiler::SweepConfig cfg = profiler::SweepConfig::preset(preset);
        cfg.model                 = model;
        if (!families.empty()) cfg.families = split(families);
        cfg.precisions.clear();
        for (const std::string& p : split(precisions))
            cfg.precisions.push_back(parse_precision(p));
        cfg.attn_tp   = attn_tp;
        cfg.op_filter = ops;
        if (repeats > 0) cfg.bench.repeats = repeats;
        if (warmup >= 0) cfg.bench.warmup = warmup;
        cfg.bench.l2_flush      = !no_flush;
        cfg.bench.graphs        = !no_graphs;
        cfg.memory_budget_bytes = budget_gib * double(1ull << 30);
        if (out.empty())
            out = "engine/profiles/" + (info.gpu_key.empty() ? std::string("unknown_gpu") : info.gpu_key) + "/" +
                  model + ".json";

        profiler::SweepProgress progress;
        progress.log        = [](const std::string& line) { std::cout << "  " << line << std::endl; };
        progress.checkpoint = [&](const ProfileFile& partial) {
            if (!partial.records.empty()) write_profile_file(out, partial);
        };
        const ProfileFile file = profiler::run_sweep(cfg, progress);
        write_profile_file(out, file);
        const ProfileTable check(read_profile_file(out), out, nullptr); // the file loads as written
        std::cout << "moetwin-profile: wrote " << file.records.size() << " records to " << out << "\n";
        return 0;
    } catch (const ConfigError& e) {
        std::cerr << "moetwin-profile: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "moetwin-profile: error: " << e.what() << "\n";
        return 2;
    }
}
