// SPDX-License-Identifier: Apache-2.0
// The DeepEP calibration table as a regression: every target row within 10 % of DeepEP's published
// figure, and within 1 % of the value recorded when the defaults were fitted (catches drift).
#include "sim/network/deepep_calibration.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace moetwin {
namespace {

// Simulated values printed by `moetwin bench comm` with the default calibration (FT2, seed 1):
// GB/s for normal rows, us for low-latency rows, in deepep_published_rows() order.
constexpr double kRecorded[] = {147.8, 149.6, 44.9,  45.3,  57.8,  58.5,  49.1,  49.7,  160.6, 301.7,
                                179.1, 337.4, 182.9, 344.8, 195.5, 368.3, 189.0, 355.7, 193.2, 363.8};

TEST(NetworkCalibration, EveryPublishedRowWithinTolerance) {
    CalibrationSetup setup;
    setup.use_simgrid = false; // the same fluid solver the SimGrid backend calls, without an engine
    const auto rows   = run_calibration(setup, deepep_published_rows());
    ASSERT_EQ(rows.size(), std::size(kRecorded));
    std::ostringstream table;
    print_calibration_table(rows, table);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        SCOPED_TRACE(table.str());
        EXPECT_LE(std::abs(r.error), kCalibrationTolerance) << "row " << i;
        const double value = r.published.mode == DeepEpMode::LowLatency ? r.simulated_us : r.simulated_GBps;
        EXPECT_NEAR(value, kRecorded[i], 0.01 * kRecorded[i]) << "row " << i;
    }
}

TEST(NetworkCalibration, SimGridRunMatchesInProcessSolve) {
    // EP16 rows through SimGrid actors (forked child) must reproduce the in-process numbers.
    std::vector<PublishedRow> rows;
    for (const PublishedRow& r : deepep_published_rows())
        if (r.ep == 16) rows.push_back(r);
    CalibrationSetup in_process;
    in_process.use_simgrid = false;
    const auto a           = run_calibration(in_process, rows);
    const auto b           = run_calibration(CalibrationSetup{}, rows);
    for (std::size_t i = 0; i < rows.size(); ++i)
        EXPECT_NEAR(a[i].simulated_us, b[i].simulated_us, 1e-6);
}

TEST(NetworkCalibration, SimGridFlowsAgreeWithTheFluidModelOnMakespan) {
    std::vector<PublishedRow> rows;
    for (const PublishedRow& r : deepep_published_rows())
        if (r.ep == 16) rows.push_back(r);
    CalibrationSetup flows;
    flows.backend = CommBackend::SimGridFlows;
    const auto a  = run_calibration(CalibrationSetup{}, rows);
    const auto b  = run_calibration(flows, rows);
    for (std::size_t i = 0; i < rows.size(); ++i)
        EXPECT_NEAR(a[i].simulated_us, b[i].simulated_us, 0.01 * b[i].simulated_us) << "row " << i;
}

TEST(NetworkCalibration, ProxyRowsAreNotMetAndSayWhy) {
    // The released internode rows (CPU-proxy RDMA) are 25-31 % below the IBGDA model at EP32: the
    // model does not represent NVSHMEM's proxy thread. Recorded so a change there is noticed.
    CalibrationSetup setup;
    setup.use_simgrid = false;
    const auto rows   = run_calibration(setup, deepep_proxy_rows());
    EXPECT_GT(rows[2].error, 0.2);
    EXPECT_LE(std::abs(rows[0].error), kCalibrationTolerance);
}

} // namespace
} // namespace moetwin
