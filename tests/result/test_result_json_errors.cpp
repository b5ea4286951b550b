// SPDX-License-Identifier: Apache-2.0
// Malformed result files, each with the exact message the user (or the GUI) sees.
#include "sim/result/result_json.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sample_result.hpp"

#include <gtest/gtest.h>
#ifndef JSON_USE_IMPLICIT_CONVERSIONS
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#endif
#include <nlohmann/json.hpp>

#include <sstream>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using namespace moetwin;
using OJson = nlohmann::ordered_json;

namespace {

OJson sample_doc() {
    std::ostringstream out;
    write_result_json(test::sample_result(), out);
    return OJson::parse(out.str());
}

std::string error_of_text(const std::string& text) {
    try {
        parse_result_json(text, "bad.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

std::string error_of(const OJson& doc) {
    return error_of_text(doc.dump(2));
}

} // namespace

TEST(ResultJsonErrors, SyntaxErrorHasLineAndColumn) {
    EXPECT_EQ(error_of_text("{\n  \"meta\": {\n    \"format_version\": 1,\n  }\n}"),
              "bad.json:4:3: invalid JSON: syntax error while parsing object key - unexpected '}'; expected string "
              "literal");
    EXPECT_EQ(error_of_text("{\"meta\": [1, 2,, 3]}"),
              "bad.json:1:16: invalid JSON: syntax error while parsing value - unexpected ','; expected '[', '{', or "
              "a literal");
    EXPECT_EQ(error_of_text("{\"a\": 1e999}"),
              "bad.json:1:7: invalid JSON: the number 1e999 is beyond the range of a double (about ±1.8e308)");
}

TEST(ResultJsonErrors, TruncatedFile) {
    EXPECT_EQ(error_of_text("{\n  \"meta\": {\n    \"format_version\": 1"),
              "bad.json:3:24: truncated JSON: the file ends before the document does (syntax error while parsing "
              "object - unexpected end of input; expected '}')");
    EXPECT_EQ(error_of_text(""), "bad.json: empty file: expected a JSON document");

    // A real result file cut in half, read from disk: the message names the file and says truncated.
    const fs::path p = test::scratch_dir("truncated") / "half.json";
    std::ostringstream out;
    write_result_json(test::sample_result(), out);
    write_file_atomic(p, out.str().substr(0, out.str().size() / 2));
    try {
        read_result_json(p);
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(p.string() + ":", 0), 0u) << msg;
        EXPECT_NE(msg.find(": truncated JSON: the file ends before the document does ("), std::string::npos) << msg;
    }
}

TEST(ResultJsonErrors, DuplicateKey) {
    EXPECT_EQ(error_of_text("{\"meta\": {\"seed\": 1, \"seed\": 2}}"), "bad.json: meta: duplicate key \"seed\"");
}

TEST(ResultJsonErrors, UnknownKey) {
    OJson doc             = sample_doc();
    doc["meta"]["colour"] = "red";
    EXPECT_EQ(error_of(doc),
              "bad.json: meta.colour: unknown key (expected one of: format_version, moetwin_version, scenario, "
              "model, phase, seed, num_nodes, gpus_per_node, num_gpus, num_layers, num_micro_batches, "
              "compute_source, network_model, notes)");
    doc                                 = sample_doc();
    doc["spans"]["groups"][1]["colour"] = 1;
    EXPECT_EQ(error_of(doc), "bad.json: spans.groups[1].colour: unknown key (expected one of: gpu, lane, rows)");
    doc          = sample_doc();
    doc["extra"] = OJson::object();
    EXPECT_EQ(
        error_of(doc),
        "bad.json: extra: unknown key (expected one of: meta, scenario, summary, op_names, gpus, layer_gpu, links, "
        "experts, spans)");
}

TEST(ResultJsonErrors, WrongType) {
    OJson doc               = sample_doc();
    doc["meta"]["num_gpus"] = "4";
    EXPECT_EQ(error_of(doc), "bad.json: meta.num_gpus: expected an integer, got the string \"4\"");
    doc                                = sample_doc();
    doc["summary"]["timing_simulated"] = 1;
    EXPECT_EQ(error_of(doc), "bad.json: summary.timing_simulated: expected true or false, got the number 1");
    doc                             = sample_doc();
    doc["links"][2]["capacity_Bps"] = nullptr;
    EXPECT_EQ(error_of(doc), "bad.json: links[2].capacity_Bps: expected a number, got null");
    doc                          = sample_doc();
    doc["gpus"][1]["bytes_sent"] = 1.5;
    EXPECT_EQ(error_of(doc), "bad.json: gpus[1].bytes_sent: expected an integer, got the number 1.5");
    doc                 = sample_doc();
    doc["meta"]["seed"] = -1;
    EXPECT_EQ(error_of(doc), "bad.json: meta.seed: expected an unsigned integer, got the number -1");
    doc                                     = sample_doc();
    doc["spans"]["groups"][0]["rows"][1][2] = 40000;
    EXPECT_EQ(error_of(doc), "bad.json: spans.groups[0].rows[1][2]: 40000 is out of range [-1, 32767]");
    doc                                  = sample_doc();
    doc["spans"]["groups"][0]["rows"][1] = {1500, 1750, 0, 0};
    EXPECT_EQ(error_of(doc), "bad.json: spans.groups[0].rows[1]: expected an array of 5 integers [begin_ns, "
                             "end_ns, layer, micro_batch, op], got an array of 4 elements");
    doc                               = sample_doc();
    doc["spans"]["groups"][3]["lane"] = "comput";
    EXPECT_EQ(
        error_of(doc),
        "bad.json: spans.groups[3].lane: expected \"compute\", \"dispatch\" or \"combine\", got the string \"comput\"");
    EXPECT_EQ(error_of_text("[1]"), "bad.json: (top level): expected an object, got an array of 1 element");
}

TEST(ResultJsonErrors, MissingKey) {
    OJson doc = sample_doc();
    doc["summary"].erase("step_time_ns");
    EXPECT_EQ(error_of(doc), "bad.json: summary: missing required key \"step_time_ns\"");
    doc = sample_doc();
    doc.erase("experts");
    EXPECT_EQ(error_of(doc), "bad.json: (top level): missing required key \"experts\"");
    doc = sample_doc();
    doc["links"][0].erase("kind");
    EXPECT_EQ(error_of(doc), "bad.json: links[0]: missing required key \"kind\"");
}

TEST(ResultJsonErrors, SpanOutOfRange) {
    OJson doc                               = sample_doc();
    doc["spans"]["groups"][0]["rows"][3][1] = 20000; // gpu 0 compute, 4th span: end after the step
    EXPECT_EQ(error_of(doc),
              "bad.json: spans (gpu 0 compute, row 3): end_ns 20000 is after summary.step_time_ns 10000");
    doc                                     = sample_doc();
    doc["spans"]["groups"][0]["rows"][0][4] = 9;
    EXPECT_EQ(error_of(doc), "bad.json: spans (gpu 0 compute, row 0): op 9 outside [0, op_names size 6)");
}

TEST(ResultJsonErrors, GpuIdOutOfRange) {
    OJson doc                        = sample_doc();
    doc["spans"]["groups"][6]["gpu"] = 7; // the last group (gpu 3 dispatch)
    EXPECT_EQ(error_of(doc), "bad.json: spans (gpu 7 dispatch, row 0): gpu 7 outside [0, meta.num_gpus 4)");
    doc                           = sample_doc();
    doc["summary"]["slowest_gpu"] = 4;
    EXPECT_EQ(error_of(doc), "bad.json: summary.slowest_gpu: must be in [-1, 3], got 4");
}

TEST(ResultJsonErrors, MatrixWrongShape) {
    OJson doc = sample_doc();
    doc["layer_gpu"]["compute_ns"][1].erase(3);
    EXPECT_EQ(error_of(doc), "bad.json: layer_gpu.compute_ns[1]: expected 4 entries (meta.num_gpus), got 3");
    doc = sample_doc();
    doc["experts"]["tokens"].push_back({1, 2, 3, 4});
    EXPECT_EQ(error_of(doc), "bad.json: experts.tokens: expected 2 rows (meta.num_layers), got 3");
    doc = sample_doc();
    doc["experts"]["phy2log"][0].push_back(1);
    EXPECT_EQ(error_of(doc), "bad.json: experts.phy2log[0]: expected 0 or 8 entries (meta.num_gpus * "
                             "experts.slots_per_gpu), got 9");
}

// Uneven slots per GPU (issue 13 item 6): experts.gpu_slots lists each GPU's, one less than the busiest's at most,
// and the phy2log rows hold their sum.
TEST(ResultJsonErrors, UnevenGpuSlots) {
    OJson doc                    = sample_doc();
    doc["experts"]["gpu_slots"]  = {2, 2, 2, 1};
    doc["experts"]["phy2log"][0] = {0, 1, 2, 3, 0, 1, 2};
    doc["experts"]["phy2log"][1] = {3, 2, 1, 0, 0, 0, 1};
    EXPECT_EQ(error_of(doc), "no error");
    const RunResult r = parse_result_json(doc.dump(), "uneven.json");
    EXPECT_EQ(r.experts.total_slots(4), 7u);
    EXPECT_EQ(r.experts.first_slot(3), 6u);
    EXPECT_EQ(r.experts.slots_on_gpu(3), 1u);
    doc["experts"]["gpu_slots"] = {2, 2, 2, 0};
    EXPECT_EQ(error_of(doc), "bad.json: experts.gpu_slots[3]: must be experts.slots_per_gpu (2) or one less, got 0");
    doc["experts"]["gpu_slots"] = {2, 2, 2, 2};
    EXPECT_EQ(error_of(doc), "bad.json: experts.phy2log[0]: expected 0 or 8 entries (the sum of experts.gpu_slots), "
                             "got 7");
}

TEST(ResultJsonErrors, RoutedBalanceKeys) {
    OJson doc = sample_doc();
    doc["summary"].erase("node_max_over_min_step");
    EXPECT_EQ(error_of(doc), "bad.json: summary: missing required key \"node_max_over_min_step\"");
    doc                                = sample_doc();
    doc["summary"]["gpu_balance_step"] = "1.1";
    EXPECT_EQ(error_of(doc), "bad.json: summary.gpu_balance_step: expected a number, got the string \"1.1\"");
    doc                                       = sample_doc();
    doc["summary"]["node_balance_layer_mean"] = nullptr;
    EXPECT_EQ(error_of(doc), "bad.json: summary.node_balance_layer_mean: expected a number, got null");
    // A busiest / mean (or max / min) ratio is 0 (no MoE layer) or >= 1.
    doc                                      = sample_doc();
    doc["summary"]["gpu_balance_layer_mean"] = 0.5;
    EXPECT_EQ(error_of(doc),
              "bad.json: summary.gpu_balance_layer_mean: must be 0 (no MoE layer) or a ratio >= 1, got 0.5");
    doc                                 = sample_doc();
    doc["summary"]["node_balance_step"] = -1;
    EXPECT_EQ(error_of(doc), "bad.json: summary.node_balance_step: must be 0 (no MoE layer) or a ratio >= 1, got -1");
    doc                                      = sample_doc();
    doc["summary"]["node_max_over_min_step"] = 0.99;
    EXPECT_EQ(error_of(doc),
              "bad.json: summary.node_max_over_min_step: must be 0 (no MoE layer) or a ratio >= 1, got 0.99");
    // The worst layer is no better than the mean over layers.
    doc                                       = sample_doc();
    doc["summary"]["gpu_balance_layer_worst"] = 1.2;
    EXPECT_EQ(error_of(doc), "bad.json: summary.gpu_balance_layer_worst: 1.2 is below gpu_balance_layer_mean 1.25");
    // 0 (a step without MoE layers) and the sample's values read back exactly.
    doc                                       = sample_doc();
    doc["summary"]["gpu_balance_layer_mean"]  = 0;
    doc["summary"]["gpu_balance_layer_worst"] = 0;
    EXPECT_EQ(error_of(doc), "no error");
    EXPECT_EQ(parse_result_json(sample_doc().dump(2), "ok.json").summary.node_balance_step, 1.03125);
}

TEST(ResultJsonErrors, OtherFormatVersion) {
    OJson doc                     = sample_doc();
    doc["meta"]["format_version"] = 1;
    doc["summary"].erase("gpu_balance_step"); // a version-1 file lacks the balance keys: not reported first
    doc["meta"]["new_key"] = true;            // not the first thing reported
    EXPECT_EQ(error_of(doc),
              "bad.json: meta.format_version: expected 3 (this moetwin reads result format 3), got the number 1");
    doc                           = sample_doc();
    doc["meta"]["format_version"] = 2;
    doc.erase("scenario"); // a version-2 file has no scenario: its version is what is reported
    EXPECT_EQ(error_of(doc),
              "bad.json: meta.format_version: expected 3 (this moetwin reads result format 3), got the number 2");
}

// Format 3: the scenario that was run is required, and must be an object.
TEST(ResultJsonErrors, ScenarioMissingOrMalformed) {
    OJson doc = sample_doc();
    doc.erase("scenario");
    EXPECT_EQ(error_of(doc), "bad.json: (top level): missing required key \"scenario\"");
    for (const auto& [bad, got] :
         std::vector<std::pair<OJson, std::string>>{{OJson("tiny.json"), "the string \"tiny.json\""},
                                                    {OJson::array({1}), "an array of 1 element"},
                                                    {OJson(), "null"}}) {
        doc             = sample_doc();
        doc["scenario"] = bad;
        EXPECT_EQ(error_of(doc), "bad.json: scenario: expected a JSON object (the scenario that was run), got " + got);
    }
    // Any object reads back in canonical form (compact, keys sorted), whatever its layout in the file.
    doc             = sample_doc();
    doc["scenario"] = OJson::parse(R"({"z": 1, "a": {"y": [2, 3.5], "b": "x"}})");
    EXPECT_EQ(parse_result_json(doc.dump(2), "ok.json").scenario_json, R"({"a":{"b":"x","y":[2,3.5]},"z":1})");
}

TEST(ResultJsonErrors, WritingANonCanonicalOrInvalidScenarioIsRefused) {
    RunResult r     = test::sample_result();
    r.scenario_json = R"({"b": 1, "a": 2})"; // not compact, keys unsorted
    std::ostringstream out;
    EXPECT_THROW(write_result_json(r, out), ConfigError);
    for (const char* bad : {"[1, 2]", "{\"a\": ", ""}) {
        r.scenario_json = bad;
        try {
            validate(r);
            ADD_FAILURE() << bad;
        } catch (const ConfigError& e) {
            EXPECT_EQ(std::string(e.what()).rfind("scenario: expected a JSON object, got ", 0), 0u) << e.what();
        }
    }
    EXPECT_EQ(canonical_json_object(R"({"b": 1, "a": [1.0, 2.5]})"), R"({"a":[1.0,2.5],"b":1})");
}

TEST(ResultJsonErrors, MissingFile) {
    EXPECT_THROW(read_result_json("/nonexistent/moetwin/result.json"), ConfigError);
}
