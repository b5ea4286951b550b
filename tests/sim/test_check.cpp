// SPDX-License-Identifier: Apache-2.0
// The fidelity harness (sim/check): verdict arithmetic, group selection, and each group's rows
// within tolerance (the CI gate `moetwin check` runs the same rows; this pins their figures).
#include "sim/check/checks.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace moetwin::check {
namespace {

CheckRow row(double published, double twin, double tol) {
    CheckRow r;
    r.group = "g", r.item = "i", r.source = "s", r.unit = "u";
    r.published = published, r.twin = twin, r.tolerance = tol;
    return r;
}

TEST(Check, VerdictIsRelativeErrorAgainstTolerance) {
    EXPECT_NEAR(row(200, 210, 0.05).error(), 0.05, 1e-12);
    EXPECT_TRUE(row(200, 210, 0.05).pass());
    EXPECT_FALSE(row(200, 211, 0.05).pass());
    EXPECT_FALSE(row(70272, 70273, 0).pass()); // exact rows fail on one unit
    EXPECT_TRUE(row(16, 16, 0).pass());
    CheckRow skipped = row(1, 100, 0);
    skipped.skipped  = true;
    EXPECT_TRUE(skipped.pass());
    CheckRow gap = row(100, 150, 0.05);
    gap.gated    = false;
    EXPECT_TRUE(gap.pass());
    EXPECT_FALSE(gap.within());
}

TEST(Check, TableCountsRowsOutsideTolerance) {
    const std::vector<CheckRow> rows{row(1, 1, 0), row(100, 120, 0.1), row(10, 10.5, 0.1)};
    std::ostringstream out;
    EXPECT_EQ(print_check_table(rows, out), 1);
    EXPECT_NE(out.str().find("OUTSIDE"), std::string::npos);
    EXPECT_NE(out.str().find("3 rows, 1 outside tolerance, 0 known gaps outside tolerance (not gated), 0 skipped"),
              std::string::npos)
        << out.str();
}

TEST(Check, UnknownGroupIsAnError) {
    const std::vector<std::string> names{"kernels", "nope"};
    try {
        run_checks({}, names);
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("unknown check group 'nope' (known: kernels"), std::string::npos);
    }
}

TEST(Check, ModelRowsReproduceTheirFigures) {
    const std::vector<std::string> names{"model"};
    const auto rows = run_checks({}, names);
    ASSERT_EQ(rows.size(), 5u);
    for (const CheckRow& r : rows)
        EXPECT_TRUE(r.pass()) << r.item << ": " << r.twin << " vs " << r.published;
    // ISCA'25 Table 2: 250 GFLOPS per token for DeepSeek-V3; ours from the op lists is 250.5 (sampling
    // over the vocabulary included).
    EXPECT_NEAR(rows[3].twin, 250.53, 0.05);
    EXPECT_NEAR(rows[4].twin, 155.3, 0.1);
}

TEST(Check, EveryGroupPasses) {
    std::ostringstream out;
    const auto rows = run_checks({}, {});
    EXPECT_GT(rows.size(), 40u);
    EXPECT_EQ(print_check_table(rows, out), 0) << out.str();
}

} // namespace
} // namespace moetwin::check
