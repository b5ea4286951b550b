// SPDX-License-Identifier: Apache-2.0
// moetwin_gui_synth OUT.json [ep320|small] [--no-timing]: writes a SYNTHETIC result (tests and README
// pictures only; not a simulation) and prints how long writing took.
#include "synthetic_result.hpp"

#include "common/errors.hpp"
#include "sim/result/result_json.hpp"

#include <chrono>
#include <cstring>
#include <iostream>
#include <string>

int main(int argc, char** argv) try {
    using namespace moetwin;
    if (argc < 2) {
        std::cerr << "usage: moetwin_gui_synth OUT.json [ep320|ep32|small] [--no-timing] [--redundant N] [--skew S] "
                     "[--seed N] [--name NAME]\n";
        return 2;
    }
    test::SyntheticSpec spec = test::synthetic_ep320();
    std::string name;
    for (int i = 2; i < argc; ++i) {
        const auto value = [&] {
            if (i + 1 >= argc) throw ConfigError(std::string(argv[i]) + ": expects a value");
            return std::string(argv[++i]);
        };
        if (!std::strcmp(argv[i], "small"))
            spec = test::synthetic_small();
        else if (!std::strcmp(argv[i], "ep32"))
            spec = test::synthetic_ep32();
        else if (!std::strcmp(argv[i], "ep320"))
            spec = test::synthetic_ep320();
        else if (!std::strcmp(argv[i], "--no-timing"))
            spec.timing = false;
        else if (!std::strcmp(argv[i], "--redundant"))
            spec.redundant_experts = std::stoi(value());
        else if (!std::strcmp(argv[i], "--skew"))
            spec.zipf_s = std::stod(value());
        else if (!std::strcmp(argv[i], "--seed"))
            spec.seed = std::stoull(value());
        else if (!std::strcmp(argv[i], "--name"))
            name = value();
        else
            throw ConfigError(std::string(argv[i]) + ": unknown argument");
    }
    if (!spec.timing) spec.name += "_no_timing";
    if (!name.empty()) spec.name = name;
    const int gpus = spec.num_nodes * spec.gpus_per_node;
    if ((spec.num_experts + spec.redundant_experts) % gpus != 0)
        throw ConfigError("--redundant: experts + redundant experts must be a multiple of the " + std::to_string(gpus) +
                          " GPUs");
    const auto t0     = std::chrono::steady_clock::now();
    const RunResult r = test::make_synthetic_result(spec);
    const auto t1     = std::chrono::steady_clock::now();
    write_result_json(r, argv[1]);
    const auto t2 = std::chrono::steady_clock::now();
    const auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    std::cout << argv[1] << ": " << r.meta.num_gpus << " GPUs, " << r.meta.num_layers << " layers, " << r.spans.size()
              << " spans; made in " << ms(t0, t1) << " ms, written in " << ms(t1, t2) << " ms\n";
    return 0;
} catch (const std::exception& e) {
    std::cerr << "moetwin_gui_synth: " << e.what() << '\n';
    return 1;
}
