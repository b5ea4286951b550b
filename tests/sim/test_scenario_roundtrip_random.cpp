// SPDX-License-Identifier: Apache-2.0
// Randomised round trip of the scenario writer (issue 14 item 7): the shipped-scenario round trip only sees
// the values those files use, so a writer that forgot a key the shipped files leave at its default would pass.
// Here every leaf of a resolved scenario is moved, one at a time and then several together, to a value the
// parser accepts that differs from the default; the written scenario must carry each moved value, and
// writing it again must give the same text.
#include "sim/scenario.hpp"
#include "sim/scenario_names.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace moetwin {
namespace {

using nlohmann::json;

const std::string kScenarios = std::string(MOETWIN_SOURCE_DIR) + "/scenarios/";

// Every scalar leaf of `j` as a JSON pointer.
void leaves(const json& j, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            leaves(it.value(), at / it.key(), out);
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i)
            leaves(j[i], at / i, out);
    } else {
        out.push_back(at);
    }
}

// The names a named key accepts ("cluster.fabric" -> single_node, ...), empty for other keys.
std::vector<std::string> names_of(const json::json_pointer& p) {
    std::string dotted = p.to_string().substr(1);
    for (char& c : dotted)
        if (c == '/') c = '.';
    std::vector<std::string> out;
    for (const NamedKey& k : scenario_named_keys())
        if (k.key == dotted ||
            (k.key.find('*') != std::string::npos && dotted.ends_with(k.key.substr(k.key.rfind('.')))))
            for (const NamedChoice& c : k.choices)
                out.push_back(c.name);
    return out;
}

// A value of the leaf's type that differs from `v`: another valid name, the other boolean, a number scaled
// by a factor in [0.5, 2] (integers stay integers and move by at least 1), a string with a suffix.
json moved(const json& v, const json::json_pointer& p, Rng& rng) {
    if (v.is_boolean()) return !v.get<bool>();
    if (v.is_string()) {
        const std::vector<std::string> names = names_of(p);
        if (names.size() > 1) {
            std::string pick;
            do
                pick = names[std::size_t(rng.next() % names.size())];
            while (pick == v.get<std::string>());
            return pick;
        }
        return v.get<std::string>() + "_moved";
    }
    const double f = 0.5 + 1.5 * rng.uniform();
    if (v.is_number_integer()) {
        const int64_t x = v.get<int64_t>();
        int64_t y       = std::llround(double(x) * f);
        if (y == x) y = x + 1;
        return y;
    }
    const double x = v.get<double>();
    return x == 0 ? 0.25 : x * f;
}

bool same_value(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) {
        const double x = a.get<double>(), y = b.get<double>();
        return std::abs(x - y) <= 1e-9 * std::max(std::abs(x), std::abs(y));
    }
    return a == b;
}

// Parses `j`; nullopt when the parser refuses it (a move the scenario's rules do not allow).
std::optional<json> written(const json& j) {
    try {
        return json::parse(scenario_to_json(parse_scenario(j.dump(), kScenarios + "moved.json")));
    } catch (const ConfigError&) {
        return std::nullopt;
    }
}

class RandomRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(RandomRoundTrip, EveryAcceptedMoveIsWrittenAndRereadUnchanged) {
    const json base = json::parse(scenario_to_json(load_scenario(kScenarios + GetParam())));
    std::vector<json::json_pointer> paths;
    leaves(base, json::json_pointer(), paths);
    Rng rng(20261206, 0x5ce7a110);
    std::vector<std::pair<json::json_pointer, json>> accepted;
    for (const json::json_pointer& p : paths) {
        for (int attempt = 0; attempt < 4; ++attempt) { // a few draws: some scale factors break a rule
            json j          = base;
            const json to   = moved(base.at(p), p, rng);
            j.at(p)         = to;
            const auto back = written(j);
            if (!back) continue;
            SCOPED_TRACE(p.to_string() + " = " + to.dump());
            ASSERT_TRUE(back->contains(p)) << "the writer dropped " << p.to_string();
            EXPECT_TRUE(same_value(back->at(p), to)) << "written as " << back->at(p).dump();
            const auto again = written(*back);
            ASSERT_TRUE(again.has_value()) << "the parser refuses what the writer wrote";
            EXPECT_EQ(again->dump(), back->dump());
            accepted.emplace_back(p, to);
            break;
        }
    }
    // Most leaves can move on their own (the rest are derived keys, which must agree with the keys they
    // follow from, and names or paths that must exist); a writer or parser that ignored a whole section
    // would make this fall.
    EXPECT_GE(accepted.size() * 2, paths.size()) << accepted.size() << " of " << paths.size() << " leaves moved";

    // Several accepted moves at once, in random combinations.
    int combined = 0;
    for (int trial = 0; trial < 40; ++trial) {
        json j = base;
        std::vector<std::pair<json::json_pointer, json>> set;
        for (int k = 0; k < 4; ++k) {
            const auto& [p, to] = accepted[std::size_t(rng.next() % accepted.size())];
            j.at(p)             = to;
            set.emplace_back(p, to);
        }
        const auto back = written(j);
        if (!back) continue;
        ++combined;
        for (const auto& [p, to] : set) {
            SCOPED_TRACE(p.to_string() + " = " + to.dump());
            ASSERT_TRUE(back->contains(p));
            EXPECT_TRUE(same_value(back->at(p), to)) << "written as " << back->at(p).dump();
        }
        const auto again = written(*back);
        ASSERT_TRUE(again.has_value());
        EXPECT_EQ(again->dump(), back->dump());
    }
    EXPECT_GE(combined, 10);
}

INSTANTIATE_TEST_SUITE_P(Shipped, RandomRoundTrip,
                         ::testing::Values("deepseek_v3_decode_ep144.json", "deepseek_v3_prefill_ep32.json"));

} // namespace
} // namespace moetwin
