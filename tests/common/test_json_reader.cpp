// SPDX-License-Identifier: Apache-2.0
// The one strict JSON reader (common/json_reader.hpp): every rule and message shape, on hand-written inputs.
#include "common/checked_int.hpp"
#include "common/json_reader.hpp"
#include "common/spelling.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace moetwin;

namespace {

std::string parse_error(const std::string& text) {
    try {
        (void)parse_json_text(text, "f.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

template <class F> std::string read_error(const std::string& text, F&& read) {
    const nlohmann::json j = parse_json_text(text, "f.json");
    try {
        read(JsonObject(j, "", "f.json"));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST(JsonReader, SyntaxAndTruncationGiveLineAndColumn) {
    EXPECT_EQ(parse_error("  \n "), "f.json: empty file: expected a JSON document");
    EXPECT_EQ(parse_error("{\n  \"a\": ,}"),
              "f.json:2:8: invalid JSON: syntax error while parsing value - unexpected ','; expected '[', '{', or a "
              "literal");
    EXPECT_EQ(parse_error("{\"a\": [1, 2"), "f.json:1:12: truncated JSON: the file ends before the document does "
                                            "(syntax error while parsing array - unexpected end of input; expected "
                                            "']')");
}

TEST(JsonReader, DuplicateKeysNameTheirObjectsPath) {
    EXPECT_EQ(parse_error(R"({"a": 1, "a": 2})"), "f.json: (top level): duplicate key \"a\"");
    EXPECT_EQ(parse_error(R"({"x": {"y": [{"k": 1}, [], {"k": 1, "k": 2}]}})"), "f.json: x.y[2]: duplicate key \"k\"");
    // The same key in sibling objects is no duplicate.
    EXPECT_EQ(parse_error(R"({"x": [{"k": 1}, {"k": 2}], "y": {"k": 3}})"), "(no error)");
}

TEST(JsonReader, NestingIsCappedWithThePositionOfTheFirstLevelTooDeep) {
    const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
    EXPECT_EQ(parse_error(ok), "(no error)");
    const std::string deep = "{\"a\":\n" + std::string(50000, '[');
    EXPECT_EQ(parse_error(deep), "f.json:2:64: invalid JSON: arrays and objects nest deeper than 64 levels");
    // Brackets inside strings do not count.
    EXPECT_EQ(parse_error("[\"" + std::string(100, '[') + "\"]"), "(no error)");
}

TEST(JsonReader, NumbersBeyondADoubleAreInputErrorsWithTheirPosition) {
    EXPECT_EQ(parse_error("{\"s\": \"1e999\",\n \"v\": [0, -2e400]}"),
              "f.json:2:11: invalid JSON: the number -2e400 is beyond the range of a double (about ±1.8e308)");
    EXPECT_EQ(parse_error("[1e-999]"), "(no error)"); // underflow reads as 0
}

TEST(JsonReader, UnknownKeysSuggestTheClosestSpelling) {
    const auto finish = [](const JsonObject& o) { o.object("cluster").finish({"fabric", "num_nodes", "nvlink"}); };
    EXPECT_EQ(read_error(R"({"cluster": {"nvlinks": {}}})", finish),
              "f.json: cluster.nvlinks: unknown key, did you mean \"nvlink\"? (expected one of: fabric, num_nodes, "
              "nvlink)");
    EXPECT_EQ(read_error(R"({"cluster": {"colour": 1}})", finish),
              "f.json: cluster.colour: unknown key (expected one of: fabric, num_nodes, nvlink)");
}

TEST(JsonReader, IntegersAreSixtyFourBitAndRangeCheckedBeforeNarrowing) {
    const auto ep = [](const JsonObject& o) { (void)o.object("u").integer_in("ep_size", 1, 1024); };
    EXPECT_EQ(read_error(R"({"u": {"ep_size": 4294967304}})", ep),
              "f.json: u.ep_size: 4294967304 is out of range [1, 1024]");
    EXPECT_EQ(read_error(R"({"u": {"ep_size": 18446744073709551615}})", ep),
              "f.json: u.ep_size: 18446744073709551615 is out of range [1, 1024]");
    EXPECT_EQ(read_error(R"({"u": {"ep_size": 8.0}})", ep),
              "f.json: u.ep_size: expected an integer, got the number 8.0");
    EXPECT_EQ(read_error(R"({"u": {}})", ep), "f.json: u: missing required key \"ep_size\"");
    const auto any = [](const JsonObject& o) { (void)o.integer("n"); };
    EXPECT_EQ(read_error(R"({"n": 9223372036854775808})", any),
              "f.json: n: 9223372036854775808 is out of range (a 64-bit integer)");
    const nlohmann::json j = parse_json_text(R"({"n": 9223372036854775807, "m": -9223372036854775808})", "f.json");
    const JsonObject o(j, "", "f.json");
    EXPECT_EQ(o.integer("n"), INT64_MAX);
    EXPECT_EQ(o.integer("m"), INT64_MIN);
}

TEST(JsonReader, ArrayElementsNameTheirIndex) {
    const auto loads = [](const JsonObject& o) {
        const JsonArray rows = o.array("experts");
        for (size_t i = 0; i < rows.size(); ++i)
            (void)rows.array(i).integer_in(1, 0, 100);
    };
    EXPECT_EQ(read_error(R"({"experts": [[0, 1], [2, "3"]]})", loads),
              "f.json: experts[1][1]: expected an integer, got the string \"3\"");
    EXPECT_EQ(read_error(R"({"experts": [[0, 1], {"a": [[[1]]]}]})", loads),
              "f.json: experts[1]: expected an array, got an object"); // never the nested content
    EXPECT_EQ(read_error(R"({"experts": 3})", loads), "f.json: experts: expected an array, got the number 3");
}

TEST(JsonReader, RootIsNamedTopLevel) {
    const nlohmann::json j = parse_json_text("[1, 2]", "f.json");
    try {
        JsonObject(j, "", "f.json");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "f.json: (top level): expected an object, got an array of 2 elements");
    }
}

TEST(Spelling, EditDistanceAndClosest) {
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(closest_spelling("rnu", {"run", "fit", "validate"}), "run");
    EXPECT_EQ(closest_spelling("zzzzzz", {"run", "fit"}), "");
}

TEST(CheckedInt, ProductsAndSumsReportOverflow) {
    EXPECT_EQ(checked_mul(4294967304, 8), 34359738432);
    EXPECT_EQ(checked_mul(INT64_MAX / 2 + 1, 2), std::nullopt);
    EXPECT_EQ(checked_mul(-1, INT64_MIN), std::nullopt);
    EXPECT_EQ(checked_add(INT64_MAX, 1), std::nullopt);
    EXPECT_EQ(checked_add(INT64_MAX - 1, 1), INT64_MAX);
}
