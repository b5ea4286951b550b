// SPDX-License-Identifier: Apache-2.0
// Shared fixtures for the balancer tests: the README example, seeded random loads, data paths.
#pragma once

#include "common/rng.hpp"
#include "moe/expert_load.hpp"
#include "sim/balancer/placement/eplb_readme.hpp"

#include <cmath>
#include <filesystem>
#include <string>

namespace moetwin::balancer::test {

// deepseek-ai/EPLB README example (reference §8): 2 layers × 12 experts.
inline ExpertLoad readme_weight() {
    return eplb_readme::weight();
}

// Skewed random loads: log-normal with σ = `skew`, a few zeros sprinkled in.
inline ExpertLoad random_load(int layers, int experts, std::uint64_t seed, double skew = 1.0) {
    Rng rng(seed, 99);
    ExpertLoad l{layers, experts, {}};
    for (int i = 0; i < layers * experts; ++i)
        l.tokens.push_back(rng.uniform() < 0.03 ? 0.0 : std::round(1000 * std::exp(skew * rng.normal())));
    return l;
}

inline std::filesystem::path sample_loads_path() {
    return std::filesystem::path(MOETWIN_SOURCE_DIR) / "tests/balancer/data/prefill_in1024_sample.json";
}

inline std::filesystem::path shared_loads_dir() {
    return std::filesystem::path(MOETWIN_SHARED_DIR) / "data/expert_load";
}

} // namespace moetwin::balancer::test
