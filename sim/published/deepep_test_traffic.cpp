// SPDX-License-Identifier: Apache-2.0
// deepep_test_traffic(): node-limited top-k over iid scores, per rank and token.
#include "sim/published/deepep_test_traffic.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace moetwin {
namespace {

class Xoshiro256 { // xoshiro256** (Blackman & Vigna), seeded by splitmix64
  public:
    explicit Xoshiro256(std::uint64_t seed) {
        for (auto& w : s_) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z               = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z               = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            w               = z ^ (z >> 31);
        }
    }
    std::uint64_t next() {
        const std::uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
        s_[2] ^= s_[0], s_[3] ^= s_[1], s_[1] ^= s_[2], s_[0] ^= s_[3], s_[2] ^= t, s_[3] = rotl(s_[3], 45);
        return r;
    }
    int below(int n) { return int((next() >> 33) % std::uint64_t(n)); }

  private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
};

} // namespace

DeepEpTestSettings deepep_normal_test(int ep, std::uint64_t seed) {
    DeepEpTestSettings s;
    s.mode            = DeepEpMode::Normal;
    s.num_ranks       = ep;
    s.num_tokens      = 4096;
    s.num_experts     = (256 / ep) * ep;
    s.num_topk        = 8;
    s.num_topk_groups = ep > s.gpus_per_node ? std::min(s.num_nodes(), 4) : 0;
    s.seed            = seed;
    return s;
}

DeepEpTestSettings deepep_low_latency_test(int ep, std::uint64_t seed) {
    DeepEpTestSettings s;
    s.mode              = DeepEpMode::LowLatency;
    s.num_ranks         = ep;
    s.num_tokens        = 128;
    s.num_experts       = (288 + ep - 1) / ep * ep;
    s.num_topk          = 8;
    s.masked_selections = 10;
    s.seed              = seed;
    return s;
}

TrafficMatrix deepep_test_traffic(const DeepEpTestSettings& s) {
    if (s.num_ranks < 1 || s.num_experts % s.num_ranks != 0 || s.num_topk < 1 || s.num_topk > 64 ||
        s.num_topk > s.num_experts)
        throw ConfigError("DeepEP test: " + std::to_string(s.num_experts) + " experts over " +
                          std::to_string(s.num_ranks) + " ranks with top-" + std::to_string(s.num_topk));
    const int nodes = s.num_nodes(), per_rank = s.num_experts / s.num_ranks;
    const bool limited = s.num_topk_groups > 0 && s.num_topk_groups < nodes;
    if (limited && s.num_experts % nodes != 0) throw ConfigError("DeepEP test: experts must split evenly over nodes");
    const int per_node = s.num_experts / nodes;
    TrafficMatrix t(s.num_ranks, s.gpus_per_node);
    std::vector<std::uint64_t> score(std::size_t(s.num_experts));
    const auto k_count = std::size_t(s.num_topk), node_count = std::size_t(nodes);
    std::vector<int> topk(k_count), groups(node_count), dst(k_count);
    std::vector<std::uint64_t> group_max(node_count);
    std::vector<char> group_on(node_count);
    for (int rank = 0; rank < s.num_ranks; ++rank) {
        Xoshiro256 rng(s.seed * 0x100000001b3ULL + std::uint64_t(rank));
        std::vector<int> masked(std::size_t(s.num_tokens) * std::size_t(s.num_topk), 0);
        for (int i = 0; i < s.masked_selections; ++i)
            masked[std::size_t(rng.below(s.num_tokens)) * std::size_t(s.num_topk) +
                   std::size_t(rng.below(s.num_topk))] = 1;
        for (int tok = 0; tok < s.num_tokens; ++tok) {
            for (auto& x : score)
                x = rng.next();
            std::fill(group_on.begin(), group_on.end(), char(1));
            if (limited) { // keep the num_topk_groups nodes with the highest max score
                for (int m = 0; m < nodes; ++m)
                    group_max[std::size_t(m)] =
                        *std::max_element(score.begin() + long(m) * per_node, score.begin() + long(m + 1) * per_node);
                for (int m = 0; m < nodes; ++m)
                    groups[std::size_t(m)] = m;
                std::partial_sort(groups.begin(), groups.begin() + s.num_topk_groups, groups.end(),
                                  [&](int a, int b) { return group_max[std::size_t(a)] > group_max[std::size_t(b)]; });
                std::fill(group_on.begin(), group_on.end(), char(0));
                for (int i = 0; i < s.num_topk_groups; ++i)
                    group_on[std::size_t(groups[std::size_t(i)])] = 1;
            }
            int found = 0; // insertion top-k, descending by score
            for (int e = 0; e < s.num_experts; ++e) {
                if (limited && !group_on[std::size_t(e / per_node)]) continue;
                const std::uint64_t v = score[std::size_t(e)];
                if (found == s.num_topk && v <= score[std::size_t(topk[std::size_t(found - 1)])]) continue;
                int i = std::min(found, s.num_topk - 1);
                while (i > 0 && score[std::size_t(topk[std::size_t(i - 1)])] < v) {
                    topk[std::size_t(i)] = topk[std::size_t(i - 1)];
                    --i;
                }
                topk[std::size_t(i)] = e;
                found                = std::min(found + 1, s.num_topk);
            }
            for (int k = 0; k < s.num_topk; ++k)
                dst[std::size_t(k)] = masked[std::size_t(tok) * std::size_t(s.num_topk) + std::size_t(k)]
                                          ? -1
                                          : topk[std::size_t(k)] / per_rank;
            t.add_token(rank, dst);
        }
    }
    return t;
}

} // namespace moetwin
