// SPDX-License-Identifier: Apache-2.0
// The synthetic day: prefix structure on hand-computed cases (system prompts, multi-turn reuse, the
// context limit, the session cap), tenant mix, lengths, rates per hour, and byte-identical streams.
#include "sim/serving/traffic/synthetic.hpp"
#include "traffic_test_util.hpp"

#include <cmath>
#include <map>
#include <set>

using namespace moetwin::serving;
using namespace moetwin::serving::traffic;
using namespace traffic_test;

namespace {

LengthDist fixed(int64_t n) {
    LengthDist d;
    d.kind   = LengthKind::Fixed;
    d.tokens = n;
    return d;
}

SyntheticSpec one_tenant(double req_per_s, int64_t prompt, int64_t in, int64_t out, double p, double think_s) {
    SyntheticSpec s;
    s.duration_s = 86400;
    s.rate.unit  = ProfileUnit::ReqPerS;
    s.rate.hourly.assign(24, req_per_s);
    TenantSpec t;
    t.name                         = "t";
    t.system_prompt_tokens         = prompt;
    t.input                        = fixed(in);
    t.output                       = fixed(out);
    t.session.continue_probability = p;
    t.session.think_time_s         = think_s;
    s.tenants.push_back(t);
    return s;
}

std::vector<uint64_t> head(const std::vector<uint64_t>& v, std::size_t n) {
    return {v.begin(), v.begin() + n};
}

// Every field of every request, as bytes.
std::string serialise(RequestSource& s, std::size_t n) {
    std::string out;
    Request r;
    for (std::size_t i = 0; i < n && s.next(r); ++i) {
        out.append(reinterpret_cast<const char*>(&r.id), sizeof r.id);
        out.append(reinterpret_cast<const char*>(&r.arrival_s), sizeof r.arrival_s);
        out.append(reinterpret_cast<const char*>(&r.input_tokens), sizeof r.input_tokens);
        out.append(reinterpret_cast<const char*>(&r.output_tokens), sizeof r.output_tokens);
        out.append(reinterpret_cast<const char*>(&r.tenant), sizeof r.tenant);
        out.append(reinterpret_cast<const char*>(&r.session), sizeof r.session);
        out.append(reinterpret_cast<const char*>(r.prefix_blocks.data()), r.prefix_blocks.size_bytes());
    }
    return out;
}

} // namespace

TEST(Synthetic, MultiTurnReusesThePreviousTurnsBlocks) {
    // B = 512, prompt 1024 (2 shared blocks), 700 new tokens and 300 output tokens per turn, always continue,
    // no think time, context limit 4000 tokens.
    SyntheticSpec s      = one_tenant(10, 1024, 700, 300, 1.0, 0);
    s.max_context_tokens = 4000;
    const auto src       = open_synthetic(s, 512, 1);
    const auto v         = drain(*src, 5);
    // Turn 0: 1024 + 700 = 1724 tokens, 4 blocks; its context after the turn is 2024 tokens.
    EXPECT_EQ(v[0].r.input_tokens, 1724);
    ASSERT_EQ(v[0].blocks.size(), 4u);
    EXPECT_EQ(v[0].r.session, 0);
    // Turn 1: 2024 + 700 = 2724 tokens, 6 blocks; the first floor(1724 / 512) = 3 are turn 0's.
    EXPECT_EQ(v[1].r.input_tokens, 2724);
    ASSERT_EQ(v[1].blocks.size(), 6u);
    EXPECT_EQ(head(v[1].blocks, 3), head(v[0].blocks, 3));
    EXPECT_NE(v[1].blocks[3], v[0].blocks[3]); // turn 0's partial block 3 now holds other tokens
    EXPECT_EQ(v[1].r.session, 0);
    // Turn 2: 3024 + 700 = 3724 tokens, 8 blocks; the first floor(2724 / 512) = 5 are turn 1's.
    EXPECT_EQ(v[2].r.input_tokens, 3724);
    ASSERT_EQ(v[2].blocks.size(), 8u);
    EXPECT_EQ(head(v[2].blocks, 5), head(v[1].blocks, 5));
    EXPECT_NE(v[2].blocks[5], v[1].blocks[5]);
    // Turn 3 would need 4024 + 700 > 4000 tokens: the session ends and a new one starts from the prompt.
    EXPECT_EQ(v[3].r.input_tokens, 1724);
    EXPECT_EQ(v[3].r.session, 1);
    EXPECT_EQ(head(v[3].blocks, 2), head(v[0].blocks, 2)); // the shared system prompt
    EXPECT_NE(v[3].blocks[2], v[0].blocks[2]);             // but a different user
    EXPECT_EQ(head(v[4].blocks, 3), head(v[3].blocks, 3));
    // No block hash is shared except as designed: all 4 + 6 + 8 blocks of the first session contain
    // 4 + 3 (new in turn 1) + 3 (new in turn 2) distinct hashes.
    std::set<uint64_t> distinct;
    for (int i = 0; i < 3; ++i)
        distinct.insert(v[i].blocks.begin(), v[i].blocks.end());
    EXPECT_EQ(distinct.size(), 4u + 3u + 3u);
}

TEST(Synthetic, SingleTurnSharesOnlyTheSystemPrompt) {
    // Prompt 1300 tokens: floor(1300 / 512) = 2 shared blocks; block 2 mixes prompt and user tokens.
    const auto src = open_synthetic(one_tenant(10, 1300, 100, 5, 0.0, 0), 512, 3);
    const auto v   = drain(*src, 200);
    std::set<uint64_t> third;
    for (const Owned& o : v) {
        ASSERT_EQ(o.r.input_tokens, 1400);
        ASSERT_EQ(o.blocks.size(), 3u);
        EXPECT_EQ(head(o.blocks, 2), head(v[0].blocks, 2));
        third.insert(o.blocks[2]);
        EXPECT_EQ(o.r.session, -1);
    }
    EXPECT_EQ(third.size(), v.size());
}

TEST(Synthetic, ThinkTimeSpacesTurnsAndTheSessionCapHolds) {
    // 1 req/s, every session continues, think time 30 s on average.
    const auto src = open_synthetic(one_tenant(1, 0, 10, 10, 1.0, 30), 512, 5);
    const auto v   = drain(*src, 5000);
    std::map<int64_t, double> last;
    for (const Owned& o : v) {
        ASSERT_GE(o.r.session, 0);
        if (const auto it = last.find(o.r.session); it != last.end()) EXPECT_GE(o.r.arrival_s, it->second);
        last[o.r.session] = o.r.arrival_s;
    }
    // Sessions never end here (contexts stay far below the limit for 5000 requests): every arrival that found
    // no ready session opened one, about rate x think time = 30 of them, never many more.
    EXPECT_GT(last.size(), 10u);
    EXPECT_LT(last.size(), 120u);

    SyntheticSpec capped     = one_tenant(1, 0, 10, 10, 1.0, 1e9); // no session is ever ready again
    capped.max_open_sessions = 2;
    const auto c             = open_synthetic(capped, 512, 5);
    const auto w             = drain(*c, 50);
    EXPECT_EQ(w[0].r.session, 0);
    EXPECT_EQ(w[1].r.session, 1);
    for (std::size_t i = 2; i < w.size(); ++i)
        EXPECT_EQ(w[i].r.session, -1) << i;
}

TEST(Synthetic, TenantMixLengthsAndPrompts) {
    SyntheticSpec s        = one_tenant(100, 2048, 1, 1, 0, 0);
    s.tenants[0].weight    = 3;
    s.tenants[0].input     = LengthDist{LengthKind::LogNormal, 1, 2000, 1.0};
    TenantSpec b           = s.tenants[0];
    b.name                 = "b";
    b.weight               = 1;
    b.system_prompt_tokens = 512;
    b.output               = fixed(77);
    s.tenants.push_back(b);
    const auto src      = open_synthetic(s, 512, 8);
    const auto v        = drain(*src, 100000);
    const Owned* ref[2] = {nullptr, nullptr}; // the first request of each tenant
    for (const Owned& o : v)
        if (!ref[o.r.tenant]) ref[o.r.tenant] = &o;
    ASSERT_TRUE(ref[0] && ref[1]);
    EXPECT_EQ(ref[0]->blocks.size(), (2048 + ref[0]->r.input_tokens - 2048 + 511) / 512);
    EXPECT_NE(ref[0]->blocks.front(), ref[1]->blocks.front());
    double n0 = 0, sum_user = 0;
    for (const Owned& o : v) {
        const bool a = o.r.tenant == 0;
        n0 += a;
        sum_user += double(o.r.input_tokens - (a ? 2048 : 512));
        // Tenant 0 shares its 4 prompt blocks, tenant 1 its 1.
        const std::size_t shared = a ? 4 : 1;
        ASSERT_GE(o.blocks.size(), shared + 1);
        EXPECT_EQ(head(o.blocks, shared), head(ref[o.r.tenant]->blocks, shared));
        if (o.r.id != ref[o.r.tenant]->r.id) EXPECT_NE(o.blocks[shared], ref[o.r.tenant]->blocks[shared]);
        if (!a) EXPECT_EQ(o.r.output_tokens, 77);
    }
    // Weights 3:1 -> 75 % (binomial sd 0.14 % at n = 1e5).
    EXPECT_NEAR(n0 / double(v.size()), 0.75, 5 * 0.00137);
    // Lognormal mean 2000, sigma 1: sd = 2000 sqrt(e - 1) = 2622; standard error 8.3 at 1e5.
    EXPECT_NEAR(sum_user / double(v.size()), 2000, 5 * 8.3 + 1);
}

TEST(Synthetic, HourlyRateFollowsARelativeProfile) {
    SyntheticSpec s       = one_tenant(1, 0, 10, 10, 0.5, 5);
    s.rate.unit           = ProfileUnit::Relative;
    s.rate.hourly         = {1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 2, 2, 1, 1};
    s.rate.mean_req_per_s = 4; // mean of the values is 62 / 24: hour h's rate is v_h * 4 * 24 / 62
    s.cv                  = 1.5;
    const auto src        = open_synthetic(s, 512, 12);
    std::vector<double> count(24, 0);
    Request r;
    while (src->next(r))
        ++count[static_cast<std::size_t>(r.arrival_s / 3600)];
    for (int h = 0; h < 24; ++h) {
        const double expected = s.rate.hourly[h] * 4 * 24 / 62 * 3600;
        EXPECT_NEAR(count[h], expected, 5 * 1.5 * std::sqrt(expected)) << h;
    }
}

TEST(Synthetic, SameSeedSameBytes) {
    SyntheticSpec s     = one_tenant(50, 600, 1, 1, 0.6, 3);
    s.tenants[0].input  = LengthDist{LengthKind::LogNormal, 1, 1500, 1.2};
    s.tenants[0].output = LengthDist{LengthKind::LogNormal, 1, 300, 0.8};
    s.cv                = 2.5;
    const auto a = open_synthetic(s, 512, 42), b = open_synthetic(s, 512, 42), c = open_synthetic(s, 512, 43);
    const std::string x = serialise(*a, 50000), y = serialise(*b, 50000), z = serialise(*c, 50000);
    EXPECT_GT(x.size(), 50000u * 44);
    EXPECT_EQ(x, y);
    EXPECT_NE(x, z);
}

TEST(Synthetic, EmpiricalLengthsDrawFromTheFile) {
    const fs::path p    = write_file("emp.csv", "num_prefill_tokens,num_decode_tokens\n10,1\n20,2\n30,3\n40,4\n");
    SyntheticSpec s     = one_tenant(10, 0, 1, 1, 0, 0);
    s.tenants[0].input  = LengthDist{LengthKind::Empirical, 1, 1, 0, TraceFormat::LengthsCsv, p, ""};
    s.tenants[0].output = LengthDist{LengthKind::Empirical, 1, 1, 0, TraceFormat::LengthsCsv, p, ""};
    const auto src      = open_synthetic(s, 512, 2);
    std::map<int64_t, int> in, out;
    for (const Owned& o : drain(*src, 40000)) {
        ++in[o.r.input_tokens];
        ++out[o.r.output_tokens];
    }
    ASSERT_EQ(in.size(), 4u);
    ASSERT_EQ(out.size(), 4u);
    for (const auto& [v, n] : in) // 1/4 each: binomial sd 0.22 % at 40,000
        EXPECT_NEAR(n / 40000.0, 0.25, 5 * 0.0022) << v;
    EXPECT_EQ(in.begin()->first, 10);
    EXPECT_EQ(out.rbegin()->first, 4);
}
