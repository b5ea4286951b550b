// SPDX-License-Identifier: Apache-2.0
// Gamma draws and the non-homogeneous Gamma renewal process: moments, realised hourly rates against the
// profile, realised CV against the target.
#include "sim/serving/traffic/arrivals.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace moetwin;
using namespace moetwin::serving::traffic;

namespace {

struct Moments {
    double mean, var;
};

Moments moments(const std::vector<double>& x) {
    double s = 0, s2 = 0;
    for (const double v : x)
        s += v;
    const double m = s / double(x.size());
    for (const double v : x)
        s2 += (v - m) * (v - m);
    return {m, s2 / double(x.size() - 1)};
}

} // namespace

TEST(GammaDraw, MeanAndVarianceEqualTheShape) {
    for (const double shape : {0.04, 0.3, 1.0, 2.5, 25.0}) {
        Rng rng(11, 3);
        std::vector<double> x(400000);
        for (double& v : x)
            v = gamma_draw(rng, shape);
        const Moments m = moments(x);
        // Standard error of the mean sqrt(shape / n); of the variance ~ sqrt((2 + 6 / shape) shape^2 / n).
        const double se_mean = std::sqrt(shape / double(x.size()));
        const double se_var  = std::sqrt((2 + 6 / shape) * shape * shape / double(x.size()));
        EXPECT_NEAR(m.mean, shape, 5 * se_mean) << shape;
        EXPECT_NEAR(m.var, shape, 5 * se_var) << shape;
    }
}

TEST(ArrivalProcess, RealisedCvMatchesTheTarget) {
    for (const double cv : {0.0, 0.5, 1.0, 2.0, 4.0}) {
        ArrivalProcess a({50.0}, cv, Rng(5, 9));
        std::vector<double> gaps;
        double prev = 0;
        for (int i = 0; i < 200000; ++i) {
            const double t = a.next_s();
            gaps.push_back(t - prev);
            prev = t;
        }
        const Moments m = moments(gaps);
        EXPECT_NEAR(m.mean, 1.0 / 50, 0.02 * (1.0 / 50) * std::max(1.0, cv)) << cv;
        // The sample CV of Gamma gaps converges slowly for heavy CVs: 5 % relative (the kurtosis of Gamma(1/16)
        // is 6 cv^2 + 3 = 99; the CV's relative standard error is ~ sqrt(kurtosis / (4 n)) = 1.1 % at n = 2e5).
        EXPECT_NEAR(std::sqrt(m.var) / m.mean, cv, 0.05 * std::max(cv, 0.01)) << cv;
    }
}

TEST(ArrivalProcess, HourlyCountsFollowTheProfile) {
    // A day whose rate varies 20x, with a dead hour (rate 0) and Gamma CV 2 (bursty).
    std::vector<double> rate(24);
    for (int h = 0; h < 24; ++h)
        rate[h] = h == 3 ? 0.0 : 1.0 + 19.0 * (0.5 - 0.5 * std::cos(2 * M_PI * h / 24.0));
    for (const double cv : {1.0, 2.0}) {
        ArrivalProcess a(rate, cv, Rng(21, 2));
        std::vector<int64_t> count(24 * 10, 0); // 10 days
        double prev = 0;
        for (;;) {
            const double t = a.next_s();
            ASSERT_GE(t, prev);
            prev = t;
            if (t >= 10 * 86400) break;
            ++count[static_cast<std::size_t>(t / 3600)];
        }
        for (int h = 0; h < 24; ++h) {
            int64_t n = 0;
            for (int d = 0; d < 10; ++d)
                n += count[d * 24 + h];
            const double expected = rate[h] * 3600 * 10;
            // A renewal count over a long window has variance ~ cv^2 x mean (its asymptotic index of dispersion).
            const double sd = std::sqrt(std::max(expected, 1.0)) * cv;
            EXPECT_NEAR(double(n), expected, 5 * sd + 1) << "hour " << h << " cv " << cv;
        }
    }
}

TEST(ArrivalProcess, SameSeedSameTimes) {
    ArrivalProcess a({3.0, 7.0}, 1.7, Rng(99)), b({3.0, 7.0}, 1.7, Rng(99)), c({3.0, 7.0}, 1.7, Rng(98));
    bool differs = false;
    for (int i = 0; i < 10000; ++i) {
        const double x = a.next_s(), y = b.next_s(), z = c.next_s();
        EXPECT_EQ(x, y);
        differs = differs || x != z;
    }
    EXPECT_TRUE(differs);
}
