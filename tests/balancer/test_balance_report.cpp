// SPDX-License-Identifier: Apache-2.0
// `moetwin balance`'s evaluation on the shipped sample: every policy measured, ours beat EPLB,
// the table and CSVs are well formed, and mismatched fit/eval loads are rejected.
#include "moe/expert_load_json.hpp"
#include "sim/balancer/balance_report.hpp"
#include "test_helpers.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace moetwin::balancer {
namespace {

BalanceRequest sample_request() {
    BalanceRequest r;
    r.fit               = load_expert_load(test::sample_loads_path());
    r.eval              = r.fit;
    r.spec              = {288, 8, 4, 32};
    r.tokens.num_tokens = 1024;
    r.timing_repeats    = 1;
    return r;
}

std::map<std::string, PolicyResult> by_name(const std::vector<PolicyResult>& v) {
    std::map<std::string, PolicyResult> m;
    for (const auto& r : v)
        m[r.policy] = r;
    return m;
}

TEST(BalanceReport, OursBeatEplbOnSample) {
    const auto results = evaluate_policies(sample_request());
    ASSERT_EQ(results.size(), placement_policies().size());
    auto m = by_name(results);
    for (const auto& [name, r] : m) {
        EXPECT_TRUE(r.skipped.empty()) << name;
        EXPECT_EQ(r.balance.layer_ratio.size(), 6u) << "dense layer 0 dropped";
        EXPECT_EQ(r.layers.front(), 1);
    }
    EXPECT_EQ(eplb_choice(sample_request().spec), "eplb_hierarchical");
    for (const char* ours : {"lpt_swap", "group_affine"}) {
        EXPECT_LT(m[ours].balance.mean_ratio, m["eplb_hierarchical"].balance.mean_ratio) << ours;
        EXPECT_LT(m[ours].balance.mean_ratio, m["eplb_global"].balance.mean_ratio) << ours;
        EXPECT_LT(m[ours].balance.worst_ratio, m["eplb_global"].balance.worst_ratio) << ours;
    }
    // group_affine keeps node locality: fewer IB bytes than EPLB's global policy.
    EXPECT_LT(m["group_affine"].traffic.ib_bytes_per_token, m["eplb_global"].traffic.ib_bytes_per_token);
    EXPECT_GT(m["none"].balance.mean_ratio, 1.5);
}

TEST(BalanceReport, TableAndCsv) {
    BalanceRequest req = sample_request();
    req.policies       = {"eplb_global", "lpt_swap"};
    req.spec           = {288, 8, 18, 144}; // decode unit: hierarchical does not apply
    req.policies.push_back("eplb_hierarchical");
    const auto results = evaluate_policies(req);
    ASSERT_EQ(results.size(), 3u);
    EXPECT_NE(results[2].skipped.find("multiple of num_nodes"), std::string::npos);
    std::ostringstream table, csv, layers;
    print_balance_table(results, req, table);
    EXPECT_NE(table.str().find("eplb_global"), std::string::npos);
    EXPECT_NE(table.str().find("skipped"), std::string::npos);
    write_balance_csv(results, csv);
    const std::string c = csv.str();
    EXPECT_EQ(c.rfind("policy,skipped,busiest_over_mean_mean,", 0), 0u);
    EXPECT_EQ(std::count(c.begin(), c.end(), '\n'), 4);
    write_balance_layers_csv(results, layers);
    const std::string l = layers.str();
    EXPECT_EQ(std::count(l.begin(), l.end(), '\n'), 1 + 2 * 6);
}

TEST(BalanceReport, FitAndEvalMustMatch) {
    BalanceRequest req = sample_request();
    req.eval           = test::random_load(3, 256, 1);
    EXPECT_THROW(evaluate_policies(req), ConfigError);
    req          = sample_request();
    req.dispatch = "nearest";
    EXPECT_THROW(evaluate_policies(req), ConfigError);
}

} // namespace
} // namespace moetwin::balancer
