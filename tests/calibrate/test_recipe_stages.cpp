// SPDX-License-Identifier: Apache-2.0
// One account of what each backward stage runs: the importer's recipe (which traced kernel is which
// op) and the replay's stage lists (sim/step/training_stages.hpp) name the same ops per stage.
#include "sim/calibrate/training_recipe.hpp"
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

} // namespace
} // namespace moetwin
