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

// A prefill grid with planes q = cached tokens per new token: plane k holds f(batch, c_new, cached[k]).
StepGrid prefill_grid_of(const std::vector<double>& q, const std::function<double(double, double, double)>& f,
                         GridInterpolation how) {
    StepGrid g;
    g.phase         = Phase::Prefill;
    g.interpolation = how;
    g.batch         = kBatch;
    g.context       = kContext;
    g.cached        = q;
    for (const double z : q)
        for (const double x : kBatch)
            for (const double y : kContext)
                g.step_s.push_back(f(x, y, z));
    return g;
}

// The shape of prompts of N new tokens after P cached ones: context P + (N + 1) / 2, q = P / N.
StepShape prompt_shape(double batch, double n, double p) {
    return {batch, p + (n + 1) / 2, p / n};
}

TEST(StepTimeGrid, CachedAxisMapsPromptsAndIsLinearInQ) {
    // c_new = (c − 1/2) / (2q + 1) + 1/2 recovers the new tokens' part (N + 1) / 2 of the context.
    EXPECT_EQ(grid_context(Phase::Prefill, prompt_shape(1000, 255, 0)), 128);
    EXPECT_DOUBLE_EQ(grid_context(Phase::Prefill, prompt_shape(1000, 255, 8160)), 128); // q = 32
    EXPECT_DOUBLE_EQ(grid_context(Phase::Prefill, prompt_shape(1000, 1023, 3000)), 512);
    EXPECT_EQ(grid_context(Phase::Decode, {8, 4096, 0}), 4096);
    // Exact for t = (bilinear in batch, c_new) + q · (bilinear in batch, c_new), the form of a step whose
    // kv_b_proj rows and attention pairs grow affinely with the cached keys; inside and beyond the last plane.
    const auto f = [](double b, double c, double q) {
        return 0.02 + 1e-4 * b + 3e-7 * c + 2e-8 * b * c + q * (1e-3 + 4e-6 * b + 1e-9 * b * c);
    };
    for (const GridInterpolation how : {GridInterpolation::Bilinear}) {
        const StepTimeGrid model(prefill_grid_of({0, 4, 32}, f, how));
        for (const double b : {1.0, 2.5, 50.0, 200.0})
            for (const double n : {255.0, 1023.0, 5000.0})
                for (const double p : {0.0, 100.0, 3000.0, 100000.0}) {
                    const StepShape sh = prompt_shape(b, n, p);
                    const double want  = f(b, (n + 1) / 2, p / n);
                    EXPECT_NEAR(model.step_s(sh), want, 1e-12 * want) << b << "," << n << "," << p;
                }
    }
    // q = 0 reads plane 0 only, exactly as a grid without the cached axis.
    int k            = 0;
    const StepGrid g = prefill_grid_of(
        {0, 32}, [&](double, double, double) { return 0.01 + 0.001 * ((k++ * 7919) % 13); },
        GridInterpolation::Bilinear);
    StepGrid flat = g;
    flat.cached   = {0};
    flat.step_s.resize(kBatch.size() * kContext.size());
    for (const double b : {1.0, 7.0, 81.0, 100.0})
        for (const double c : {128.0, 300.0, 8192.0})
            EXPECT_EQ(interpolate_step_s(g, {b, c}), interpolate_step_s(flat, {b, c}));
    // Every grid point, bit for bit, reached through its prompt shape.
    for (std::size_t p = 0; p < g.cached.size(); ++p)
        for (std::size_t i = 0; i < kBatch.size(); ++i)
            for (std::size_t j = 0; j < kContext.size(); ++j) {
                const double n = 2 * kContext[j] - 1;
                EXPECT_EQ(interpolate_step_s(g, prompt_shape(kBatch[i], n, g.cached[p] * n)), g.at(i, j, p));
            }
    // A one-plane prefill grid (built without the cached axis) reads the shape's whole context.
    EXPECT_EQ(interpolate_step_s(flat, prompt_shape(9, 255, 255)), interpolate_step_s(flat, {9, 383}));
}

TEST(StepTimeGrid, RejectsBadCachedAxes) {
    StepGrid g = prefill_grid_of(
        {0, 8}, [](double, double, double) { return 0.1; }, GridInterpolation::Bilinear);
    EXPECT_NO_THROW(check_step_grid(g, "x"));
    StepGrid bad = g;
    bad.cached   = {1, 8}; // no plane 0
    EXPECT_THROW(check_step_grid(bad, "x"), ConfigError);
    bad        = g;
    bad.cached = {0, 0};
    EXPECT_THROW(check_step_grid(bad, "x"), ConfigError);
    bad        = g;
    bad.cached = {0, 8, 16}; // a plane short
    EXPECT_THROW(check_step_grid(bad, "x"), ConfigError);
    bad       = g;
    bad.phase = Phase::Decode; // decode has no cached prefix
    EXPECT_THROW(check_step_grid(bad, "x"), ConfigError);
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
