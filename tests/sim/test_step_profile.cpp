// SPDX-License-Identifier: Apache-2.0
// compute.source = profile in run(): the profile database times the ops it covers, the roofline the
// rest, the result says how many lookups were measured, and a profile of another model is refused.
#include "common/errors.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/result/result_json.hpp"
#include "sim/run.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace moetwin {
namespace {

RunResult run_scenario(const Scenario& s) {
    const std::string json = run_in_child([&s] {
        std::ostringstream out;
        write_result_json(run(s), out);
        return out.str();
    });
    return parse_result_json(json, s.name);
}

Scenario with_profile(Scenario s) {
    s.compute.source       = ComputeSource::Profile;
    s.compute.profile_path = "tests/engine/data/profile_small.json"; // tests run from the source root
    return s;
}

std::string note_with(const RunResult& r, const std::string& text) {
    for (const std::string& n : r.meta.notes)
        if (n.find(text) != std::string::npos) return n;
    return "";
}

TEST(StepProfile, ProfileTimesTheOpsItCoversAndCountsFallbacks) {
    const Scenario base    = load_scenario("scenarios/tiny_1node_ep8_decode.json");
    const RunResult roof   = run_scenario(base);
    const RunResult prof   = run_scenario(with_profile(base));
    const std::string note = note_with(prof, "op lookups measured");
    ASSERT_FALSE(note.empty());
    // The small profile covers a few decode ops: some lookups are measured, the rest fall back.
    EXPECT_EQ(prof.meta.compute_source, "mixed") << note;
    EXPECT_EQ(note.find(" 0 op lookups measured"), std::string::npos) << note;
    EXPECT_EQ(note.find(" 0 fell back"), std::string::npos) << note;
    EXPECT_EQ(roof.meta.compute_source, "roofline");
    EXPECT_TRUE(note_with(roof, "op lookups").empty());
    EXPECT_NE(prof.summary.step_time_ns, roof.summary.step_time_ns); // measured times replace roofline ones
}

TEST(StepProfile, ProfileOfAnotherModelIsAConfigError) {
    Scenario s   = with_profile(load_scenario("scenarios/tiny_1node_ep8_decode.json"));
    s.model.name = "kimi_k2";
    try {
        run(s); // throws before any SimGrid engine exists
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("profiles model 'deepseek_v3'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("kimi_k2"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace moetwin
