// SPDX-License-Identifier: Apache-2.0
// select_active(): cover every expert (Kuhn's augmenting paths), then fill by D'Hondt.
#include "sim/balancer/active_set.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <numeric>
#include <queue>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace moetwin::balancer {

PlacementSpec hosted_spec(const PlacementSpec& active, int hosted_per_gpu) {
    if (hosted_per_gpu < active.max_slots_per_gpu())
        throw ConfigError("hosted experts per GPU (" + std::to_string(hosted_per_gpu) +
                          ") must be at least the active slots per GPU (" + std::to_string(active.max_slots_per_gpu()) +
                          ")");
    PlacementSpec h = active;
    h.num_slots     = hosted_per_gpu * active.num_gpus;
    return h;
}

Placement place_hosted(const Placement& base, const PlacementSpec& as, const PlacementSpec& hs,
                       const ExpertLoad& load) {
    const int E = base.num_experts, G = as.num_gpus, L = base.num_layers;
    if (load.num_layers != L || load.num_experts != E || hs.num_gpus != G || base.num_slots != as.num_slots)
        throw ConfigError("dynamic redundancy: load is " + std::to_string(load.num_layers) + " × " +
                          std::to_string(load.num_experts) + ", base placement " + std::to_string(L) + " × " +
                          std::to_string(E));
    std::vector<int> phy2log(std::size_t(L) * std::size_t(hs.num_slots));
    for (int l = 0; l < L; ++l) {
        const auto w  = load.layer(l);
        const auto br = base.slots(l);
        double mean   = 0;
        for (double v : w)
            mean += v / E;
        std::vector<std::vector<int>> hosted(static_cast<std::size_t>(G));
        std::vector<int> copies(static_cast<std::size_t>(E), 0);
        std::vector<char> has(std::size_t(G) * std::size_t(E), 0); // [gpu, expert]: g hosts e
        for (int g = 0; g < G; ++g)
            for (int s = as.first_slot(g); s < as.first_slot(g) + as.slots_on_gpu(g); ++s)
                hosted[std::size_t(g)].push_back(br[std::size_t(s)]), ++copies[std::size_t(br[std::size_t(s)])],
                    has[std::size_t(g) * std::size_t(E) + std::size_t(br[std::size_t(s)])] = 1;
        const auto prior = [&](int e) { return w[std::size_t(e)] + mean; };
        std::vector<double> gload(static_cast<std::size_t>(G), 0.0);
        const auto recount = [&] {
            for (int g = 0; g < G; ++g) {
                gload[std::size_t(g)] = 0;
                for (int e : hosted[std::size_t(g)])
                    gload[std::size_t(g)] += prior(e) / copies[std::size_t(e)];
            }
        };
        recount();
        int free = 0;
        for (int g = 0; g < G; ++g)
            free += hs.slots_on_gpu(g) - int(hosted[std::size_t(g)].size());
        using Entry = std::pair<double, int>; // (prior / copies, -expert): ties to the lowest expert
        std::priority_queue<Entry> queue;
        for (int e = 0; e < E; ++e)
            queue.push({prior(e) / copies[std::size_t(e)], -e});
        while (free > 0 && !queue.empty()) {
            const int e = -queue.top().second;
            queue.pop();
            int best = -1;
            for (int g = 0; g < G; ++g) {
                if (int(hosted[std::size_t(g)].size()) < hs.slots_on_gpu(g) &&
                    !has[std::size_t(g) * std::size_t(E) + std::size_t(e)] &&
                    (best < 0 || gload[std::size_t(g)] < gload[std::size_t(best)]))
                    best = g;
            }
            if (best < 0) continue; // every GPU with room hosts e already
            hosted[std::size_t(best)].push_back(e), --free, ++copies[std::size_t(e)];
            has[std::size_t(best) * std::size_t(E) + std::size_t(e)] = 1;
            for (int g = 0; g < G; ++g) // e's share changed on every GPU that hosts it
                if (has[std::size_t(g) * std::size_t(E) + std::size_t(e)])
                    gload[std::size_t(g)] +=
                        prior(e) / copies[std::size_t(e)] - (g == best ? 0.0 : prior(e) / (copies[std::size_t(e)] - 1));
            queue.push({prior(e) / copies[std::size_t(e)], -e});
        }
        for (int g = 0; g < G; ++g) // more slots than distinct experts to add: repeat the first
            while (int(hosted[std::size_t(g)].size()) < hs.slots_on_gpu(g))
                hosted[std::size_t(g)].push_back(hosted[std::size_t(g)].front());
        for (int g = 0; g < G; ++g)
            std::copy(hosted[std::size_t(g)].begin(), hosted[std::size_t(g)].end(),
                      phy2log.begin() + std::ptrdiff_t(std::size_t(l) * std::size_t(hs.num_slots)) + hs.first_slot(g));
    }
    return make_placement(L, E, hs.num_slots, std::move(phy2log));
}

namespace {

// One layer's active set under local search: active[g] the experts GPU g runs, count[e] the active
// replicas of e, load[g] = Σ over active[g] of w[e] / count[e] (the even split).
struct ActiveLayer {
    std::span<const double> w;
    std::vector<std::vector<int>> active, inactive; // [gpu]
    std::vector<std::vector<int>> hosts;            // [expert] distinct GPUs hosting it (fixed)
    std::vector<int> count;                         // [expert]
    std::vector<double> load;                       // [gpu]

    bool runs(int g, int e) const {
        const auto& a = active[std::size_t(g)];
        return std::find(a.begin(), a.end(), e) != a.end();
    }
    bool idles(int g, int e) const {
        const auto& i = inactive[std::size_t(g)];
        return std::find(i.begin(), i.end(), e) != i.end();
    }
    void recount(int g) {
        double sum = 0;
        for (int e : active[std::size_t(g)])
            sum += w[std::size_t(e)] / count[std::size_t(e)];
        load[std::size_t(g)] = sum;
    }
    // Deactivates `out` and activates `in` on g (in must be idle there); reloads every GPU touched.
    void swap_on(int g, int out, int in) {
        auto& a                             = active[std::size_t(g)];
        auto& i                             = inactive[std::size_t(g)];
        *std::find(a.begin(), a.end(), out) = in;
        *std::find(i.begin(), i.end(), in)  = out;
        --count[std::size_t(out)], ++count[std::size_t(in)];
        for (int e : {out, in})
            for (int h : hosts[std::size_t(e)])
                recount(h);
    }
    double max_over(int a, int b, int c) const { // the busiest GPU hosting any of a, b, c
        double m = 0;
        for (int e : {a, b, c})
            if (e >= 0)
                for (int h : hosts[std::size_t(e)])
                    m = std::max(m, load[std::size_t(h)]);
        return m;
    }
};

// Local search on the busiest GPU g: swap an active x for an idle y on g, keeping x covered (x has
// another active replica, or x is activated on a GPU g2 that hosts it idle in place of a z that has
// another). A move is taken when every GPU it touches ends below g's old load (the sorted load
// vector then decreases lexicographically: the search terminates), the one with the lowest touched
// maximum first; at most max_moves moves.
void improve_active(ActiveLayer& a, int max_moves) {
    constexpr double kRel = 1e-12; // ignore moves that gain less than rounding
    for (int step = 0; step < max_moves; ++step) {
        const int g = int(std::max_element(a.load.begin(), a.load.end()) - a.load.begin());
        double best = a.load[std::size_t(g)] * (1 - kRel);
        int bx = -1, by = -1, bg2 = -1, bz = -1, bxr = -1;
        const std::vector<int> xs = a.active[std::size_t(g)], ys = a.inactive[std::size_t(g)];
        for (int x : xs) // another replica of x where it is hosted idle, in place of a z with another
            for (int g2 : a.hosts[std::size_t(x)]) {
                if (g2 == g || !a.idles(g2, x)) continue;
                const std::vector<int> zs = a.active[std::size_t(g2)];
                for (int z : zs) {
                    if (z == x || a.count[std::size_t(z)] < 2) continue;
                    a.swap_on(g2, z, x);
                    const double m = a.max_over(x, z, -1);
                    a.swap_on(g2, x, z);
                    if (m < best) best = m, bx = -1, by = -1, bg2 = g2, bz = z, bxr = x;
                }
            }
        for (int x : xs)
            for (int y : ys) {
                if (y == x || a.runs(g, y)) continue;
                if (a.count[std::size_t(x)] >= 2) {
                    a.swap_on(g, x, y);
                    const double m = a.max_over(x, y, -1);
                    a.swap_on(g, y, x);
                    if (m < best) best = m, bx = x, by = y, bg2 = -1, bz = -1, bxr = -1;
                    continue;
                }
                for (int g2 : a.hosts[std::size_t(x)]) {
                    if (g2 == g || !a.idles(g2, x)) continue;
                    const std::vector<int> zs = a.active[std::size_t(g2)];
                    for (int z : zs) {
                        if (z == y || a.count[std::size_t(z)] < 2) continue;
                        a.swap_on(g, x, y);
                        a.swap_on(g2, z, x);
                        const double m = a.max_over(x, y, z);
                        a.swap_on(g2, x, z);
                        a.swap_on(g, y, x);
                        if (m < best) best = m, bx = x, by = y, bg2 = g2, bz = z, bxr = -1;
                    }
                }
            }
        if (bxr >= 0) {
            a.swap_on(bg2, bz, bxr);
            continue;
        }
        if (bx < 0) break;
        a.swap_on(g, bx, by);
        if (bg2 >= 0) a.swap_on(bg2, bz, bx);
    }
}

} // namespace

// Moves per layer at most: 4 per active slot (decode EP144: 1,152); see the timing in eval_targets.
constexpr int kMovesPerSlot = 4;

Placement select_active(const Placement& hosted, const PlacementSpec& hs, const PlacementSpec& active,
                        const ExpertLoad& recent) {
    const int E = hosted.num_experts, G = active.num_gpus, L = hosted.num_layers;
    if (recent.num_layers != L || recent.num_experts != E || hs.num_gpus != G || hosted.num_slots != hs.num_slots)
        throw ConfigError("dynamic redundancy: recent load is " + std::to_string(recent.num_layers) + " × " +
                          std::to_string(recent.num_experts) + ", hosted placement " + std::to_string(L) + " × " +
                          std::to_string(E) + " over " + std::to_string(hosted.num_slots) + " slots");
    std::vector<int> phy2log(std::size_t(L) * std::size_t(active.num_slots));
    for (int l = 0; l < L; ++l) {
        const auto row = hosted.slots(l);
        ActiveLayer a;
        a.w = recent.layer(l);
        a.active.assign(std::size_t(G), {});
        a.inactive.assign(std::size_t(G), {});
        a.hosts.assign(std::size_t(E), {});
        a.count.assign(std::size_t(E), 0);
        a.load.assign(std::size_t(G), 0.0);
        for (int g = 0; g < G; ++g)
            for (int j = 0; j < hs.slots_on_gpu(g); ++j) {
                const int e = row[std::size_t(hs.first_slot(g) + j)];
                if (e == kEmptySlot) continue;
                if (j < active.slots_on_gpu(g))
                    a.active[std::size_t(g)].push_back(e), ++a.count[std::size_t(e)];
                else
                    a.inactive[std::size_t(g)].push_back(e);
                auto& h = a.hosts[std::size_t(e)];
                if (std::find(h.begin(), h.end(), g) == h.end()) h.push_back(g);
            }
        for (int e = 0; e < E; ++e)
            if (a.count[std::size_t(e)] == 0)
                throw ConfigError("dynamic redundancy: layer " + std::to_string(l) + ": expert " + std::to_string(e) +
                                  " is not among the first active slots of any GPU (hosted layout of place_hosted)");
        for (int g = 0; g < G; ++g)
            a.recount(g);
        improve_active(a, kMovesPerSlot * active.num_slots);
        for (int g = 0; g < G; ++g) {
            auto ch = a.active[std::size_t(g)];
            std::sort(ch.begin(), ch.end());
            std::copy(ch.begin(), ch.end(),
                      phy2log.begin() + std::ptrdiff_t(std::size_t(l) * std::size_t(active.num_slots)) +
                          active.first_slot(g));
        }
    }
    return make_placement(L, E, active.num_slots, std::move(phy2log));
}

} // namespace moetwin::balancer
