// SPDX-License-Identifier: Apache-2.0
// RunResult helpers: lane names, span order and lookup, busy time from spans, summary, validate().
#include "sim/result/result.hpp"

#include "common/errors.hpp"
#include "sample_result.hpp"

#include <gtest/gtest.h>

using namespace moetwin;

namespace {

std::string validate_message(const RunResult& r) {
    try {
        validate(r);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "valid";
}

} // namespace

TEST(RunResult, SpanIsSmall) {
    EXPECT_LE(sizeof(Span), 32u);
}

TEST(RunResult, LaneNamesRoundTrip) {
    for (const Lane lane : {Lane::Compute, Lane::Dispatch, Lane::Combine})
        EXPECT_EQ(lane_from_string(to_string(lane)), lane);
    EXPECT_EQ(to_string(Lane::Dispatch), "dispatch");
    EXPECT_FALSE(lane_from_string("Compute").has_value());
}

TEST(RunResult, SampleIsValid) {
    EXPECT_EQ(validate_message(test::sample_result()), "valid");
}

TEST(RunResult, LaneSpansAreSortedRanges) {
    const RunResult r = test::sample_result();
    const auto c0     = lane_spans(r, 0, Lane::Compute);
    ASSERT_EQ(c0.size(), 4u);
    EXPECT_EQ(c0[0].begin_ns, 0);
    EXPECT_EQ(c0[2].begin_ns, 3000);
    EXPECT_EQ(r.op_names[c0[2].op], "expert_gemm");
    EXPECT_EQ(c0[3].layer, 1);
    EXPECT_EQ(lane_spans(r, 3, Lane::Dispatch).size(), 1u);
    EXPECT_TRUE(lane_spans(r, 1, Lane::Combine).empty());
    EXPECT_TRUE(lane_spans(r, 7, Lane::Compute).empty());
}

TEST(RunResult, InternOpReusesNames) {
    RunResult r;
    EXPECT_EQ(intern_op(r, "attn"), 0);
    EXPECT_EQ(intern_op(r, "moe_gate"), 1);
    EXPECT_EQ(intern_op(r, "attn"), 0);
    EXPECT_EQ(r.op_names.size(), 2u);
}

TEST(RunResult, BusyTimeIsTheUnionOfSpans) {
    const RunResult r = test::sample_result();
    const auto busy   = busy_from_spans(r);
    ASSERT_EQ(busy.size(), 4u);
    EXPECT_EQ(busy[0].lane_ns[int(Lane::Compute)], 1500 + 250 + 2234 + 3000);
    EXPECT_EQ(busy[0].lane_ns[int(Lane::Dispatch)], 1250);
    EXPECT_EQ(busy[0].lane_ns[int(Lane::Combine)], 766);
    EXPECT_EQ(busy[0].any_ns, 9000);
    EXPECT_EQ(busy[2].lane_ns[int(Lane::Compute)], 1005); // touching spans
    EXPECT_EQ(busy[3].any_ns, 700);
    EXPECT_EQ(r.gpus[0].idle_ns, 1000);
    EXPECT_EQ(r.gpus[3].idle_ns, 9300);
    EXPECT_EQ(r.gpus[3].dispatch_ns, 600);

    RunResult overlap = r; // overlapping spans on one lane count once
    overlap.spans.push_back(Span{1000, 2000, 1, Lane::Compute, 0, 0, 0});
    sort_spans(overlap.spans);
    EXPECT_EQ(busy_from_spans(overlap)[1].lane_ns[int(Lane::Compute)], 2000);
}

TEST(RunResult, SummaryFromCountersAndLinks) {
    const RunResult r = test::sample_result();
    const Summary& s  = r.summary;
    EXPECT_EQ(s.slowest_gpu, 0);
    EXPECT_EQ(s.slowest_gpu_busy_ns, 9000);
    EXPECT_EQ(s.tokens_per_s_per_gpu, 12'800'000.0);
    EXPECT_EQ(s.tokens_per_s_per_node, 25'600'000.0);
    EXPECT_EQ(r.links[0].utilisation, 0.625);
    EXPECT_DOUBLE_EQ(r.links[1].utilisation, 0.6);
    EXPECT_DOUBLE_EQ(r.links[2].utilisation, 77777 / 640000.0);
    EXPECT_EQ(s.busiest_link, "n0.gpu0->nvswitch");
    EXPECT_DOUBLE_EQ(s.max_link_utilisation, 0.625);
}

TEST(RunResult, ValidateNamesTheProblem) {
    RunResult r     = test::sample_result();
    r.meta.num_gpus = 5;
    EXPECT_EQ(validate_message(r), "meta.num_gpus: expected num_nodes * gpus_per_node = 4, got 5");

    r                   = test::sample_result();
    r.spans[2].begin_ns = 1000; // before spans[1] (1500) on the same lane
    EXPECT_EQ(validate_message(r), "spans (gpu 0 compute, row 2): out of order; spans must be sorted by "
                                   "(gpu, lane, begin_ns, end_ns, layer, micro_batch, op)");

    r                 = test::sample_result();
    r.spans[0].end_ns = -1;
    EXPECT_EQ(validate_message(r), "spans (gpu 0 compute, row 0): end_ns -1 is before begin_ns 0");

    r                          = test::sample_result();
    r.spans.back().micro_batch = 2;
    EXPECT_EQ(validate_message(r),
              "spans (gpu 3 dispatch, row 0): micro_batch 2 outside [-1, meta.num_micro_batches 2)");

    r              = test::sample_result();
    r.gpus[2].node = 0;
    EXPECT_EQ(validate_message(r), "gpus[2].node: expected 1, got 0");

    r                    = test::sample_result();
    r.experts.phy2log[1] = {3, 2, 1, 1, 1, 1, 1, 2};
    EXPECT_EQ(validate_message(r), "experts.phy2log[1]: logical expert 0 has no slot");

    r               = test::sample_result();
    r.links[1].kind = "infiniband";
    EXPECT_EQ(validate_message(r), "links[1].kind: expected \"nvlink\", \"pcie\" or \"ib\", got \"infiniband\"");

    r                      = test::sample_result();
    r.summary.busiest_link = "nope";
    EXPECT_EQ(validate_message(r), "summary.busiest_link: \"nope\" is not the name of any entry in links");

    r = test::sample_result();
    r.op_names.push_back("attn");
    EXPECT_EQ(validate_message(r), "op_names[6]: duplicate name \"attn\"");
}

TEST(RunResult, DenseLayersAndUntimedResultsAreValid) {
    RunResult r          = test::sample_result();
    r.experts.tokens[0]  = {};
    r.experts.phy2log[0] = {};
    EXPECT_EQ(validate_message(r), "valid");
    r.experts.tokens[0] = {1, 2, 3, 4};
    EXPECT_EQ(validate_message(r), "experts.phy2log[0]: must be empty exactly when experts.tokens[0] is (a dense "
                                   "layer), got 0 and 4 entries");

    r                          = test::sample_result();
    r.summary.timing_simulated = false;
    EXPECT_EQ(validate_message(r), "spans: must be empty when summary.timing_simulated is false, got 11 spans");
    r.spans.clear();
    EXPECT_EQ(validate_message(r), "valid");
}
