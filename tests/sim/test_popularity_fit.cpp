// SPDX-License-Identifier: Apache-2.0
// The popularity fit (balancer/marginal_fit.hpp, step/popularity_fit.hpp): exact convergence on a
// gate whose marginals have a closed form, and recorded loads routed by a step.
#include "common/errors.hpp"
#include "engine/roofline.hpp"
#include "sim/balancer/expert_load_json.hpp"
#include "sim/balancer/marginal_fit.hpp"
#include "sim/scenario.hpp"
#include "sim/step/popularity_report.hpp"
#include "sim/step/step_plan.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace moetwin::step {
namespace {

// 8 experts in 2 groups of 4, top-1 group, top-2 experts: a token takes group g with probability
// W_g / W, then two of its experts by Plackett-Luce, so P(e) = W_g / W x (w_e / W_g +
// sum_{j != e in g} w_j / W_g x w_e / (W_g - w_j)); the selection share is P(e) / 2.
void exact_shares(std::span<const double> w, std::span<double> shares) {
    double total = 0;
    for (double x : w)
        total += x;
    for (int e = 0; e < 8; ++e) {
        const int g = e / 4;
        double wg   = 0;
        for (int j = 4 * g; j < 4 * g + 4; ++j)
            wg += w[std::size_t(j)];
        double in = w[std::size_t(e)] / wg;
        for (int j = 4 * g; j < 4 * g + 4; ++j)
            if (j != e) in += w[std::size_t(j)] / wg * w[std::size_t(e)] / (wg - w[std::size_t(j)]);
        shares[std::size_t(e)] = wg / total * in / 2;
    }
}

TEST(MarginalFit, ConvergesToTheTargetOnAClosedFormGate) {
    // Group 0 holds half the selections, expert 0 a fifth: as weights these come out as 0.175 for
    // expert 0 (it cannot be picked twice by a token), so the fit must raise it.
    const std::vector<double> target{0.2, 0.1, 0.1, 0.1, 0.15, 0.15, 0.1, 0.1};
    std::vector<double> raw(8);
    exact_shares(target, raw);
    // P(g0) = 0.5; inclusion 0.2 / 0.5 + 3 x (0.1 / 0.5) x 0.2 / 0.4 = 0.7; share 0.5 x 0.7 / 2.
    EXPECT_NEAR(raw[0], 0.175, 1e-12);
    balancer::MarginalFitSpec spec;
    spec.max_rounds                 = 200;
    spec.tolerance                  = 1e-10;
    const balancer::MarginalFit fit = balancer::fit_marginals(target, exact_shares, spec);
    EXPECT_GT(fit.tv_initial, 0.005);
    EXPECT_LT(fit.tv_final, 1e-9);
    std::vector<double> got(8);
    exact_shares(fit.weights, got);
    for (int e = 0; e < 8; ++e)
        EXPECT_NEAR(got[std::size_t(e)], target[std::size_t(e)], 1e-9) << e;
    EXPECT_GT(fit.weights[0] / fit.weights[1], 2.0); // the hot expert gets more than its share's ratio
    // Deterministic.
    EXPECT_EQ(balancer::fit_marginals(target, exact_shares, spec).weights, fit.weights);
}

TEST(MarginalFit, RejectsBadInput) {
    EXPECT_THROW(balancer::fit_marginals(std::vector<double>(8, 0.0), exact_shares), ConfigError);
    balancer::MarginalFitSpec spec;
    spec.max_rounds = 0;
    EXPECT_THROW(balancer::fit_marginals(std::vector<double>(8, 1.0), exact_shares, spec), ConfigError);
}

// The recorded-load decode scenario on its first MoE layers: the fit removes most of the gate's
// distortion of the recorded shares. Measured (seed 1, 58 layers): TV 8.6 % mean with the
// recorded loads as weights, 1.9 % after the fit (issue 12 asks for 1 %: not reached, see NOTES
// in popularity_fit.hpp).
TEST(PopularityFit, RecordedDecodeLoadsComeOutCloseToTheRecording) {
    Scenario s             = load_scenario("scenarios/deepseek_v3_decode_ep144_recorded_loads.json");
    s.model.num_moe_layers = 4;
    const RooflineModel roof(s.gpu);
    const StepPlan p               = plan_step(s, roof);
    const ModelSpec& full          = find_model(s.model.name);
    const balancer::ExpertLoad rec = balancer::load_expert_load(s.routing.loads_path);
    for (int l = 0; l < p.num_moe; ++l) {
        const auto target = rec.layer(full.num_dense_layers + l);
        const double tv   = routed_tv(target, std::span<const LayerRouting>(p.routing).subspan(
                                                  std::size_t(l * p.micro_batches), std::size_t(p.micro_batches)));
        EXPECT_LT(tv, 0.025) << "MoE layer " << l;
    }
    bool noted = false;
    for (const auto& n : p.notes)
        noted = noted || n.starts_with("popularity fit");
    EXPECT_TRUE(noted);
    // Deterministic.
    const StepPlan q = plan_step(s, roof);
    for (std::size_t i = 0; i < p.routing.size(); ++i)
        EXPECT_EQ(p.routing[i].expert_selections, q.routing[i].expert_selections);
}

} // namespace
} // namespace moetwin::step
