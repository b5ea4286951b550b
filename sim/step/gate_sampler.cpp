// SPDX-License-Identifier: Apache-2.0
// draw_gate_tokens(): the fast sampler of the gate law (moe/gate_law.hpp), token by token
// in named phases: the group set, then its experts either with a node limit that cannot bind or
// with one that can (below M nodes, then at M nodes), then the token's scratch released.
#include "sim/step/gate_sampler.hpp"

#include <algorithm>
#include <vector>

namespace moetwin::step {
namespace {

// Alias draws rejected in a row (repeats, or experts off the token's nodes) before one exact draw
// by a direct scan takes over.
constexpr int kMaxRejections = 16;
// Node limits up to this use the fixed-size cumulative table of the at-M-nodes draw.
constexpr int kMaxNodeLimit = 16;

// The expert of [first, last) at offset u (>= 0) in their free weight, scanning in order; -1 if
// none is free. Branch-free on taken experts: their free_w is 0, so u - 0 == u neither moves u nor
// breaks (u >= 0 until the pick), the same pick as skipping them. Its own function so that the
// loop keeps its values in registers.
int scan_free(const int* first, const int* last, const double* free_w, double u) {
    int e = -1;
    for (; first != last; ++first) {
        const int x     = *first;
        const double fw = free_w[x];
        e               = fw > 0 ? x : e; // the last free one absorbs rounding
        if ((u -= fw) < 0) break;
    }
    return e;
}

// Index j in [0, n) of the node whose free weight holds offset u; u becomes the offset within it.
int pick_node(const double* w, int n, double& u) {
    int j = 0;
    while (j < n - 1 && u >= w[j])
        u -= w[j++];
    return j;
}

// One token being drawn: its selections so far and the nodes they sit on.
struct Token {
    int id;         // stamp in TokenDrawer::taken_
    int* sel;       // [topk (+ 1)] its experts in draw order
    int count  = 0; // experts drawn
    int nnodes = 0; // distinct home nodes among them (node-limited tokens only)
};

// The state of one draw_gate_tokens call: the layer's weights and tables, and scratch arrays
// reused from token to token (each phase leaves them as it found them, release() included).
// The Rng is passed to every phase by reference; the phases are inlined into the token loop, so
// it stays in registers there.
class TokenDrawer {
  public:
    TokenDrawer(const GateSpec& g, int node_limit, LayerGate& prepared)
        : w_(prepared.w), home_(prepared.home), tables_(*prepared.tables), gs_(g.group_size()), topk_(g.topk),
          limit_(node_limit), taken_(std::size_t(g.num_experts), -1), free_w_(prepared.w),
          node_on_(std::size_t(prepared.num_nodes), 0), used_nodes_(std::size_t(g.topk)),
          node_taken_w_(std::size_t(g.topk)), node_free_w_(std::size_t(g.topk)) {}

    // Draws tok.sel[0, topk): first the group set (reference step 3), then its experts (step 4)
    // with the node limit. Returns whether the limit had to be lifted for this token.
    bool draw(Token& tok, Rng& rng) {
        const int subset = tables_.draw_subset(rng);
        if (tables_.num_nodes(subset) <= limit_) {
            draw_unbound(tok, subset, rng);
            return false;
        }
        draw_below_limit(tok, subset, rng);
        const bool relaxed = draw_at_limit(tok, subset, rng);
        release(tok);
        return relaxed;
    }

  private:
    bool is_free(const Token& tok, int x) const { return taken_[std::size_t(x)] != tok.id; }
    // Under the limit once the token has M nodes: free, and on one of its nodes (or below M).
    bool is_eligible(const Token& tok, int x) const {
        return is_free(tok, x) && (tok.nnodes < limit_ || node_on_[std::size_t(home_[std::size_t(x)])]);
    }

    // An alias draw over the subset's experts that is not a repeat for token `id`; -1 after
    // kMaxRejections repeats.
    int draw_unrepeated(int id, const GateTables::ExpertDraw& draw, Rng& rng) const {
        const int* taken = taken_.data();
        int e            = -1;
        for (int tries = 0; tries < kMaxRejections && e < 0; ++tries) {
            const int x = draw(rng);
            e           = taken[x] != id ? x : -1;
        }
        return e;
    }

    // One draw over the subset's experts that `ok` admits, proportional to weight, by a direct scan
    // (the last admitted one absorbs rounding); -1 if it admits none.
    template <class Ok> int scan_draw(const std::vector<int>& groups, Ok ok, Rng& rng) const {
        const int gs    = gs_;
        const double* w = w_.data();
        double sum      = 0;
        for (int c : groups)
            for (int x = c * gs; x < (c + 1) * gs; ++x)
                sum += ok(x) ? w[x] : 0.0;
        if (!(sum > 0)) return -1;
        double u = rng.uniform() * sum;
        int e    = -1;
        for (int c : groups)
            for (int x = c * gs; x < (c + 1) * gs; ++x)
                if (ok(x)) {
                    e = x;
                    if ((u -= w[x]) < 0) return e;
                }
        return e;
    }

    // Phase "unbound": the subset's experts span at most M nodes, so the limit cannot bind. Alias
    // draws over them rejecting repeats (exact Plackett-Luce by rejection); after kMaxRejections in
    // a row, one draw over the free experts by a direct scan (the same distribution). Locals, not
    // members, in the loop: its int stores (taken, sel) would otherwise force reloads of them.
    void draw_unbound(Token& tok, int subset, Rng& rng) {
        const GateTables::ExpertDraw draw = tables_.expert_draw(subset);
        const std::vector<int>& groups    = tables_.groups(subset);
        const int id = tok.id, topk = topk_;
        int* const sel   = tok.sel;
        int* const taken = taken_.data();
        for (int count = tok.count; count < topk; ++count) {
            int e = draw_unrepeated(id, draw, rng);
            if (e < 0)
                e = scan_draw(
                    groups, [&](int x) { return taken[x] != id; }, rng);
            taken[e]   = id;
            sel[count] = e;
        }
        tok.count = topk;
    }

    // Takes e for the token and records its node, without a branch on whether the node is new
    // (unpredictable): slot nnodes of used_nodes_ / node_taken_w_ is free, so it may be written
    // either way.
    void accept(Token& tok, int e) {
        tok.sel[tok.count++]    = e;
        taken_[std::size_t(e)]  = tok.id;
        free_w_[std::size_t(e)] = 0.0;
        const int m             = home_[std::size_t(e)];
        const int on            = node_on_[std::size_t(m)]; // 1 + index in used_nodes_, 0: new
        const int at            = on > 0 ? on - 1 : tok.nnodes;
        const std::size_t next  = std::size_t(tok.nnodes);
        used_nodes_[next]       = on > 0 ? used_nodes_[next] : m;
        node_taken_w_[next]     = on > 0 ? node_taken_w_[next] : 0.0;
        node_taken_w_[std::size_t(at)] += w_[std::size_t(e)];
        node_on_[std::size_t(m)] = at + 1;
        tok.nnodes += on == 0;
    }

    // Phase "below M nodes": every free expert of the subset is eligible, so the alias draws as in
    // draw_unbound, each accepted expert adding its node, until the token has M nodes (or topk).
    void draw_below_limit(Token& tok, int subset, Rng& rng) {
        const GateTables::ExpertDraw draw = tables_.expert_draw(subset);
        const std::vector<int>& groups    = tables_.groups(subset);
        while (tok.count < topk_ && tok.nnodes < limit_) {
            int e = draw_unrepeated(tok.id, draw, rng);
            if (e < 0)
                e = scan_draw(
                    groups, [&](int x) { return is_eligible(tok, x); }, rng);
            accept(tok, e);
        }
    }

    // Phase "at M nodes": the remaining experts from the token's nodes only. A node by its weight in
    // the subset (taken experts included), then an expert of it by its alias table, rejecting taken
    // ones: exactly a draw over the free experts on the token's nodes proportional to weight. After
    // kMaxRejections rounds, one draw by node free weight and a scan; then one by a scan over the
    // eligible experts; if none is eligible, the limit is lifted (returns true).
    bool draw_at_limit(Token& tok, int subset, Rng& rng) {
        const GateTables::NodeLists lists = tables_.node_lists(subset);
        const std::vector<int>& groups    = tables_.groups(subset);
        // Cumulative node weights, fixed from here on (the token's nodes do not change below M + 1).
        double cum[kMaxNodeLimit];
        const AliasColumn* node_col[kMaxNodeLimit];
        int node_n[kMaxNodeLimit];
        const int reach = std::min(tok.nnodes, kMaxNodeLimit);
        for (int j = 0; j < reach; ++j) {
            const int node = used_nodes_[std::size_t(j)];
            cum[j]         = (j > 0 ? cum[j - 1] : 0.0) + lists.weight[node];
            node_col[j]    = lists.columns + lists.begin[node];
            node_n[j]      = lists.begin[node + 1] - lists.begin[node];
        }
        auto candidate = [&] {
            const double v = rng.uniform() * cum[reach - 1];
            int j          = 0;
            for (int i = 0; i < reach - 1; ++i)
                j += v >= cum[i];
            return draw_column(node_col[j], node_n[j], rng);
        };
        bool relaxed = false;
        while (tok.count < topk_) {
            int e = -1;
            // Two candidates per round, the first free one taken: fewer mispredicted loop exits
            // (a candidate is often taken) for one spare draw: decode plan 0.61 -> 0.58 s.
            for (int tries = 0; tries < kMaxRejections && e < 0 && tok.nnodes == reach; ++tries) {
                const int x1 = candidate(), x2 = candidate();
                const int f2 = is_free(tok, x2) ? x2 : -1;
                e            = is_free(tok, x1) ? x1 : f2;
            }
            if (e < 0) e = draw_by_free_weight(tok, lists, rng);
            if (e < 0)
                e = scan_draw(
                    groups, [&](int x) { return is_eligible(tok, x); }, rng);
            if (e < 0) { // no eligible expert left within M nodes: lift the limit
                relaxed = true;
                e       = scan_draw(
                          groups, [&](int x) { return is_free(tok, x); }, rng);
            }
            accept(tok, e);
        }
        return relaxed;
    }

    // One draw over the free experts on the token's nodes: a node by its free weight, then an
    // expert of it by a scan. -1 when nothing is free there (or rounding leaves no pick).
    int draw_by_free_weight(const Token& tok, const GateTables::NodeLists& lists, Rng& rng) {
        double total = 0;
        for (int j = 0; j < tok.nnodes; ++j) {
            node_free_w_[std::size_t(j)] =
                std::max(0.0, lists.weight[used_nodes_[std::size_t(j)]] - node_taken_w_[std::size_t(j)]);
            total += node_free_w_[std::size_t(j)];
        }
        if (!(total > 0)) return -1;
        double u       = rng.uniform() * total;
        const int node = used_nodes_[std::size_t(pick_node(node_free_w_.data(), tok.nnodes, u))];
        return scan_free(lists.experts + lists.begin[node], lists.experts + lists.begin[node + 1], free_w_.data(), u);
    }

    // Restores free_w_ and node_on_ for the next token (taken_ needs nothing: stamps are per token).
    void release(const Token& tok) {
        for (int j = 0; j < tok.count; ++j)
            free_w_[std::size_t(tok.sel[j])] = w_[std::size_t(tok.sel[j])];
        for (int j = 0; j < tok.nnodes; ++j)
            node_on_[std::size_t(used_nodes_[std::size_t(j)])] = 0;
    }

    const std::vector<double>& w_;
    const std::vector<int>& home_;
    GateTables& tables_;
    const int gs_, topk_, limit_;
    // taken_[e] == t: token t already picked expert e (int stamps, never reset; not a char array,
    // whose stores the compiler must assume may alias every pointer in the loop).
    std::vector<int> taken_;
    std::vector<double> free_w_;  // node-limited tokens: w[e], 0 while e is taken (w > 0 after the floor)
    std::vector<int> node_on_;    // [num_nodes] 1 + the node's index in used_nodes_, 0: not used
    std::vector<int> used_nodes_; // [topk] the token's nodes in order of first use
    std::vector<double> node_taken_w_, node_free_w_; // [topk] per used node: weight taken, weight free
};

} // namespace

int64_t draw_gate_tokens(const GateSpec& g, int node_limit, int shared_expert, LayerGate& prepared, Rng& rng_io,
                         std::span<int> experts) {
    // A local copy: its address never leaves this function once the phases are inlined, so its
    // state stays in registers in the loop.
    Rng rng                       = rng_io;
    const int kk                  = g.topk + (shared_expert >= 0 ? 1 : 0);
    const std::size_t num_samples = experts.size() / std::size_t(kk);
    TokenDrawer drawer(g, node_limit, prepared);
    int64_t num_relaxed = 0;
    for (std::size_t t = 0; t < num_samples; ++t) {
        Token tok{int(t), &experts[t * std::size_t(kk)]};
        num_relaxed += drawer.draw(tok, rng);
        if (shared_expert >= 0) tok.sel[g.topk] = shared_expert;
    }
    rng_io = rng;
    return num_relaxed;
}

} // namespace moetwin::step
