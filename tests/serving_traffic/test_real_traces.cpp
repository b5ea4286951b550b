// SPDX-License-Identifier: Apache-2.0
// The readers on the shipped traces (../shared/data/traces; skipped when absent): counts and mean lengths as
// ../shared/data/README.md states them, and Mooncake's unlimited-cache prefix reuse (~37 % of input tokens).
#include "sim/serving/traffic/trace_readers.hpp"
#include "traffic_test_util.hpp"

#include <unordered_set>

using namespace moetwin::serving;
using namespace moetwin::serving::traffic;
using namespace traffic_test;

namespace {

struct Stats {
    int64_t n     = 0;
    double in_sum = 0, out_sum = 0, last_s = 0, reused_tokens = 0;
    bool sorted = true;
};

// Reuse with an unlimited cache: a request hits the longest run of leading blocks seen before (chained
// hashes: a block can only be reused when every block before it is), counted in tokens.
Stats scan(TraceFormat f, const fs::path& p) {
    Stats s;
    const auto src = open_trace(f, p, ArrivalSpec{10.0, 1.0}, 1);
    std::unordered_set<uint64_t> seen;
    Request r;
    double prev = 0;
    while (src->next(r)) {
        EXPECT_EQ(r.id, s.n);
        s.sorted = s.sorted && r.arrival_s >= prev;
        prev     = r.arrival_s;
        ++s.n;
        s.in_sum += double(r.input_tokens);
        s.out_sum += double(r.output_tokens);
        s.last_s      = r.arrival_s;
        std::size_t k = 0;
        while (k < r.prefix_blocks.size() && seen.count(r.prefix_blocks[k]))
            ++k;
        s.reused_tokens += double(std::min<int64_t>(int64_t(k) * kDefaultBlockTokens, r.input_tokens));
        seen.insert(r.prefix_blocks.begin(), r.prefix_blocks.end());
    }
    return s;
}

#define SKIP_WITHOUT(file)                                                                                             \
    if (!fs::exists(shared_traces() / file)) GTEST_SKIP() << "no " << file << " (../shared/data absent)"

} // namespace

TEST(RealTraces, AzureCode) {
    SKIP_WITHOUT("azure_llm_2023_code.csv");
    const Stats s = scan(TraceFormat::AzureCsv, shared_traces() / "azure_llm_2023_code.csv");
    EXPECT_EQ(s.n, 8819);
    EXPECT_TRUE(s.sorted);
    EXPECT_NEAR(s.in_sum / s.n, 2048, 1.0); // README: mean in 2,048
    EXPECT_NEAR(s.out_sum / s.n, 28, 0.5);  // README: mean out 28
    EXPECT_NEAR(s.last_s / 60, 57, 0.5);    // README: 57 min (3,435.9 s)
}

TEST(RealTraces, AzureConv) {
    SKIP_WITHOUT("azure_llm_2023_conv.csv");
    const Stats s = scan(TraceFormat::AzureCsv, shared_traces() / "azure_llm_2023_conv.csv");
    EXPECT_EQ(s.n, 19366);
    EXPECT_NEAR(s.in_sum / s.n, 1155, 1.0); // README: mean in 1,155
    EXPECT_NEAR(s.out_sum / s.n, 211, 0.5); // README: mean out 211
    EXPECT_NEAR(s.last_s / 60, 58, 0.5);    // README: 58 min
}

TEST(RealTraces, MooncakeConversation) {
    SKIP_WITHOUT("mooncake_fast25_conversation_trace.jsonl.gz");
    const Stats s = scan(TraceFormat::MooncakeJsonl, shared_traces() / "mooncake_fast25_conversation_trace.jsonl.gz");
    EXPECT_EQ(s.n, 12031);
    EXPECT_NEAR(s.in_sum / s.n, 12035, 1.0); // README: mean input 12,035
    EXPECT_NEAR(s.out_sum / s.n, 343, 0.5);  // README: mean output 343
    EXPECT_NEAR(s.last_s / 60, 59, 0.5);     // README: 59 min
    // README: "an unlimited cache would reuse about 37 % of input tokens" (37.36 % counted this way).
    EXPECT_NEAR(s.reused_tokens / s.in_sum, 0.37, 0.005);
}

TEST(RealTraces, ShareGptLengths) {
    SKIP_WITHOUT("sharegpt_8k_filtered_lengths_llama2_tokenizer.csv.gz");
    const Stats s =
        scan(TraceFormat::LengthsCsv, shared_traces() / "sharegpt_8k_filtered_lengths_llama2_tokenizer.csv.gz");
    EXPECT_EQ(s.n, 30731);
    // Not stated in the README; computed from the file by an independent script (python csv): 2,340.03 / 438.71.
    EXPECT_NEAR(s.in_sum / s.n, 2340.03, 0.01);
    EXPECT_NEAR(s.out_sum / s.n, 438.71, 0.01);
    // Generated Poisson arrivals at 10 req/s: 30,731 gaps of mean 0.1 s (sd of the sum 17.5 s).
    EXPECT_NEAR(s.last_s, 3073.1, 5 * 17.5);
}
