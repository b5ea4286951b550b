// SPDX-License-Identifier: Apache-2.0
// The field tables (sim/result/result_fields.hpp) cover every member of their record, once; a result whose
// every field holds a distinct non-default value survives write -> read; the tables drive the CSV header,
// validate() and the field list in sim/result/README.md.
#include "sim/result/result_csv.hpp"
#include "sim/result/result_fields.hpp"
#include "sim/result/result_json.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sample_result.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

using namespace moetwin;

namespace {

// Counts an aggregate's members: T{a, b, ...} compiles for up to that many initializers (every member here is a
// scalar, string or vector, so no brace elision). A member added to a record without a row fails the build.
struct AnyValue {
    template <class T> operator T() const;
};
template <class T, class... A> constexpr std::size_t member_count() {
    if constexpr (requires { T{A{}..., AnyValue{}}; })
        return member_count<T, A..., AnyValue>();
    else
        return sizeof...(A);
}
static_assert(member_count<RunMeta>() == kMetaFields.size(), "RunMeta member without a row in kMetaFields");
static_assert(member_count<Summary>() == kSummaryFields.size(), "Summary member without a row in kSummaryFields");
static_assert(member_count<GpuCounters>() == kGpuFields.size(), "GpuCounters member without a row in kGpuFields");
static_assert(member_count<LinkStats>() == kLinkFields.size(), "LinkStats member without a row in kLinkFields");

// The field's value as JSON text, to compare values of any type.
template <class S> std::string value_text(const Field<S>& f, const S& s) {
    std::string text;
    visit_field(f, s, [&](const auto& v) { text = nlohmann::json(v).dump(); });
    return text;
}

// Every row names a member no other row names, under a key no other row uses, and the table's members
// together are the whole record: copying them into a default record reproduces `full` (whose every member
// differs from the default, so a member left out would show).
template <class S, std::size_t N> void expect_table_covers(const std::array<Field<S>, N>& fields, const S& full) {
    std::set<std::string_view> keys;
    for (std::size_t i = 0; i < N; ++i) {
        EXPECT_TRUE(keys.insert(fields[i].name).second) << "duplicate key " << fields[i].name;
        for (std::size_t j = 0; j < i; ++j)
            EXPECT_FALSE(fields[i].member == fields[j].member) << fields[i].name << " and " << fields[j].name;
    }
    S copy{};
    for (const Field<S>& f : fields)
        std::visit([&](auto m) { copy.*m = full.*m; }, f.member);
    EXPECT_TRUE(copy == full);
}

// Every field of `s` differs from a default record's. `exempt`: fields validate() pins to their default.
template <class S, std::size_t N>
void expect_non_default(const std::array<Field<S>, N>& fields, const S& s, std::set<std::string_view> exempt = {}) {
    const S def{};
    for (const Field<S>& f : fields)
        if (!exempt.contains(f.name)) EXPECT_NE(value_text(f, s), value_text(f, def)) << f.name << " holds its default";
}

// A valid result whose meta, summary, one GPU and one link hold non-default values in every field, distinct
// within a record where validate() allows (meta's counts of 2 are the sample's shape). Loads only: no spans.
RunResult every_field_set() {
    RunResult r = test::sample_result();
    r.spans.clear();
    r.summary.timing_simulated        = false;
    r.meta.moetwin_version            = "9.8.7";
    r.meta.model                      = "model_m";
    r.meta.seed                       = 42;
    r.meta.network_model              = "CM02";
    r.meta.compute_source             = "profile";
    r.meta.notes                      = {"n1", "n2"};
    r.summary.tokens_per_s_per_gpu    = 3.25;
    r.summary.tokens_per_s_per_node   = 6.5;
    r.summary.slowest_gpu             = 3;
    r.summary.slowest_gpu_busy_ns     = 9001;
    r.summary.busiest_link            = "n1.gpu2->nic2";
    r.summary.max_link_utilisation    = 0.75;
    r.summary.gpu_balance_layer_mean  = 1.25;
    r.summary.gpu_balance_layer_worst = 1.5;
    r.summary.gpu_balance_step        = 1.125;
    r.summary.node_balance_layer_mean = 1.0625;
    r.summary.node_balance_step       = 1.03125;
    r.summary.node_max_over_min_step  = 1.75;
    GpuCounters& g                    = r.gpus[3]; // gpu 3 = node 1, local rank 1 (validate pins them)
    g.gpu = 3, g.node = 1, g.local_rank = 1;
    g.tokens_received = 11, g.tokens_sent = 12, g.expert_selections = 13, g.busy_compute_ns = 14;
    g.dispatch_ns = 15, g.combine_ns = 16, g.idle_ns = 17, g.bytes_sent = 18, g.bytes_received = 19;
    g.hbm_used_bytes = 20;
    r.links[2]       = {"n1.gpu2->nic2", "pcie", "node1/gpu2", "node1/nic2", 64e9, 77'777, 1234, 0.125};
    return r;
}

// The tables' field list as sim/result/README.md holds it (between the fields markers).
template <class S, std::size_t N>
void describe_table(std::ostream& out, std::string_view record, std::string_view json,
                    const std::array<Field<S>, N>& fields) {
    out << "\n`" << record << "` (" << json << "):\n\n| key | type | check | CSV | meaning |\n|---|---|---|---|---|\n";
    for (const Field<S>& f : fields) {
        std::ostringstream check;
        switch (f.check) {
        case FieldCheck::None:
            break;
        case FieldCheck::Range:
            check << "[" << f.lo << ", " << f.hi << "]";
            break;
        case FieldCheck::NonNeg:
            check << ">= 0";
            break;
        case FieldCheck::Positive:
            check << "> 0";
            break;
        case FieldCheck::StepTime:
            check << "[0, step_time_ns]";
            break;
        case FieldCheck::Ratio:
            check << "0 or >= 1";
            break;
        case FieldCheck::Choice:
            check << "one of";
            for (std::size_t i = 0; i < f.choices.size(); ++i)
                check << (i ? ", " : " ") << f.choices[i];
            break;
        }
        out << "| `" << f.name << "` | " << field_type_name(f) << " | " << check.str() << " | " << (f.csv ? "yes" : "")
            << " | " << f.doc << " |\n";
    }
}

std::string fields_markdown() {
    std::ostringstream out;
    describe_table(out, "RunMeta", "`meta`", kMetaFields);
    describe_table(out, "Summary", "`summary`", kSummaryFields);
    describe_table(out, "GpuCounters", "each of `gpus`, and a row of gpus.csv", kGpuFields);
    describe_table(out, "LinkStats", "each of `links`, and a row of links.csv", kLinkFields);
    out << '\n';
    return out.str();
}

} // namespace

TEST(ResultFields, EachTableCoversItsRecordOnce) {
    const RunResult r = every_field_set();
    expect_table_covers(kMetaFields, r.meta);
    expect_table_covers(kSummaryFields, r.summary);
    expect_table_covers(kGpuFields, r.gpus[3]);
    expect_table_covers(kLinkFields, r.links[2]);
}

TEST(ResultFields, EveryFieldSurvivesWriteAndRead) {
    const RunResult r = every_field_set();
    expect_non_default(kMetaFields, r.meta, {"format_version"}); // validate: kResultFormatVersion
    expect_non_default(kSummaryFields, r.summary);
    expect_non_default(kGpuFields, r.gpus[3]);
    expect_non_default(kLinkFields, r.links[2]);

    std::ostringstream out;
    write_result_json(r, out);
    const RunResult back = parse_result_json(out.str(), "every_field.json");
    EXPECT_TRUE(back.meta == r.meta);
    EXPECT_TRUE(back.summary == r.summary);
    EXPECT_TRUE(back.gpus == r.gpus);
    EXPECT_TRUE(back.links == r.links);
    EXPECT_TRUE(back == r);
    // Each key once per record, with the value's JSON text.
    for (const auto& f : kGpuFields)
        EXPECT_NE(out.str().find("\"" + std::string(f.name) + "\": " + value_text(f, r.gpus[3])), std::string::npos)
            << f.name;
}

TEST(ResultFields, CsvColumnsAreTheTablesCsvFields) {
    const RunResult r = every_field_set();
    std::ostringstream gpus, links;
    write_gpu_csv(r, gpus);
    write_link_csv(r, links);
    std::string header;
    for (const auto& f : kLinkFields)
        if (f.csv) header += (header.empty() ? "" : ",") + std::string(f.name);
    EXPECT_EQ(links.str().substr(0, links.str().find('\n')), header);
    EXPECT_NE(gpus.str().find("\n3,1,1,11,12,13,14,15,16,17,18,19,20\n"), std::string::npos) << gpus.str();
    EXPECT_NE(links.str().find("\nn1.gpu2->nic2,pcie,node1/gpu2,node1/nic2,6.4e+10,77777,1234,0.125\n"),
              std::string::npos)
        << links.str();
}

// validate() applies each row's check, named by the row's path.
TEST(ResultFields, ValidateChecksEachRow) {
    const auto message = [](const RunResult& r) {
        try {
            validate(r);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("valid");
    };
    RunResult r = every_field_set();
    EXPECT_EQ(message(r), "valid");
    r.meta.num_micro_batches = 128;
    EXPECT_EQ(message(r), "meta.num_micro_batches: must be in [1, 127], got 128");
    r            = every_field_set();
    r.meta.phase = "train";
    EXPECT_EQ(message(r), "meta.phase: expected \"prefill\" or \"decode\", got \"train\"");
    r                 = every_field_set();
    r.gpus[3].idle_ns = 10001; // step_time_ns is 10000
    EXPECT_EQ(message(r), "gpus[3].idle_ns: must be in [0, 10000], got 10001");
    r                        = every_field_set();
    r.gpus[2].hbm_used_bytes = -1;
    EXPECT_EQ(message(r), "gpus[2].hbm_used_bytes: must be >= 0, got -1");
    r                       = every_field_set();
    r.links[0].capacity_Bps = 0;
    EXPECT_EQ(message(r), "links[0].capacity_Bps: must be a finite number > 0, got 0");
    r                              = every_field_set();
    r.summary.tokens_per_s_per_gpu = -2;
    EXPECT_EQ(message(r), "summary.tokens_per_s_per_gpu: must be a finite number >= 0, got -2");
}

TEST(ResultFields, ReadmeListsEveryField) {
    const std::string path   = std::string(MOETWIN_SOURCE_DIR) + "/sim/result/README.md";
    const std::string readme = read_file(path);
    const std::string begin  = "<!-- fields: generated from sim/result/result_fields.hpp by tests/result/"
                               "test_result_fields.cpp -->\n";
    const std::string end    = "<!-- fields end -->";
    const std::size_t b      = readme.find(begin);
    const std::size_t e      = readme.find(end);
    const std::string want   = fields_markdown();
    if (std::getenv("MOETWIN_UPDATE_README") && b != std::string::npos && e != std::string::npos) {
        std::ofstream(path) << readme.substr(0, b + begin.size()) << want << readme.substr(e);
        return;
    }
    ASSERT_NE(b, std::string::npos) << path << " lacks the marker " << begin;
    ASSERT_NE(e, std::string::npos) << path << " lacks the marker " << end;
    EXPECT_EQ(readme.substr(b + begin.size(), e - b - begin.size()), want)
        << "sim/result/README.md's field list is out of date: rerun this test with MOETWIN_UPDATE_README=1";
}
