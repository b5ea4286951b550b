// SPDX-License-Identifier: Apache-2.0
// The trace readers on small files written here: values, plain and gzip, and every bad input named by
// file:line with what was expected.
#include "sim/serving/traffic/trace_readers.hpp"
#include "traffic_test_util.hpp"

#include <gmock/gmock.h>

using namespace moetwin::serving;
using namespace moetwin::serving::traffic;
using namespace traffic_test;
using testing::HasSubstr;

namespace {

std::vector<Owned> read_all(TraceFormat f, const fs::path& p, ArrivalSpec a = {}) {
    const auto s = open_trace(f, p, a, 7);
    return drain(*s);
}

std::string read_error(TraceFormat f, const std::string& name, const std::string& text) {
    const fs::path p = write_file(name, text);
    return error_of([&] { read_all(f, p); });
}

const std::string kAzureHeader = "TIMESTAMP,ContextTokens,GeneratedTokens\r\n";

} // namespace

TEST(AzureCsv, ReadsTimesRelativeToTheFirstAndLengths) {
    const fs::path p = write_file("a.csv", kAzureHeader + "2023-11-16 18:17:03.9799600,4808,10\r\n"
                                                          "2023-11-16 18:17:04.0319600,3180,8\r\n"
                                                          "2023-11-16 19:00:00.0000000,5,173");
    const auto v     = read_all(TraceFormat::AzureCsv, p);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[0].r.id, 0);
    EXPECT_EQ(v[2].r.id, 2);
    EXPECT_DOUBLE_EQ(v[0].r.arrival_s, 0.0);
    EXPECT_NEAR(v[1].r.arrival_s, 0.052, 1e-9);
    // 19:00:00 - 18:17:03.97996 = 42 min 56.02004 s
    EXPECT_NEAR(v[2].r.arrival_s, 42 * 60 + 56.02004, 1e-9);
    EXPECT_EQ(v[0].r.input_tokens, 4808);
    EXPECT_EQ(v[0].r.output_tokens, 10);
    EXPECT_EQ(v[2].r.output_tokens, 173);
    EXPECT_TRUE(v[0].blocks.empty());
    EXPECT_EQ(v[0].r.session, -1);
}

TEST(AzureCsv, CrossesMidnightAndMonthEnds) {
    const fs::path p = write_file("b.csv", kAzureHeader + "2024-02-28 23:59:59.5,1,1\n2024-02-29 00:00:00.25,1,1\n"
                                                          "2024-03-01 00:00:00,1,1\n");
    const auto v     = read_all(TraceFormat::AzureCsv, p);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_NEAR(v[1].r.arrival_s, 0.75, 1e-9);
    EXPECT_NEAR(v[2].r.arrival_s, 86400.5, 1e-9); // 2024 is a leap year
}

TEST(AzureCsv, BadInputNamesFileLineAndExpectation) {
    const auto f = TraceFormat::AzureCsv;
    EXPECT_THAT(read_error(f, "e1.csv", "TIMESTAMP,ContextTokens\n2023-11-16 18:17:03.9799600,4808\n"),
                HasSubstr("e1.csv:1: missing column \"GeneratedTokens\""));
    EXPECT_THAT(read_error(f, "e2.csv", kAzureHeader + "2023-11-16 18:17:03.9799600,48x8,10\n"),
                HasSubstr("e2.csv:2: ContextTokens: expected a token count in [1, 1048576], got \"48x8\""));
    EXPECT_THAT(
        read_error(f, "e3.csv", kAzureHeader + "2023-11-16 18:17:03.9799600,1,1\n2023-11-16 18:17:02.0000000,1,1\n"),
        HasSubstr("e3.csv:3: TIMESTAMP 2023-11-16 18:17:02.0000000 is earlier than the previous line's"));
    EXPECT_THAT(read_error(f, "e4.csv", kAzureHeader + "2023-11-16 18:17:03.9799600,2000000,1\n"),
                HasSubstr("e4.csv:2: ContextTokens: expected a token count in [1, 1048576], got \"2000000\""));
    EXPECT_THAT(read_error(f, "e5.csv", kAzureHeader + "2023-11-16 18:17:03.9799600,5,0\n"),
                HasSubstr("e5.csv:2: GeneratedTokens: expected a token count"));
    EXPECT_THAT(read_error(f, "e6.csv", kAzureHeader + "2023-13-16 18:17:03.9799600,5,1\n"),
                HasSubstr("e6.csv:2: TIMESTAMP: expected a datetime"));
    EXPECT_THAT(
        read_error(f, "e7.csv", kAzureHeader + "1700000000,5,1\n"),
        HasSubstr("e7.csv:2: TIMESTAMP: expected a datetime \"YYYY-MM-DD HH:MM:SS.fffffff\", got \"1700000000\""));
    EXPECT_THAT(read_error(f, "e8.csv", kAzureHeader + "2023-11-16 18:17:03.9799600,5,1,9\n"),
                HasSubstr("e8.csv:2: 4 fields: expected 3"));
    EXPECT_THAT(read_error(f, "e9.csv", kAzureHeader + "2023-11-16 18:17:03.97,5,1\n\n2023-11-16 18:17:04,5,1\n"),
                HasSubstr("e9.csv:3: empty line"));
    EXPECT_THAT(read_error(f, "e10.csv", kAzureHeader + "2023-11-16 18:17:03.9799600,-5,1\n"),
                HasSubstr("e10.csv:2: ContextTokens: expected a token count"));
    EXPECT_THAT(read_error(f, "e11.csv", ""), HasSubstr("e11.csv: empty file: expected a CSV header line"));
    EXPECT_THAT(error_of([] { read_all(TraceFormat::AzureCsv, scratch() / "absent.csv"); }),
                HasSubstr("absent.csv: cannot open the trace file"));
}

TEST(MooncakeJsonl, ReadsHashIdsAsPrefixBlocksFromGzip) {
    const fs::path p = write_gz(
        "m.jsonl.gz", "{\"timestamp\": 1000, \"input_length\": 1025, \"output_length\": 5, "
                      "\"hash_ids\": [0, 1, 2]}\n"
                      "{\"timestamp\": 1500, \"input_length\": 512, \"output_length\": 7, \"hash_ids\": [0]}\n"
                      "{\"timestamp\": 1500, \"input_length\": 100, \"output_length\": 1, \"hash_ids\": []}\n");
    const auto v = read_all(TraceFormat::MooncakeJsonl, p);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_DOUBLE_EQ(v[0].r.arrival_s, 0.0);
    EXPECT_DOUBLE_EQ(v[1].r.arrival_s, 0.5);
    EXPECT_DOUBLE_EQ(v[2].r.arrival_s, 0.5);
    EXPECT_EQ(v[0].r.input_tokens, 1025);
    EXPECT_EQ(v[1].r.output_tokens, 7);
    EXPECT_EQ(v[0].blocks, (std::vector<uint64_t>{0, 1, 2}));
    EXPECT_EQ(v[1].blocks, (std::vector<uint64_t>{0}));
    EXPECT_TRUE(v[2].blocks.empty());
}

TEST(MooncakeJsonl, BadInputNamesFileLineAndExpectation) {
    const auto f         = TraceFormat::MooncakeJsonl;
    const std::string ok = "{\"timestamp\": 5, \"input_length\": 600, \"output_length\": 5, \"hash_ids\": [1, 2]}\n";
    EXPECT_THAT(read_error(f, "m1.jsonl",
                           ok + "{\"timestamp\": 4, \"input_length\": 6, \"output_length\": 5, "
                                "\"hash_ids\": [1]}\n"),
                HasSubstr("m1.jsonl:2: timestamp 4 is earlier than the previous 5"));
    EXPECT_THAT(read_error(f, "m2.jsonl",
                           "{\"timestamp\": -1, \"input_length\": 6, \"output_length\": 5, "
                           "\"hash_ids\": [1]}\n"),
                HasSubstr("m2.jsonl:1: timestamp: -1 is out of range"));
    EXPECT_THAT(read_error(f, "m3.jsonl",
                           ok + "{\"timestamp\": 6, \"input_length\": 1024, \"output_length\": 5, "
                                "\"hash_ids\": [1, 2, 3]}\n"),
                HasSubstr("m3.jsonl:2: hash_ids: 3 ids for input_length 1024: expected at most ceil(input_length "
                          "/ 512) = 2"));
    EXPECT_THAT(read_error(f, "m4.jsonl", ok + "{\"timestamp\": 6, \"input_length\": 10, \"hash_ids\": [1]}\n"),
                HasSubstr("m4.jsonl:2: (top level): missing required key \"output_length\""));
    EXPECT_THAT(read_error(f, "m5.jsonl", ok + ok + "{\"timestamp\": 6, \"input_length\": 10,\n"),
                HasSubstr("m5.jsonl:3:"));
    EXPECT_THAT(read_error(f, "m6.jsonl",
                           "{\"timestamp\": 1, \"input_length\": \"10\", \"output_length\": 5, "
                           "\"hash_ids\": []}\n"),
                HasSubstr("m6.jsonl:1: input_length: expected"));
    EXPECT_THAT(read_error(f, "m7.jsonl",
                           "{\"timestamp\": 1, \"input_length\": 9999999, \"output_length\": 5, "
                           "\"hash_ids\": []}\n"),
                HasSubstr("m7.jsonl:1: input_length: 9999999 is out of range [1, 1048576]"));
    EXPECT_THAT(read_error(f, "m8.jsonl",
                           "{\"timestamp\": 1, \"input_length\": 9, \"output_length\": 5, "
                           "\"hash_ids\": [], \"tenant\": 3}\n"),
                HasSubstr("m8.jsonl:1: tenant: unknown key (expected one of: timestamp,"));
    EXPECT_THAT(read_error(f, "m9.jsonl",
                           "{\"timestamp\": 1, \"input_length\": 9, \"output_length\": 5, "
                           "\"hash_ids\": [-3]}\n"),
                HasSubstr("m9.jsonl:1: hash_ids[0]: -3 is out of range"));
    EXPECT_THAT(read_error(f, "m10.jsonl", "[1, 2]\n"), HasSubstr("m10.jsonl:1: expected a JSON object"));
}

TEST(MooncakeJsonl, TruncatedGzipIsAnError) {
    std::string text;
    for (int i = 0; i < 20000; ++i)
        text += "{\"timestamp\": " + std::to_string(i) +
                ", \"input_length\": 600, \"output_length\": 5, "
                "\"hash_ids\": [" +
                std::to_string(2 * i) + ", " + std::to_string(2 * i + 1) + "]}\n";
    const fs::path full = write_gz("full.jsonl.gz", text);
    std::string bytes;
    {
        std::ifstream in(full, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const fs::path cut = write_file("cut.jsonl.gz", bytes.substr(0, bytes.size() / 2));
    EXPECT_EQ(read_all(TraceFormat::MooncakeJsonl, full).size(), 20000u);
    EXPECT_THAT(error_of([&] { read_all(TraceFormat::MooncakeJsonl, cut); }),
                HasSubstr("cut.jsonl.gz: corrupt or truncated gzip data after line"));
}

TEST(LengthsCsv, GeneratesPoissonArrivalsInFileOrder) {
    std::string text = "num_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio\n";
    for (int i = 1; i <= 4000; ++i)
        text += std::to_string(i) + "," + std::to_string(i % 7 + 1) + ",0,0.5\n";
    const fs::path p = write_gz("s.csv.gz", text);
    const auto v     = read_all(TraceFormat::LengthsCsv, p, ArrivalSpec{5.0, 1.0});
    ASSERT_EQ(v.size(), 4000u);
    for (int i = 0; i < 4000; ++i) {
        EXPECT_EQ(v[i].r.input_tokens, i + 1);
        EXPECT_EQ(v[i].r.output_tokens, (i + 1) % 7 + 1);
        if (i > 0) EXPECT_GE(v[i].r.arrival_s, v[i - 1].r.arrival_s);
    }
    // 4000 exponential gaps of mean 0.2 s: the last arrival is 800 s with sd 800 / sqrt(4000) = 12.6 s.
    EXPECT_NEAR(v.back().r.arrival_s, 800.0, 5 * 12.65);
    const auto again = read_all(TraceFormat::LengthsCsv, p, ArrivalSpec{5.0, 1.0});
    EXPECT_EQ(again.back().r.arrival_s, v.back().r.arrival_s); // same seed, same arrivals
}

TEST(LengthsCsv, BadInputNamesFileLineAndExpectation) {
    const auto f = TraceFormat::LengthsCsv;
    EXPECT_THAT(read_error(f, "l1.csv", "num_prefill_tokens,num_total_tokens\n5,6\n"),
                HasSubstr("l1.csv:1: missing column \"num_decode_tokens\""));
    EXPECT_THAT(read_error(f, "l2.csv", "num_prefill_tokens,num_decode_tokens\n5,6\n7,2.5\n"),
                HasSubstr("l2.csv:3: num_decode_tokens: expected a token count in [1, 1048576], got \"2.5\""));
    EXPECT_THAT(read_error(f, "l3.csv", "num_prefill_tokens,num_decode_tokens\n5,6\n\"7\",2\n"),
                HasSubstr("l3.csv:3: quoted CSV field"));
}
