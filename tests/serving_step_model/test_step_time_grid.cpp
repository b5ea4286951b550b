// SPDX-License-Identifier: Apache-2.0
// The grid model's interpolation (sim/serving/step_time_grid.hpp): exact at grid points, exact for the
// functions each method is exact for (inside the grid and extrapolated), within the bilinear error bound on a
// smooth function, and the axis helper.
#include "common/errors.hpp"
#include "sim/serving/step_time_grid.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace moetwin::serving {
namespace {

StepGrid grid_of(const std::vector<double>& b, const std::vector<double>& c,
                 const std::function<double(double, double)>& f, GridInterpolation how) {
    StepGrid g;
    g.interpolation = how;
    g.batch         = b;
    g.context       = c;
    for (const double x : b)
        for (const double y : c)
            g.step_s.push_back(f(x, y));
    return g;
}

const std::vector<double> kBatch   = {1, 3, 9, 27, 81};
const std::vector<double> kContext = {128, 512, 2048, 8192};

TEST(StepTimeGrid, ExactAtEveryGridPoint) {
    // Arbitrary positive values (no structure), both interpolations, bit for bit.
    for (const GridInterpolation how : {GridInterpolation::Bilinear, GridInterpolation::LogBilinear}) {
        int n            = 0;
        const StepGrid g = grid_of(
            kBatch, kContext, [&](double, double) { return 0.01 + 0.001 * ((n++ * 7919) % 13); }, how);
        const StepTimeGrid model(g);
        for (std::size_t i = 0; i < g.batch.size(); ++i)
            for (std::size_t k = 0; k < g.context.size(); ++k)
                EXPECT_EQ(model.step_s({g.batch[i], g.context[k]}), g.at(i, k)) << i << "," << k;
    }
}

TEST(StepTimeGrid, BilinearIsExactForAffinePlusProductInsideAndOutside) {
    // t = a + b·batch + c·context + d·batch·context: what a step of per-token and per-KV-token work is.
    const auto f = [](double b, double c) { return 0.02 + 1e-4 * b + 3e-7 * c + 2e-8 * b * c; };
    const StepTimeGrid model(grid_of(kBatch, kContext, f, GridInterpolation::Bilinear));
    for (const double b : {1.0, 2.5, 10.0, 50.0, 81.0, 200.0})
        for (const double c : {1.0, 100.0, 700.0, 5000.0, 20000.0})
            EXPECT_NEAR(model.step_s({b, c}), f(b, c), 1e-12 * f(b, c)) << b << "," << c;
}

TEST(StepTimeGrid, LogBilinearIsExactForPowerLaws) {
    const auto f = [](double b, double c) { return 1e-3 * std::pow(b, 0.7) * std::pow(c, 0.3); };
    const StepTimeGrid model(grid_of(kBatch, kContext, f, GridInterpolation::LogBilinear));
    for (const double b : {1.0, 2.5, 10.0, 50.0, 200.0})
        for (const double c : {64.0, 700.0, 5000.0, 20000.0})
            EXPECT_NEAR(model.step_s({b, c}), f(b, c), 1e-12 * f(b, c)) << b << "," << c;
}

TEST(StepTimeGrid, BilinearWithinTheInterpolationErrorBound) {
    // f = 0.01 + 1e-3·sqrt(b) + 1e-6·b·c: linear in c, f_bb = −1e-3/4 · b^(−3/2). In a cell [b0, b1] × [c0, c1],
    // |f − bilinear| <= (b1 − b0)² / 8 · max|f_bb| = (b1 − b0)² / 8 · 1e-3/4 · b0^(−3/2) (the linear
    // interpolant's error bound, per axis; f_cc = 0 and the b·c term is reproduced exactly).
    const auto f     = [](double b, double c) { return 0.01 + 1e-3 * std::sqrt(b) + 1e-6 * b * c; };
    const StepGrid g = grid_of(kBatch, kContext, f, GridInterpolation::Bilinear);
    const StepTimeGrid model(g);
    double worst = 0;
    for (std::size_t i = 0; i + 1 < kBatch.size(); ++i) {
        const double b0 = kBatch[i], b1 = kBatch[i + 1];
        const double bound = (b1 - b0) * (b1 - b0) / 8 * 1e-3 / 4 * std::pow(b0, -1.5);
        for (int s = 1; s < 20; ++s) {
            const double b = b0 + (b1 - b0) * s / 20;
            for (const double c : {128.0, 300.0, 4000.0, 8192.0}) {
                const double err = std::abs(model.step_s({b, c}) - f(b, c));
                EXPECT_LE(err, bound * (1 + 1e-9)) << b << "," << c;
                worst = std::max(worst, err / bound);
            }
        }
    }
    EXPECT_GT(worst, 0.3); // measured 0.39: the bound (|f_bb| at the cell's low end) is not vacuous
}

TEST(StepTimeGrid, RejectsBadGrids) {
    StepGrid g = grid_of(
        {1, 2}, {128, 256}, [](double, double) { return 0.1; }, GridInterpolation::Bilinear);
    StepGrid bad = g;
    bad.batch    = {2, 2};
    EXPECT_THROW(check_step_grid(bad, "x"), ConfigError);
    bad           = g;
    bad.step_s[3] = 0;
    EXPECT_THROW(check_step_grid(bad, "x"), ConfigError);
    bad         = g;
    bad.context = {128};
    EXPECT_THROW(check_step_grid(bad, "x"), ConfigError);
    bad = g;
    bad.step_s.pop_back();
    EXPECT_THROW(StepTimeGrid{bad}, ConfigError);
    EXPECT_NO_THROW(check_step_grid(g, "x"));
}

TEST(StepTimeGrid, LogSpacedIntegers) {
    EXPECT_EQ(log_spaced_integers(1, 16, 5), (std::vector<double>{1, 2, 4, 8, 16}));
    EXPECT_EQ(log_spaced_integers(1, 3, 6), (std::vector<double>{1, 2, 3})); // rounded duplicates dropped
    EXPECT_EQ(log_spaced_integers(128, 131072, 4), (std::vector<double>{128, 1290, 13004, 131072})); // × 1024^(1/3)
    EXPECT_EQ(log_spaced_integers(128, 131072, 11).size(), 11u);
    EXPECT_EQ(log_spaced_integers(128, 131072, 11)[3], 1024);
}

} // namespace
} // namespace moetwin::serving
