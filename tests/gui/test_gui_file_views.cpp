// SPDX-License-Identifier: Apache-2.0
// The sweep, training and serving views' data: file-kind detection, the strict sweep.json and series.csv /
// summary.json readers (good files and bad ones: file, line or JSON path in the message), the training span
// kinds and stage shares, and the plot maths. Hand-made inputs with hand-computed answers.
#include "gui/file_kind.hpp"
#include "gui/plot_axes.hpp"
#include "gui/serve_data.hpp"
#include "gui/sweep_data.hpp"
#include "gui/training_spans.hpp"
#include "serve_fixture.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include <unistd.h>

namespace moetwin::gui {
namespace {

namespace fs = std::filesystem;

class FileViews : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("moetwin_gui_views_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path write(const std::string& rel, const std::string& text) {
        const fs::path p = dir_ / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
        return p;
    }
    std::string error_of(const std::function<void()>& f) {
        try {
            f();
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "(no error)";
    }
    fs::path dir_;
};

// A sweep of 2 axes, 4 points (the format of scenarios/sweeps/README.md): 0 and 2 simulated and ok (2 on the
// front), 1 does not fit, 3 simulated but below the per-user bound.
std::string point_json(int i, const char* verdict, bool sim, double gpu, double user, bool pareto) {
    std::string s = "{\"point\": " + std::to_string(i) + ", \"grid_index\": " + std::to_string(i) +
                    ", \"values\": {\"deployment.decode.num_nodes\": " + std::to_string(1 + i / 2) +
                    ", \"balancer.policy\": \"" + (i % 2 ? "eplb" : "greedy") + "\"}, \"verdict\": \"" + verdict +
                    "\", \"fits\": " + (std::string(verdict) == "does_not_fit" ? "false" : "true") +
                    ", \"memory_per_gpu_GiB\": 61.5, ";
    if (sim)
        s += "\"step_time_ms\": 50.0, \"tokens_per_s_per_gpu\": " + std::to_string(gpu) +
             ", \"tokens_per_s_per_node\": " + std::to_string(8 * gpu) +
             ", \"tokens_per_s_per_user\": " + std::to_string(user) +
             ", \"latency_ms\": 20.0, \"cost_per_million_tokens_usd\": 0.5, \"busiest_gpu_ratio\": 1.2, "
             "\"bottleneck\": \"compute\", \"compute_ms\": 40.0, \"exposed_dispatch_ms\": 5.0, "
             "\"exposed_combine_ms\": 3.0, \"imbalance_ms\": 2.0, ";
    s += std::string("\"pareto\": ") + (pareto ? "true" : "false") +
         ", \"pareto_cost_latency\": false, \"scenario_file\": \"" +
         (sim ? "scenarios/k" + std::to_string(i) + ".json" : "") + "\", \"key\": \"k" + std::to_string(i) +
         "\", \"reason\": \"\"}";
    return s;
}

std::string sweep_text(const std::string& front = "[2]") {
    return "{\n\"format\": \"moetwin-sweep\", \"format_version\": 1, \"moetwin_version\": \"0.1.0\", \"name\": \"t\",\n"
           "\"description\": \"\", \"axes\": [{\"path\": \"deployment.decode.num_nodes\", \"values\": [1, 2]},\n"
           "{\"path\": \"balancer.policy\", \"values\": [\"greedy\", \"eplb\"]}], \"sampling\": {\"mode\": \"grid\"},\n"
           "\"constraints\": {}, \"cost\": {}, \"counts\": {\"ok\": 2, \"does_not_fit\": 1, "
           "\"below_min_tokens_per_s_per_user\": 1},\n\"pareto_front\": " +
           front + ", \"pareto_front_cost_latency\": [],\n\"points\": [\n" +
           point_json(0, "ok", true, 1000, 30, false) + ",\n" + point_json(1, "does_not_fit", false, 0, 0, false) +
           ",\n" + point_json(2, "ok", true, 2000, 40, true) + ",\n" +
           point_json(3, "below_min_tokens_per_s_per_user", true, 2500, 5, false) + "]}\n";
}

TEST_F(FileViews, DetectsEveryKindByNameFolderAndContent) {
    const fs::path sweep = write("sw/sweep.json", sweep_text());
    write("tr/training.json",
          "{\"format_version\": 1, \"scenario_name\": \"x\", \"schedule\": \"1f1b\", \"pp_size\": 2}");
    write("sv/series.csv", "t_s\n");
    write("sv/summary.json", "{}");
    write("rs/result.json", "{\"meta\": {}}");
    EXPECT_EQ(detect_file_kind(dir_ / "sw").kind, FileKind::Sweep);
    EXPECT_EQ(detect_file_kind(dir_ / "sw").path, sweep);
    EXPECT_EQ(detect_file_kind(sweep).kind, FileKind::Sweep);
    EXPECT_EQ(detect_file_kind(dir_ / "tr").kind, FileKind::Training);
    EXPECT_EQ(detect_file_kind(dir_ / "tr" / "training.json").kind, FileKind::Training);
    EXPECT_EQ(detect_file_kind(dir_ / "sv").kind, FileKind::Serve);
    EXPECT_EQ(detect_file_kind(dir_ / "sv" / "series.csv").path, dir_ / "sv");
    EXPECT_EQ(detect_file_kind(dir_ / "sv" / "summary.json").kind, FileKind::Serve);
    EXPECT_EQ(detect_file_kind(dir_ / "rs").kind, FileKind::Result);
    EXPECT_EQ(detect_file_kind(dir_ / "rs").path, dir_ / "rs" / "result.json");
    // Renamed files are sniffed.
    write("renamed_sweep.json", sweep_text());
    write("renamed_training.json", "{\n  \"format_version\": 1,\n  \"scenario_name\": \"p\",\n  \"schedule\": "
                                   "\"dualpipe\",\n  \"pp_size\": 16}");
    EXPECT_EQ(detect_file_kind(dir_ / "renamed_sweep.json").kind, FileKind::Sweep);
    EXPECT_EQ(detect_file_kind(dir_ / "renamed_training.json").kind, FileKind::Training);
    const fs::path golden = fs::path(MOETWIN_SOURCE_DIR) / "tests/golden/tiny_1node_ep8_decode.result.json";
    EXPECT_EQ(detect_file_kind(golden).kind, FileKind::Result);
    // Missing, or a folder with nothing known: a result, so the loader's "no such file" names it.
    EXPECT_EQ(detect_file_kind(dir_ / "nowhere.json").kind, FileKind::Result);
    fs::create_directories(dir_ / "empty");
    EXPECT_EQ(detect_file_kind(dir_ / "empty").path, dir_ / "empty" / "result.json");
    // A folder with only one of the serving files is not a serving output.
    write("half/series.csv", "t_s\n");
    EXPECT_EQ(detect_file_kind(dir_ / "half").kind, FileKind::Result);
}

TEST_F(FileViews, ReadsASweep) {
    const SweepData d = read_sweep_json(write("sweep.json", sweep_text()));
    ASSERT_EQ(d.points.size(), 4u);
    EXPECT_EQ(d.axes, (std::vector<std::string>{"deployment.decode.num_nodes", "balancer.policy"}));
    EXPECT_EQ(d.points[3].values[0].second, "2");
    EXPECT_EQ(d.points[3].values[1].second, "eplb");
    EXPECT_FALSE(d.points[1].simulated);
    EXPECT_FALSE(on_gpu_user_plot(d.points[1]));
    EXPECT_TRUE(on_gpu_user_plot(d.points[3]));
    EXPECT_DOUBLE_EQ(d.points[2].tokens_per_s_per_gpu, 2000);
    EXPECT_DOUBLE_EQ(*d.points[2].tokens_per_s_per_user, 40);
    EXPECT_EQ(d.pareto_front, (std::vector<int64_t>{2}));
    EXPECT_EQ(d.scenario_of(2), dir_ / "scenarios" / "k2.json");
    EXPECT_TRUE(d.scenario_of(1).empty());
}

TEST_F(FileViews, BadSweepsSayWhereAndWhat) {
    const std::string good = sweep_text();
    const fs::path trunc   = write("trunc.json", good.substr(0, good.size() / 2));
    const std::string t    = error_of([&] { read_sweep_json(trunc); });
    EXPECT_NE(t.find(trunc.string() + ":"), std::string::npos) << t;
    EXPECT_NE(t.find("truncated JSON"), std::string::npos) << t;
    // A syntax error on line 3: the message has file:3:col.
    std::string bad = good;
    bad.replace(bad.find("\"sampling\""), 1, "#");
    const fs::path syn = write("syntax.json", bad);
    EXPECT_NE(error_of([&] { read_sweep_json(syn); }).find(syn.string() + ":4:"), std::string::npos)
        << error_of([&] { read_sweep_json(syn); });
    const fs::path front = write("front.json", sweep_text("[0]"));
    const std::string f  = error_of([&] { read_sweep_json(front); });
    EXPECT_NE(f.find("pareto_front[0]: point 0 is not marked pareto"), std::string::npos) << f;
    const fs::path unlisted = write("unlisted.json", sweep_text("[]"));
    EXPECT_NE(error_of([&] { read_sweep_json(unlisted); }).find("point 2 is marked pareto but not listed"),
              std::string::npos);
    std::string unknown = good;
    unknown.replace(unknown.find("\"reason\""), 8, "\"reasons\"");
    const fs::path unk  = write("unknown.json", unknown);
    const std::string u = error_of([&] { read_sweep_json(unk); });
    EXPECT_NE(u.find("points[0]"), std::string::npos) << u;
    EXPECT_NE(u.find("unknown key"), std::string::npos) << u;
    std::string order = good;
    order.replace(order.find("\"point\": 1,"), 11, "\"point\": 7,");
    const fs::path ord = write("order.json", order);
    EXPECT_NE(error_of([&] { read_sweep_json(ord); }).find("points[1].point: expected 1"), std::string::npos)
        << error_of([&] { read_sweep_json(ord); });
    EXPECT_NE(error_of([&] { read_sweep_json(dir_ / "none.json"); }).find("cannot open"), std::string::npos);
}

// The writer of `moetwin serve` (serving::series_csv, summary_json) and the GUI's readers agree.
TEST_F(FileViews, ReadsWhatServeWrites) {
    test::write_synthetic_serve_dir(dir_ / "serve");
    const ServeData d = read_serve_dir(dir_ / "serve");
    const auto s      = test::synthetic_serve_summary();
    ASSERT_EQ(d.series.rows(), 12u);
    EXPECT_DOUBLE_EQ(d.series.column("t_s")[11], 7200);
    EXPECT_DOUBLE_EQ(d.series.column("arrivals")[5], 3600); // period 6: load 6 x 600
    EXPECT_DOUBLE_EQ(d.series.column("kv_use")[5], 0.1 * 6);
    EXPECT_DOUBLE_EQ(d.series.column("tpot_p99_s")[0], 0.08 + 0.004);
    EXPECT_EQ(d.summary.mode, "disaggregated");
    EXPECT_EQ(d.summary.requests_in, s.requests_in);
    EXPECT_EQ(d.summary.unfinished, 5);
    EXPECT_DOUBLE_EQ(d.summary.duration_s, 7200);
    EXPECT_DOUBLE_EQ(d.summary.prefill_nodes_mean, 6);
    EXPECT_DOUBLE_EQ(d.summary.decode_nodes_mean, 27);
    EXPECT_DOUBLE_EQ(d.summary.ttft_s.p99, s.ttft.quantile(0.99));
    // GPU-hours: (6 nodes x 8 GPUs + 27 x 8) x 2 h.
    EXPECT_NEAR(d.summary.gpu_hours, (6 * 8 + 27 * 8) * 2.0, 1e-9);
}

TEST_F(FileViews, BadSeriesSayFileAndLine) {
    test::write_synthetic_serve_dir(dir_ / "serve");
    std::ifstream in(dir_ / "serve" / "series.csv");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        lines.push_back(l);
    const auto with = [&](std::size_t line, const std::string& text) {
        std::string out;
        for (std::size_t i = 0; i < lines.size(); ++i)
            out += (i + 1 == line ? text : lines[i]) + "\n";
        return write("bad/series.csv", out);
    };
    // The 14 columns written out below, then zeros for the later ones (sim/serving/series_columns.hpp).
    const std::size_t n_cols = serving::kSeriesColumns.size();
    std::string tail;
    for (std::size_t c = 14; c < n_cols; ++c)
        tail += ",0";
    fs::path p = with(1, "t_s,arrivals");
    EXPECT_NE(error_of([&] { read_series_csv(p); }).find(p.string() + ":1: expected the header"), std::string::npos);
    p = with(4, "1800,x,1,1,1,1,1,1,0.1,1,1,1,1,0" + tail);
    EXPECT_NE(
        error_of([&] { read_series_csv(p); }).find(p.string() + ":4: column arrivals: expected a number, got \"x\""),
        std::string::npos)
        << error_of([&] { read_series_csv(p); });
    p = with(5, "1800,1,1");
    EXPECT_NE(error_of([&] { read_series_csv(p); }).find(":5: expected " + std::to_string(n_cols) + " fields, got 3"),
              std::string::npos);
    p = with(6, "100,1,1,1,1,1,1,1,0.1,1,1,1,1,0" + tail);
    EXPECT_NE(error_of([&] { read_series_csv(p); }).find(":6: column t_s: times must increase"), std::string::npos)
        << error_of([&] { read_series_csv(p); });
    p = with(3, "1200,1,1,1,1,1,1,-2,0.1,1,1,1,1,0" + tail);
    EXPECT_NE(error_of([&] { read_series_csv(p); }).find(":3: column queued: expected a value >= 0"),
              std::string::npos);
    p = write("empty/series.csv", "");
    EXPECT_NE(error_of([&] { read_series_csv(p); }).find(":1: empty file"), std::string::npos);
    // A summary with a key the writer never writes.
    const fs::path sum = dir_ / "serve" / "summary.json";
    std::ifstream sin(sum);
    std::string text((std::istreambuf_iterator<char>(sin)), {});
    text.replace(text.find("\"duration_s\""), 12, "\"duration_h\"");
    const fs::path bad_sum = write("bad/summary.json", text);
    const std::string e    = error_of([&] { read_serve_summary(bad_sum); });
    EXPECT_NE(e.find(bad_sum.string()), std::string::npos) << e;
    EXPECT_NE(e.find("duration_h"), std::string::npos) << e;
}

TEST(TrainingSpans, KindsFromOpNames) {
    EXPECT_EQ(training_span_kind("F0.3"), TrainingSpanKind::F);
    EXPECT_EQ(training_span_kind("B1.12"), TrainingSpanKind::B);
    EXPECT_EQ(training_span_kind("BW0.1"), TrainingSpanKind::BW);
    EXPECT_EQ(training_span_kind("W0.4"), TrainingSpanKind::W);
    EXPECT_EQ(training_span_kind("FB0.5/1.2"), TrainingSpanKind::FB);
    EXPECT_EQ(training_span_kind("reduce_scatter"), TrainingSpanKind::DpSync);
    EXPECT_EQ(training_span_kind("all_gather"), TrainingSpanKind::DpSync);
    EXPECT_EQ(training_span_kind("optimizer"), TrainingSpanKind::Optimizer);
    EXPECT_EQ(training_span_kind("F"), TrainingSpanKind::Other);
    EXPECT_EQ(training_span_kind("X0.1"), TrainingSpanKind::Other);
}

TEST(TrainingSpans, SharesAndDrawnBubbles) {
    TrainingRank k;
    k.compute_s = 6, k.exposed_comm_s = 1, k.bubble_s = 1, k.dp_sync_s = 0.5, k.optimizer_s = 0.5, k.end_s = 9;
    const StageShares s = stage_shares(k, 10);
    EXPECT_DOUBLE_EQ(s.compute, 0.6);
    EXPECT_DOUBLE_EQ(s.idle_after, 0.1);
    EXPECT_NEAR(s.compute + s.exposed_comm + s.bubble + s.dp_sync + s.optimizer + s.idle_after, 1.0, 1e-12);
    TrainingResult r;
    r.pp_size = 2, r.pipeline_s = 10;
    // Rank 0: [0,4] and [3,6] overlap -> covered 6, gap 4. Rank 1: [2,5], [7,12] (clipped to 10) -> 6, gap 4.
    r.spans = {{0, "F0.0", 0, 4}, {0, "B0.0", 3, 6}, {1, "F0.0", 2, 5}, {1, "B0.0", 7, 12}};
    EXPECT_EQ(uncovered_pipeline_s(r), (std::vector<double>{4, 4}));
}

TEST(PlotAxes, RangesTicksAndHits) {
    const AxisRange r = axis_range({2, 4, 10}, 0.1, true);
    EXPECT_DOUBLE_EQ(r.lo, 0);
    EXPECT_DOUBLE_EQ(r.hi, 11);
    EXPECT_EQ(nice_ticks({0, 10}, 6), (std::vector<double>{0, 2, 4, 6, 8, 10}));
    EXPECT_EQ(nice_ticks({0.3, 1.2}, 4), (std::vector<double>{0.5, 1.0}));
    const AxisRange one = axis_range({5}, 0.1, false);
    EXPECT_DOUBLE_EQ(one.hi - one.lo, 1);
    EXPECT_TRUE(nice_ticks({1, 1}, 5).empty());
    const std::vector<std::pair<float, float>> xy = {{0, 0}, {10, 0}, {10, 10}};
    EXPECT_EQ(nearest_point(xy, 9, 1, 3), 1);
    EXPECT_EQ(nearest_point(xy, 5, 5, 3), -1);
    EXPECT_EQ(nearest_point(xy, 10, 9, 3), 2);
}

} // namespace
} // namespace moetwin::gui
