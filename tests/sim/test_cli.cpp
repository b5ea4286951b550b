// SPDX-License-Identifier: Apache-2.0
// The moetwin binary end to end: exit codes (0 ok, 1 input error), messages on stderr, outputs
// written atomically and only on success, and a simulated step's figures in the summary.
#include "../support/run_moetwin.hpp"
#include "../support/test_files.hpp"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace {

using moetwin_test::Outcome;

Outcome moetwin(const std::string& args, const std::string& streams = " 2>&1", const fs::path& cwd = {}) {
    return moetwin_test::run_moetwin(args, streams, cwd);
}

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("moetwin_cli_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

} // namespace

TEST(Cli, VersionAndHelp) {
    const Outcome v = moetwin("--version");
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_EQ(v.output, "moetwin 0.1.0\n");
    for (const char* sub : {"run", "validate", "fit", "models"}) {
        const Outcome h = moetwin(std::string(sub) + " --help");
        EXPECT_EQ(h.exit_code, 0) << sub;
        EXPECT_NE(h.output.find("Usage"), std::string::npos) << sub;
    }
}

TEST(Cli, NoSubcommandIsUsageError) {
    EXPECT_EQ(moetwin("").exit_code, 1);
}

TEST(Cli, UnknownOptionIsUsageError) {
    EXPECT_EQ(moetwin("run --bogus").exit_code, 1);
}

TEST(Cli, ValidateGoodScenario) {
    const Outcome o = moetwin("validate scenarios/deepseek_v3_prefill_ep32.json");
    EXPECT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("deployment.prefill: 4 nodes, EP32, DP32, TP1, 32 redundant experts, 9 routed + 1 "
                            "shared experts per GPU"),
              std::string::npos)
        << o.output;
}

TEST(Cli, ValidateBadScenarioExitsOneWithPath) {
    const fs::path dir = scratch("bad");
    const fs::path bad = dir / "day6_decode.json";
    std::ofstream(bad) << R"({"name": "x", "model": {"name": "deepseek_v3"}, "hardware": {"gpu": "h800"},
        "cluster": {"num_nodes": 18}, "deployment": {"decode": {"num_nodes": 18, "ep_size": 145, "dp_size": 145}},
        "workload": {"phase": "decode"}})";
    const Outcome o = moetwin("validate " + bad.string());
    EXPECT_EQ(o.exit_code, 1);
    EXPECT_EQ(o.output, "moetwin: " + bad.string() +
                            ": deployment.decode.ep_size: 145 contradicts the value derived from num_nodes × "
                            "cluster.gpus_per_node = 18 × 8: 144 (remove the key to use it)\n");
}

TEST(Cli, RunMissingFileExitsOne) {
    const Outcome o = moetwin("run /nonexistent/s.json --out /tmp/never_written");
    EXPECT_EQ(o.exit_code, 1);
    EXPECT_EQ(o.output, "moetwin: /nonexistent/s.json: cannot read: No such file or directory\n");
    EXPECT_FALSE(fs::exists("/tmp/never_written"));
}

TEST(Cli, RunDefaultSimulatesTheStepAndWritesOutputs) {
    const fs::path dir = scratch("run");
    const Outcome o    = moetwin("run --out " + dir.string());
    EXPECT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("scenario deepseek_v3_decode_ep144 (<embedded default scenario>)"), std::string::npos);
    EXPECT_NE(o.output.find("== memory fit: decode unit (18 nodes, EP144) =="), std::string::npos);
    EXPECT_EQ(o.output.find("timing: not simulated"), std::string::npos) << o.output;
    // 61 model layers + the MTP module's pass (one draft token) as layer 61.
    EXPECT_NE(o.output.find("== step: decode, 144 GPUs, 62 layers, 2 micro-batch(es) =="), std::string::npos)
        << o.output;
    EXPECT_NE(o.output.find("MTP: 1 pass(es) of the MTP module as MoE layer(s) 61"), std::string::npos) << o.output;
    // A real, positive step time and throughput, in ms and tokens/s.
    const auto at = o.output.find("step time: ");
    ASSERT_NE(at, std::string::npos) << o.output;
    const double step_ms = std::stod(o.output.substr(at + 11));
    EXPECT_GT(step_ms, 1.0) << o.output; // 61 layers cannot take under a millisecond
    EXPECT_LT(step_ms, 1000.0) << o.output;
    EXPECT_NE(o.output.find(" tokens/s per GPU, "), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("slowest GPU: "), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("busiest link: "), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("network: fluid (calibrated to DeepEP), low_latency all-to-all"), std::string::npos);
    // Progress reports (stderr): planning per MoE layer, the SimGrid run, the end.
    EXPECT_NE(o.output.find("progress 0.00 planning\n"), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("progress 0.50 planned MoE layer 59/59\n"), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("progress 0.91 simulating layer 57/62 (GPU 0)\n"), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("progress 1.00 done\n"), std::string::npos) << o.output;
    EXPECT_TRUE(fs::exists(dir / "result.json"));
    EXPECT_TRUE(fs::exists(dir / "gpus.csv"));
    EXPECT_TRUE(fs::exists(dir / "links.csv"));
    for (const auto& e : fs::directory_iterator(dir))
        EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}

TEST(Cli, RunProgressGoesToStderrOnlyInOrder) {
    const fs::path dir = scratch("stderr_split");
    const Outcome o    = moetwin("run scenarios/tiny_1node_ep8_decode.json --out " + dir.string(),
                                 " 2>" + (dir / "stderr.txt").string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    EXPECT_EQ(o.output.find("progress"), std::string::npos) << o.output; // stdout: the report only
    EXPECT_NE(o.output.find("step time: "), std::string::npos) << o.output;
    std::ifstream err(dir / "stderr.txt");
    std::string line;
    std::vector<double> fractions;
    while (std::getline(err, line)) {
        ASSERT_EQ(line.rfind("progress ", 0), 0u) << line;
        fractions.push_back(std::stod(line.substr(9)));
    }
    ASSERT_GE(fractions.size(), 4u); // planning, 2 MoE layers, done
    EXPECT_EQ(fractions.front(), 0.0);
    EXPECT_EQ(fractions.back(), 1.0);
    EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
}

TEST(Cli, SameScenarioSameBytes) {
    const fs::path a = scratch("det_a"), b = scratch("det_b");
    ASSERT_EQ(moetwin("run scenarios/tiny_1node_ep8_decode.json --out " + a.string()).exit_code, 0);
    ASSERT_EQ(moetwin("run scenarios/tiny_1node_ep8_decode.json --out " + b.string()).exit_code, 0);
    for (const char* f : {"result.json", "gpus.csv", "links.csv"}) {
        std::ifstream fa(a / f), fb(b / f);
        const std::string sa((std::istreambuf_iterator<char>(fa)), {}), sb((std::istreambuf_iterator<char>(fb)), {});
        EXPECT_FALSE(sa.empty()) << f;
        EXPECT_EQ(sa, sb) << f;
    }
}

TEST(Cli, ModelsListsTheCatalogue) {
    const Outcome o = moetwin("models");
    EXPECT_EQ(o.exit_code, 0);
    for (const char* m :
         {"deepseek_v3", "deepseek_v2", "qwen3_235b_a22b", "kimi_k2", "mixtral_8x22b", "mixtral_8x7b", "grok1",
          "deepseek_v2_lite", "llama3_1_405b", "llama3_1_70b", "r1_distill_qwen_32b", "r1_distill_qwen_7b"})
        EXPECT_NE(o.output.find(m), std::string::npos) << m;
}

TEST(Cli, FitSaysWhetherItFits) {
    const Outcome o = moetwin("fit scenarios/deepseek_v3_prefill_ep32.json");
    EXPECT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("max batch per GPU:"), std::string::npos) << o.output;
}

TEST(Cli, CalibrateHelpAndBadTrace) {
    const Outcome h = moetwin("calibrate --help");
    EXPECT_EQ(h.exit_code, 0);
    EXPECT_NE(h.output.find("--scenario"), std::string::npos);
    const fs::path dir = scratch("calibrate_bad");
    { std::ofstream(dir / "t.json") << "{\"traceEvents\": 5}"; }
    const Outcome o = moetwin("calibrate " + (dir / "t.json").string() + " -o " + (dir / "out").string());
    EXPECT_EQ(o.exit_code, 1);
    EXPECT_NE(o.output.find("t.json: traceEvents: expected an array, got the number 5"), std::string::npos) << o.output;
    EXPECT_FALSE(fs::exists(dir / "out")); // nothing written on error
    fs::remove_all(dir);
}

TEST(Cli, CalibrateTheRealTraceAndUseTheCalibration) {
    const fs::path trace = fs::path(MOETWIN_SHARED_DIR) / "data/profile_traces/deepseek_v3_train_ep64.json.gz";
    if (!fs::exists(trace)) GTEST_SKIP() << trace << " not found";
    const fs::path dir = scratch("calibrate_real");
    const Outcome o    = moetwin("calibrate " + trace.string() + " -o " + dir.string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("963 kernels, 963 attributed"), std::string::npos);
    EXPECT_NE(o.output.find("unclassified kernels: 3"), std::string::npos);
    for (const char* f : {"profile.json", "calibration.json"})
        EXPECT_TRUE(fs::exists(dir / f)) << f;
    // A scenario naming the calibration validates and says so.
    std::ifstream in(std::string(MOETWIN_SOURCE_DIR) + "/scenarios/deepseek_v3_train_ep64_trace.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string key = "\"compute\": { \"source\": \"roofline\" }";
    ASSERT_NE(text.find(key), std::string::npos);
    text.replace(text.find(key), key.size(),
                 "\"compute\": { \"source\": \"profile\", \"profile_path\": \"profile.json\", \"calibration\": "
                 "\"calibration.json\" }");
    { std::ofstream(dir / "scenario.json") << text; }
    const Outcome v = moetwin("validate " + (dir / "scenario.json").string());
    EXPECT_EQ(v.exit_code, 0) << v.output;
    EXPECT_NE(v.output.find("calibration"), std::string::npos) << v.output;
    fs::remove_all(dir);
}

namespace {

// tiny_1node_ep8_decode with 6,000 requests of up to 4,096 tokens per GPU: ~1.6 TB of KV per GPU.
fs::path oversized_scenario() {
    std::ifstream in("scenarios/tiny_1node_ep8_decode.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string from = "\"requests_per_gpu\": 64";
    text.replace(text.find(from), from.size(), "\"requests_per_gpu\": 6000");
    const fs::path p = scratch("oversized") / "oversized.json";
    std::ofstream(p) << text;
    return p;
}

// Issue 13 item 1: a deployment that does not fit is refused (exit 1 with the fit's reason) unless the
// user asks for it, and the result then records the verdict; `fit` exits 1; `validate` reports the fit.
TEST(CliFit, RunRefusesWhatDoesNotFitUnlessAllowed) {
    const fs::path s   = oversized_scenario();
    const fs::path out = scratch("oversized_out");
    const Outcome r    = moetwin("run " + s.string() + " --out " + out.string());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("decode unit, GPU memory: does not fit: 6000 requests per GPU need"), std::string::npos)
        << r.output;
    EXPECT_FALSE(fs::exists(out / "result.json"));
    const Outcome a = moetwin("run " + s.string() + " --allow-not-fitting --out " + out.string());
    ASSERT_EQ(a.exit_code, 0) << a.output;
    std::ifstream res(out / "result.json");
    const std::string json((std::istreambuf_iterator<char>(res)), std::istreambuf_iterator<char>());
    EXPECT_NE(json.find("memory fit: does not fit: 6000 requests per GPU need"), std::string::npos);
    EXPECT_NE(json.find("simulated because allow_not_fitting is set"), std::string::npos);
}

TEST(CliFit, FitExitsOneWhenAUnitDoesNotFitAndValidateSaysSo) {
    const fs::path s = oversized_scenario();
    const Outcome f  = moetwin("fit " + s.string());
    EXPECT_EQ(f.exit_code, 1) << f.output;
    EXPECT_NE(f.output.find("oversized.json: decode unit: does not fit: 6000 requests per GPU need"), std::string::npos)
        << f.output;
    EXPECT_EQ(moetwin("fit scenarios/tiny_1node_ep8_decode.json").exit_code, 0);
    const Outcome v = moetwin("validate " + s.string());
    EXPECT_EQ(v.exit_code, 0) << v.output; // a valid scenario; the verdict is reported
    EXPECT_NE(v.output.find("memory fit, decode unit: does not fit: 6000 requests per GPU need"), std::string::npos)
        << v.output;
}

TEST(CliFit, EveryShippedScenarioFits) {
    for (const auto& e : fs::directory_iterator("scenarios")) {
        if (e.path().extension() != ".json") continue;
        const Outcome f = moetwin("fit " + e.path().string());
        // A what-if whose answer is "it does not fit" says so (allow_not_fitting): fit reports and exits 1.
        std::ifstream text(e.path());
        const std::string body((std::istreambuf_iterator<char>(text)), std::istreambuf_iterator<char>());
        const bool not_fitting = body.find("\"allow_not_fitting\": true") != std::string::npos;
        EXPECT_EQ(f.exit_code, not_fitting ? 1 : 0) << e.path() << "\n" << f.output;
        if (not_fitting) EXPECT_NE(f.output.find("does not fit"), std::string::npos) << f.output;
    }
}

} // namespace

namespace {

// Issue 13 item 4: replicate_hottest left spare slots empty, so its results could not be written.
TEST(CliPolicies, EveryPlacementPolicyRunsAndWritesItsResult) {
    std::ifstream in("scenarios/tiny_1node_ep8_decode.json");
    const std::string base((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const char* policy :
         {"replicate_hottest", "eplb", "eplb_global", "eplb_hierarchical", "lpt_swap", "group_affine"}) {
        std::string text       = base;
        const std::string from = "\"policy\": \"eplb\"";
        text.replace(text.find(from), from.size(), std::string("\"policy\": \"") + policy + "\"");
        const fs::path dir = scratch(std::string("policy_") + policy);
        std::ofstream(dir / "s.json") << text;
        const Outcome o = moetwin("run " + (dir / "s.json").string() + " --out " + (dir / "out").string());
        EXPECT_EQ(o.exit_code, 0) << policy << "\n" << o.output;
        EXPECT_TRUE(fs::exists(dir / "out" / "result.json")) << policy;
    }
}

} // namespace

namespace {

TEST(CliUsage, MistypedSubcommandSuggestsTheClosestOne) {
    const Outcome o = moetwin("rnu");
    EXPECT_EQ(o.exit_code, 1);
    EXPECT_NE(o.output.find("unknown command 'rnu'; did you mean 'run'?"), std::string::npos) << o.output;
    const Outcome f = moetwin("fti scenarios/tiny_2gpu_1layer.json");
    EXPECT_NE(f.output.find("did you mean 'fit'?"), std::string::npos) << f.output;
    const Outcome far = moetwin("xyzzyq");
    EXPECT_EQ(far.exit_code, 1);
    EXPECT_EQ(far.output.find("did you mean"), std::string::npos) << far.output;
}

// Issue 13 item 2: a result records the resolved scenario it ran, and `run --from-result` reruns exactly that:
// the same result.json, byte for byte.
using moetwin_test::slurp;

TEST(CliFromResult, RerunGivesTheSameBytes) {
    const fs::path a = scratch("from_a"), b = scratch("from_b");
    ASSERT_EQ(moetwin("run scenarios/tiny_1node_ep8_decode.json --out " + a.string()).exit_code, 0);
    const std::string first = slurp(a / "result.json");
    EXPECT_NE(first.find("\n  \"scenario\": {\n"), std::string::npos);
    EXPECT_NE(first.find("\"policy\": \"eplb\""), std::string::npos);
    const Outcome o = moetwin("run --from-result " + (a / "result.json").string() + " --out " + b.string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    EXPECT_EQ(slurp(b / "result.json"), first);
    EXPECT_EQ(slurp(b / "gpus.csv"), slurp(a / "gpus.csv"));
    // Not both a scenario and a result.
    EXPECT_EQ(
        moetwin("run scenarios/tiny_1node_ep8_decode.json --from-result " + (a / "result.json").string()).exit_code, 1);
    fs::remove_all(a);
    fs::remove_all(b);
}

TEST(CliFromResult, AResultWithoutItsScenarioIsRefusedWithThePath) {
    const fs::path dir = scratch("from_bad");
    ASSERT_EQ(moetwin("run scenarios/tiny_2gpu_1layer.json --out " + dir.string()).exit_code, 0);
    std::string text   = slurp(dir / "result.json");
    const size_t begin = text.find("  \"scenario\": {");
    const size_t end   = text.find("\n  },\n", begin) + 5; // through the scenario's closing brace and comma
    ASSERT_NE(begin, std::string::npos);
    std::ofstream(dir / "missing.json") << text.substr(0, begin) + text.substr(end);
    const Outcome m = moetwin("run --from-result " + (dir / "missing.json").string() + " --out " + dir.string());
    EXPECT_EQ(m.exit_code, 1);
    EXPECT_NE(m.output.find("missing.json: (top level): missing required key \"scenario\""), std::string::npos)
        << m.output;
    // A recorded scenario that breaks the scenario schema names the result, "scenario" and the key.
    const std::string from = "\"policy\": \"none\""; // tiny_2gpu_1layer places no redundant experts
    ASSERT_NE(text.find(from), std::string::npos);
    std::ofstream(dir / "badpolicy.json") << text.replace(text.find(from), from.size(), "\"policy\": \"nope\"");
    const Outcome p = moetwin("run --from-result " + (dir / "badpolicy.json").string() + " --out " + dir.string());
    EXPECT_EQ(p.exit_code, 1);
    EXPECT_NE(p.output.find("badpolicy.json: scenario"), std::string::npos) << p.output;
    EXPECT_NE(p.output.find("balancer.policy"), std::string::npos) << p.output;
    fs::remove_all(dir);
}

} // namespace

namespace {

// Issue 13 item 9: the memory fit's input errors name the scenario file and the unit.
TEST(CliFit, FitInputErrorsNameTheFileAndTheUnit) {
    const fs::path dir = scratch("fit_error");
    std::ofstream(dir / "q.json") << R"({"name": "q", "model": {"name": "qwen3_235b_a22b", "num_dense_layers": 0,
      "num_moe_layers": 2}, "hardware": {"gpu": "h800"}, "cluster": {"fabric": "single_node", "num_nodes": 1,
      "gpus_per_node": 8}, "deployment": {"decode": {"num_nodes": 1, "ep_size": 8, "dp_size": 8,
      "routed_experts_per_gpu": 16, "shared_experts_per_gpu": 1}}, "workload": {"phase": "decode",
      "requests_per_gpu": 8}})";
    const Outcome o = moetwin("fit " + (dir / "q.json").string());
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_NE(o.output.find("q.json: deployment.decode (memory fit): fit: shared_experts_per_gpu: 1 must be in [0, 0]"),
              std::string::npos)
        << o.output;
}

} // namespace

namespace {

// Issue 13 item 9: the default step had 17 spans overlapping their lane neighbour by 1-2 ns (separately
// rounded ends), which trace viewers nest. No span may start before its lane neighbour ends.
TEST(CliTrace, NoSpanOverlapsItsLaneNeighbour) {
    const fs::path out = scratch("overlap");
    ASSERT_EQ(moetwin("run --out " + out.string(), " >/dev/null 2>&1").exit_code, 0);
    std::ifstream in(out / "result.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // spans.groups[].rows[] = [begin_ns, end_ns, layer, micro_batch, op], one group per (gpu, lane), sorted,
    // one row per line.
    std::istringstream lines(text);
    std::string line;
    int overlaps = 0, groups = 0;
    bool in_rows       = false;
    long long prev_end = -1;
    while (std::getline(lines, line)) {
        const std::size_t first = line.find_first_not_of(' ');
        if (first == std::string::npos) continue;
        if (line.find("\"rows\": [") != std::string::npos) {
            in_rows = true, prev_end = -1, ++groups;
            continue;
        }
        long long b = 0, e = 0;
        if (in_rows && line[first] == '[' && std::sscanf(line.c_str() + first, "[%lld, %lld", &b, &e) == 2) {
            if (b < prev_end) ++overlaps;
            prev_end = std::max(prev_end, e);
        } else if (in_rows && line[first] == ']') {
            in_rows = false;
        }
    }
    EXPECT_GT(groups, 100);
    EXPECT_EQ(overlaps, 0);
}

} // namespace

namespace {

// Issue 13 item 3: outputs default to out/<scenario name>, never silently replace another scenario's
// results, and an output folder that cannot be written fails before anything is simulated.
const std::string kTiny = fs::absolute("scenarios/tiny_1node_ep8_decode.json").string();

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The tiny scenario renamed to `name`, written into `dir`.
fs::path renamed_tiny(const fs::path& dir, const std::string& name) {
    std::string text       = read_text(kTiny);
    const std::string from = "\"name\": \"tiny_1node_ep8_decode\"";
    text.replace(text.find(from), from.size(), "\"name\": \"" + name + "\"");
    const fs::path p = dir / (name + ".json");
    std::ofstream(p) << text;
    return p;
}

// meta.scenario of the result.json in `dir`.
std::string result_scenario(const fs::path& dir) {
    return nlohmann::json::parse(read_text(dir / "result.json"))["meta"]["scenario"].get<std::string>();
}

// `moetwin ARGS` run from the folder `cwd` (where the default out/<name> lands).
Outcome moetwin_in(const fs::path& cwd, const std::string& args) {
    return moetwin(args, " 2>&1", cwd);
}

TEST(CliOutputDir, DefaultsToOutSlashNameAndARenamedCopyWritesItsOwn) {
    const fs::path cwd = scratch("outdir_default");
    const Outcome a    = moetwin_in(cwd, "run " + kTiny);
    ASSERT_EQ(a.exit_code, 0) << a.output;
    EXPECT_NE(a.output.find("wrote out/tiny_1node_ep8_decode/result.json"), std::string::npos) << a.output;
    const std::string first = read_text(cwd / "out/tiny_1node_ep8_decode/result.json");
    EXPECT_EQ(result_scenario(cwd / "out/tiny_1node_ep8_decode"), "tiny_1node_ep8_decode");
    const Outcome b = moetwin_in(cwd, "run " + renamed_tiny(cwd, "tiny_copy").string());
    ASSERT_EQ(b.exit_code, 0) << b.output;
    EXPECT_EQ(result_scenario(cwd / "out/tiny_copy"), "tiny_copy");
    EXPECT_EQ(read_text(cwd / "out/tiny_1node_ep8_decode/result.json"), first); // untouched
    // The same scenario again into its own folder: allowed, and (deterministic) the same bytes.
    const Outcome again = moetwin_in(cwd, "run " + kTiny);
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_EQ(read_text(cwd / "out/tiny_1node_ep8_decode/result.json"), first);
    fs::remove_all(cwd);
}

TEST(CliOutputDir, AnotherScenariosResultIsRefusedUnlessForced) {
    const fs::path dir = scratch("outdir_clash");
    const fs::path out = dir / "out";
    ASSERT_EQ(moetwin("run " + kTiny + " --out " + out.string()).exit_code, 0);
    const std::string first = read_text(out / "result.json");
    const fs::path copy     = renamed_tiny(dir, "tiny_copy");
    const Outcome r         = moetwin("run " + copy.string() + " --out " + out.string());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("moetwin: " + out.string() +
                            ": holds the results of scenario 'tiny_1node_ep8_decode', not of scenario "
                            "'tiny_copy'; run with --out DIR to write elsewhere, or --force to overwrite them\n"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(r.output.find("progress"), std::string::npos) << r.output; // refused before simulating
    EXPECT_EQ(read_text(out / "result.json"), first);
    const Outcome f = moetwin("run " + copy.string() + " --force --out " + out.string());
    ASSERT_EQ(f.exit_code, 0) << f.output;
    EXPECT_EQ(result_scenario(out), "tiny_copy");
    // A result.json that is not a moetwin result is not overwritten silently either.
    std::ofstream(out / "result.json") << "not json";
    const Outcome junk = moetwin("run " + copy.string() + " --out " + out.string());
    EXPECT_EQ(junk.exit_code, 1) << junk.output;
    EXPECT_NE(junk.output.find("holds a result.json that is not a moetwin result"), std::string::npos) << junk.output;
    fs::remove_all(dir);
}

TEST(CliOutputDir, UnwritableFolderFailsBeforeSimulating) {
    const fs::path dir  = scratch("outdir_unwritable");
    const fs::path file = dir / "a_file";
    std::ofstream(file) << "x";
    const fs::path out = file / "out"; // under a regular file: cannot be created, even by root
    const Outcome o    = moetwin("run " + kTiny + " --out " + out.string());
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_NE(o.output.find("moetwin: " + out.string() + ": output folder is not writable: Not a directory\n"),
              std::string::npos)
        << o.output;
    EXPECT_EQ(o.output.find("progress"), std::string::npos) << o.output;
    // A run refused later (here: a deployment that does not fit) leaves no empty folder behind.
    const fs::path fresh = dir / "fresh" / "nested";
    EXPECT_EQ(moetwin("run " + oversized_scenario().string() + " --out " + fresh.string()).exit_code, 1);
    EXPECT_FALSE(fs::exists(dir / "fresh"));
    fs::remove_all(dir);
}

// `bench step` times the run `moetwin run` makes, through the same pipeline (sim/run.hpp): with the
// scenario's calibration (compute and in-situ DeepEP rates), not a plain roofline. The prefill
// replica scenario uses the shipped calibration, which changes both its compute times and its
// normal-mode all-to-all rates, so a bench that timed another run would print another step time.
TEST(CliBench, BenchStepTimesTheRunThatRunMakes) {
    const std::string scenario = "scenarios/deepseek_v3_profile_prefill_ep32.json";
    const fs::path dir         = scratch("bench_step");
    const Outcome r            = moetwin("run " + scenario + " --out " + dir.string(), " 2>/dev/null");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::ifstream in(dir / "result.json");
    const auto result         = nlohmann::json::parse(in);
    const int64_t run_step_ns = result.at("summary").at("step_time_ns").get<int64_t>();
    const std::string name    = result.at("meta").at("scenario").get<std::string>();
    EXPECT_EQ(
        result.at("meta").at("notes").at(0).get<std::string>().rfind("compute: roofline (h800), calibrated from ", 0),
        0u)
        << result.at("meta").at("notes");

    const Outcome b = moetwin("bench step " + scenario, " 2>/dev/null");
    ASSERT_EQ(b.exit_code, 0) << b.output;
    std::istringstream lines(b.output);
    std::string line, header;
    std::getline(lines, header);
    EXPECT_EQ(header.rfind("scenario", 0), 0u) << b.output;
    int rows = 0;
    while (std::getline(lines, line)) {
        std::istringstream row(line);
        std::string row_name;
        double plan_s = 0, platform_s = 0, sim_s = 0, result_s = 0, total_s = 0, step_ms = 0, tps = 0;
        row >> row_name >> plan_s >> platform_s >> sim_s >> result_s >> total_s >> step_ms >> tps;
        ASSERT_TRUE(row) << line;
        ++rows;
        EXPECT_EQ(row_name, name);
        EXPECT_EQ(std::llround(step_ms * 1e6), run_step_ns) << line; // step_ms to the ns
        for (double stage : {plan_s, platform_s, sim_s, result_s})
            EXPECT_GT(stage, 0.0) << line;
        // The SimGrid stage holds more than its two parts (the trace's set-up and hand-over).
        EXPECT_GE(total_s + 0.002, plan_s + platform_s + sim_s + result_s) << line;
    }
    EXPECT_EQ(rows, 1) << b.output;
    fs::remove_all(dir);
}

} // namespace
