// SPDX-License-Identifier: Apache-2.0
// Placements made outside moetwin (issue 16 item 5): the phy2log JSON, its malformed variants
// (layer and slot named), and placement commands that work, hang, fail or write garbage.
#include "common/errors.hpp"
#include "sim/balancer/external/placement_command.hpp"
#include "sim/balancer/external/placement_json.hpp"
#include "sim/balancer/placement_metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

using namespace moetwin;
using namespace moetwin::balancer;

namespace {

// 4 experts, 6 slots on 3 GPUs of one node (2 slots each), 1 group.
const PlacementSpec kSpec{6, 1, 1, 3};

std::string error_of(const std::string& text, int layers = 2) {
    try {
        (void)parse_placement_json(text, "p.json", layers, 4, kSpec);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string command_error(const std::vector<std::string>& argv, double timeout_s = 10, const std::string& in = "") {
    try {
        (void)run_command({argv, timeout_s, {}}, in);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

bool has_python3() {
    try {
        return run_command({{"python3", "-c", "print(1)"}, 30, {}}, "").stdout_text == "1\n";
    } catch (const ConfigError&) {
        return false;
    }
}

ExpertLoad one_layer(std::vector<double> w) {
    return ExpertLoad{1, int(w.size()), std::move(w)};
}

} // namespace

TEST(PlacementJson, ParsesAndRoundTrips) {
    const Placement p = parse_placement_json(R"({"phy2log": [[0,1,2,3,0,1],[3,3,2,1,0,0]]})", "p.json", 2, 4, kSpec);
    EXPECT_EQ(p.count(0, 0), 2);
    EXPECT_EQ(p.count(1, 3), 2);
    EXPECT_EQ(p.count(1, 2), 1);
    const Placement again = parse_placement_json(placement_json(p), "again", 2, 4, kSpec);
    EXPECT_EQ(again.phy2log, p.phy2log);
}

TEST(PlacementJson, MalformedPlacementsNameTheLayerAndSlot) {
    EXPECT_EQ(error_of(R"({"phy2log": [[0,1,2,3,0,1]]})"),
              "p.json: phy2log: expected 2 layers (one row per MoE layer), got 1");
    EXPECT_EQ(error_of(R"({"phy2log": [[0,1,2,3,0,1],[0,1,2,3,0]]})"),
              "p.json: phy2log[1]: layer 1: expected 6 slots (logical + redundant experts), got 5");
    EXPECT_EQ(error_of(R"({"phy2log": [[0,1,2,3,0,1],[0,1,4,3,0,1]]})"),
              "p.json: phy2log[1][2]: layer 1, slot 2: logical expert 4 is out of range [0, 3]");
    EXPECT_EQ(error_of(R"({"phy2log": [[0,1,2,3,0,-1],[0,1,2,3,0,1]]})"),
              "p.json: phy2log[0][5]: layer 0, slot 5: logical expert -1 is out of range [0, 3]");
    EXPECT_EQ(error_of(R"({"phy2log": [[0,1,2,3,0,1],[0,1,2,3,18446744073709551615,1]]})"),
              "p.json: phy2log[1][4]: layer 1, slot 4: logical expert 9223372036854775807 is out of range [0, 3]");
    EXPECT_EQ(error_of(R"({"phy2log": [[0,1,2,3,0,1],[0,1,2,3,0.5,1]]})"),
              "p.json: phy2log[1][4]: layer 1, slot 4: expected an integer logical expert in [0, 3], got the number "
              "0.5");
    EXPECT_EQ(error_of(R"({"phy2log": [[0,1,2,"3",0,1],[0,1,2,3,0,1]]})"),
              "p.json: phy2log[0][3]: layer 0, slot 3: expected an integer logical expert in [0, 3], got the string "
              "\"3\"");
    EXPECT_EQ(error_of(R"({"phy2log": [[0,1,2,3,0,1],[0,1,1,3,0,1]]})"),
              "p.json: phy2log[1]: layer 1: logical expert 2 has no replica (every expert needs at least one of the 6 "
              "slots)");
    EXPECT_NE(error_of(R"({"phy2log": [[0,1,2,3,0,1],[0,1,2,3,0,1]], "log2phy": []})").find("unknown key"),
              std::string::npos);
    EXPECT_EQ(error_of("[1, 2]"), "p.json: (top level): expected an object {\"phy2log\": [[…] × 2 layers]}, got an "
                                  "array of 2 elements");
    EXPECT_NE(error_of("{\"phy2log\": [[0,1").find("p.json:1:"), std::string::npos);
}

TEST(PlacementRequest, CarriesTheShapeAndTheLoads) {
    const std::string r = placement_request_json(one_layer({8, 4, 2, 2}), kSpec);
    EXPECT_EQ(r, "{\"gpu_of_slot\":[0,0,1,1,2,2],\"logical_count\":[[8.0,4.0,2.0,2.0]],\"num_experts\":4,"
                 "\"num_gpus\":3,\"num_groups\":1,\"num_layers\":1,\"num_nodes\":1,\"num_slots\":6}\n");
}

TEST(PlacementCommand, FeedsStdinAndReadsStdout) {
    const CommandOutput o = run_command({{"sh", "-c", "tr a-z A-Z; echo err >&2"}, 10, {}}, "hello\n");
    EXPECT_EQ(o.stdout_text, "HELLO\n");
    EXPECT_EQ(o.stderr_tail, "err\n");
    EXPECT_EQ(o.exit_code, 0);
    // A large input to a command that reads none of it: no SIGPIPE kills us; the command's empty output is the error.
    const std::string big(8 << 20, 'x');
    EXPECT_EQ(run_command({{"true"}, 10, {}}, big).stdout_text, "");
}

TEST(PlacementCommand, HangingCommandIsKilledAtTheTimeout) {
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(command_error({"sleep", "30"}, 0.3),
              "balancer.command [sleep 30]: killed after 0.3 s without finishing (balancer.command_timeout_s)");
    // Closes its output and lingers; and a shell whose child keeps the pipe open (the whole group is killed).
    EXPECT_NE(command_error({"sh", "-c", "exec >&- 2>&-; sleep 30"}, 0.3).find("killed after 0.3 s"),
              std::string::npos);
    EXPECT_NE(command_error({"sh", "-c", "sleep 30; echo"}, 0.3).find("killed after 0.3 s"), std::string::npos);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
}

TEST(PlacementCommand, FailingCommandsAreConfigErrors) {
    EXPECT_EQ(command_error({"sh", "-c", "echo oops >&2; exit 3"}),
              "balancer.command [sh -c echo oops >&2; exit 3]: exited with status 3; its stderr ends: oops\n");
    EXPECT_EQ(command_error({"sh", "-c", "kill -9 $$"}), "balancer.command [sh -c kill -9 $$]: killed by signal 9");
    EXPECT_EQ(command_error({"/nonexistent/moetwin-policy"}),
              "balancer.command [/nonexistent/moetwin-policy]: exited with status 127; its stderr ends: cannot "
              "execute: No such file or directory");
    EXPECT_EQ(command_error({}), "balancer.command: expected a non-empty argv array whose first element names the "
                                 "program");
    EXPECT_EQ(command_error({"true"}, 0), "balancer.command_timeout_s: expected seconds in (0, 86400], got 0");
    try { // unbounded output is cut at the limit
        (void)run_command({{"yes"}, 10, {}}, "", 1 << 20);
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "balancer.command [yes]: wrote more than 1048576 bytes to stdout");
    }
}

TEST(PlacementCommand, GarbageOutputIsRejectedAsCommandOutput) {
    const ExpertLoad load = one_layer({8, 4, 2, 2});
    const auto err        = [&](const std::string& script) {
        try {
            (void)place_with_command({{"sh", "-c", "cat >/dev/null; " + script}, 10, {}}, load, kSpec);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_NE(err("echo garbage").find("command output (balancer.command [sh -c"), std::string::npos);
    EXPECT_NE(err("echo garbage").find("invalid JSON"), std::string::npos);
    EXPECT_NE(err("true").find("command output"), std::string::npos); // nothing at all
    EXPECT_NE(err("echo '{\"phy2log\": [[0,1,2,3,0,7]]}'").find("phy2log[0][5]: layer 0, slot 5: logical expert 7"),
              std::string::npos);
    const Placement p = place_with_command(
        {{"sh", "-c", "cat >/dev/null; echo '{\"phy2log\": [[0,1,2,3,0,0]]}'"}, 10, {}}, load, kSpec);
    EXPECT_EQ(p.count(0, 0), 3);
}

// The shipped example (examples/balancer/greedy_placement.py), hand-computed on loads 8, 4, 2, 2:
// redundant slots to expert 0 twice (8/2 = 4 ties expert 1's 4, lower id first) → replicas
// 4 (e1), 8/3 × 3 (e0), 2 (e3), 2 (e2); heaviest first to the least-loaded GPU not holding the
// expert: GPU0 = {e1, e0}, GPU1 = {e0, e3}, GPU2 = {e0, e2}; loads 6.67, 4.67, 4.67 over a mean of 5.33.
TEST(PlacementCommand, PythonExampleIsTheGreedyPolicy) {
    if (!has_python3()) GTEST_SKIP() << "python3 not found";
    const CommandSpec cmd{
        {"python3", "greedy_placement.py"}, 60, std::string(MOETWIN_SOURCE_DIR) + "/examples/balancer"};
    const ExpertLoad load = one_layer({8, 4, 2, 2});
    const Placement p     = place_with_command(cmd, load, kSpec);
    EXPECT_EQ(p.phy2log, (std::vector<int>{1, 0, 0, 3, 0, 2}));
    EXPECT_NEAR(busiest_over_mean(p, kSpec, load).mean_ratio, (8.0 / 3 + 4) / (16.0 / 3), 1e-12);
    // The production prefill unit's shape: 58 layers, 288 slots on 32 GPUs of 4 nodes; every GPU within one
    // replica of the lightest possible.
    ExpertLoad big{58, 256, {}};
    for (int i = 0; i < 58 * 256; ++i)
        big.tokens.push_back(double(1 + (i * 7919) % 97));
    const PlacementSpec prefill{288, 8, 4, 32};
    const Placement q = place_with_command(cmd, big, prefill);
    check_placement(q, prefill);
    EXPECT_LT(busiest_over_mean(q, prefill, big).worst_ratio, 1.25);
}
