// SPDX-License-Identifier: Apache-2.0
// One account of what each backward stage runs: the importer's recipe (which traced kernel is which
// op) and the replay's stage lists (sim/step/training_stages.hpp) name the same ops per stage.
#include "engine/model_spec.hpp"
#include "sim/calibrate/training_recipe.hpp"
#include "sim/step/step_plan.hpp"
#include "sim/step/training_stages.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace moetwin {
namespace {

TEST(TrainingRecipe, BackwardStagesNameTheReplaysOps) {
    const std::pair<std::string_view, step::Stage> stages[] = {{"attn(B)", step::Stage::AttnB},
                                                               {"attn(W)", step::Stage::AttnW},
                                                               {"mlp(B)", step::Stage::MlpB},
                                                               {"mlp(W)", step::Stage::MlpW}};
    for (const auto& [name, stage] : stages) {
        std::set<std::string> recipe, replay;
        for (const calib::RecipeEntry& e : calib::deepseek_v3_training_recipe())
            if (e.stage == name && !e.op.empty()) recipe.emplace(e.op);
        for (std::string_view op : step::backward_stage_ops(stage))
            replay.emplace(op);
        EXPECT_EQ(recipe, replay) << name;
    }
}

// The forward stages: what the window replays for attn(F) and mlp(F) (the inference ops of the stage that
// run in prefill, plus training_forward_ops) is what the recipe maps the trace's forward kernels to.
TEST(TrainingRecipe, ForwardStagesNameTheReplaysOps) {
    const ModelSpec& m = find_model("deepseek_v3");
    const auto stages  = step::moe_op_stages(m);
    std::set<std::string> attn, mlp;
    for (std::size_t i = 0; i < m.moe_layer_ops.size(); ++i) {
        const OpSpec& op = m.moe_layer_ops[i];
        if (!stages[i] || !runs_in(op, Phase::Prefill)) continue;
        (*stages[i] == step::Stage::Attn0 || *stages[i] == step::Stage::Attn1 ? attn : mlp).insert(op.name);
    }
    for (std::string_view op : step::training_forward_ops(step::Stage::Attn))
        attn.emplace(op);
    for (std::string_view op : step::training_forward_ops(step::Stage::Mlp))
        mlp.emplace(op);
    std::set<std::string> recipe_attn, recipe_mlp;
    for (const calib::RecipeEntry& e : calib::deepseek_v3_training_recipe()) {
        if (e.stage == "attn(F)") recipe_attn.emplace(e.op);
        if (e.stage == "mlp(F)") recipe_mlp.emplace(e.op);
    }
    EXPECT_EQ(recipe_attn, attn);
    EXPECT_EQ(recipe_mlp, mlp);
    EXPECT_TRUE(attn.count("moe_gate_topk"));
    EXPECT_TRUE(mlp.count("shared_down")); // the shared expert runs inside mlp(F)
}

} // namespace
} // namespace moetwin
