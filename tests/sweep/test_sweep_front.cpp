// SPDX-License-Identifier: Apache-2.0
// The Pareto front (sim/sweep/sweep_run.hpp) on hand-computed sets, maximising both coordinates.
#include "sim/sweep/sweep_run.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace moetwin::sweep {
namespace {

TEST(ParetoFront, HandComputedSet) {
    // (x, y) = tokens/s per GPU, tokens/s per user.
    //  0 (1, 5)  front: nothing has x >= 1 and y >= 5 but itself
    //  1 (2, 4)  front, and 2 is its twin: equal points share the front
    //  2 (2, 4)  front
    //  3 (3, 1)  front: the largest x
    //  4 (1, 1)  dominated by 1 (and 0, 2, 3... 3 has y = 1, x = 3 > 1)
    //  5 (2, 3)  dominated by 1 (same x, larger y)
    //  6 (NaN, 9) never on the front (prefill: no tokens/s per user)
    //  7 (0.5, 5) dominated by 0 (same y, larger x)
    //  8 (3, 0.5) dominated by 3
    const std::vector<double> x  = {1, 2, 2, 3, 1, 2, NAN, 0.5, 3};
    const std::vector<double> y  = {5, 4, 4, 1, 1, 3, 9, 5, 0.5};
    const std::vector<bool> want = {true, true, true, true, false, false, false, false, false};
    EXPECT_EQ(pareto_front(x, y), want);
}

TEST(ParetoFront, ChainAndSinglePoint) {
    // A strict trade-off: every point is on the front; one point dominating all others: only it.
    EXPECT_EQ(pareto_front({1, 2, 3, 4}, {4, 3, 2, 1}), std::vector<bool>(4, true));
    EXPECT_EQ(pareto_front({1, 5, 3, 4}, {4, 5, 2, 1}), (std::vector<bool>{false, true, false, false}));
    EXPECT_EQ(pareto_front({}, {}), std::vector<bool>{});
    EXPECT_EQ(pareto_front({NAN}, {1}), std::vector<bool>{false});
}

TEST(ParetoFront, AgreesWithTheDefinitionOnAGrid) {
    // Every point of a 7x7 lattice with a bent trade-off, against the O(n^2) definition.
    std::vector<double> x, y;
    for (int i = 0; i < 7; ++i)
        for (int j = 0; j < 7; ++j) {
            x.push_back(i);
            y.push_back(double((i * 3 + j * 5) % 7) - 0.1 * i * i);
        }
    const std::vector<bool> front = pareto_front(x, y);
    int on                        = 0;
    for (std::size_t p = 0; p < x.size(); ++p) {
        bool dominated = false;
        for (std::size_t q = 0; q < x.size(); ++q)
            dominated = dominated || (x[q] >= x[p] && y[q] >= y[p] && (x[q] > x[p] || y[q] > y[p]));
        EXPECT_EQ(front[p], !dominated) << p;
        on += front[p];
    }
    EXPECT_GT(on, 1);
}

} // namespace
} // namespace moetwin::sweep
