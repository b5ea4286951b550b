// SPDX-License-Identifier: Apache-2.0
// Issue 13 item 9: a simulated step's Perfetto trace has flow arrows from every dispatch/combine send span
// to its receivers' spans and counter tracks of link throughput. Checked on 2-node steps (NVLink and IB,
// low-latency and normal mode, two micro-batches): every flow id has one start and one end, each strictly
// inside the transfer span of its (layer, micro-batch) on the right GPU's thread; the bound on arrows;
// counters inside [0, capacity] integrating to the bytes the links carried and the GPUs sent; determinism.
#include "sim/network/subprocess.hpp"
#include "sim/result/chrome_trace.hpp"
#include "sim/result/result_json.hpp"
#include "sim/run.hpp"
#include "sim/step/step_comm_timeline.hpp"

#include <gtest/gtest.h>
#ifndef JSON_USE_IMPLICIT_CONVERSIONS
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#endif
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace moetwin {
namespace {

using Json = nlohmann::json;

// Two nodes of 8 GPUs, two MoE layers, two micro-batches overlapped; `mode` low_latency (decode) or normal
// (prefill).
Scenario two_node(bool prefill) {
    std::string json = R"({
      "name": "trace_2node", "seed": 11,
      "model": { "name": "deepseek_v3", "num_dense_layers": 1, "num_moe_layers": 2 },
      "hardware": { "gpu": "h800" },
      "cluster": { "fabric": "multi_plane_fat_tree", "num_nodes": 2, "gpus_per_node": 8,
                   "ib": { "bandwidth_GBps": 50, "switch_ports": 64 } },
      "deployment": { "PHASE": { "num_nodes": 2, "ep_size": 16, "dp_size": 16, "redundant_experts": 16,
                                 "routed_experts_per_gpu": 17, "shared_experts_per_gpu": 1 } },
      "routing": { "node_limit": 2, "popularity": { "distribution": "zipf", "s": 0.8 } },
      "balancer": { "policy": "eplb" },
      "workload": { "phase": "PHASE", LOAD,
                    "context": { "distribution": "fixed", "tokens": 2048 }, "micro_batches": 2 },
      "network": { "all_to_all": "MODE", "deepep": "v1_2025_04_ibgda" }
    })";
    for (int i = 0; i < 2; ++i)
        json.replace(json.find("PHASE"), 5, prefill ? "prefill" : "decode");
    json.replace(json.find("LOAD"), 4, prefill ? R"("tokens_per_gpu": 2048)" : R"("requests_per_gpu": 64)");
    json.replace(json.find("MODE"), 4, prefill ? "normal" : "low_latency");
    return parse_scenario(json, "<test>");
}

struct TracedRun {
    RunResult result;
    std::string trace_text;
    Json trace;
};

TracedRun run_with_trace(const Scenario& s) {
    const std::string both = run_in_child([&s] {
        const RunResult r = run(s);
        std::ostringstream out;
        write_result_json(r, out);
        out << '\x1e';
        write_chrome_trace(r, out);
        Json comm = {{"flows", Json::array()}, {"counters", Json::array()}}; // not in result.json
        for (const CommFlow& f : r.comm.flows)
            comm["flows"].push_back({f.src_gpu, f.dst_gpu, f.layer, f.micro_batch, f.combine, f.tokens});
        for (const LinkCounter& c : r.comm.counters) {
            Json samples = Json::array();
            for (const RateSample& x : c.samples)
                samples.push_back({x.t_ns, x.Bps});
            comm["counters"].push_back({c.node, c.group, c.capacity_Bps, c.bytes, samples});
        }
        out << '\x1e' << comm.dump();
        return out.str();
    });
    const std::size_t cut = both.find('\x1e'), cut2 = both.find('\x1e', cut + 1);
    TracedRun out;
    out.result      = parse_result_json(both.substr(0, cut), s.name);
    out.trace_text  = both.substr(cut + 1, cut2 - cut - 1);
    out.trace       = Json::parse(out.trace_text);
    const Json comm = Json::parse(both.substr(cut2 + 1));
    for (const Json& f : comm.at("flows"))
        out.result.comm.flows.push_back({f[0].get<int32_t>(), f[1].get<int32_t>(), f[2].get<int16_t>(),
                                         f[3].get<int8_t>(), f[4].get<bool>(), f[5].get<int64_t>()});
    for (const Json& c : comm.at("counters")) {
        LinkCounter lc{c[0].get<int32_t>(), c[1].get<std::string>(), c[2].get<double>(), c[3].get<int64_t>(), {}};
        for (const Json& x : c[4])
            lc.samples.push_back({x[0].get<int64_t>(), x[1].get<double>()});
        out.result.comm.counters.push_back(std::move(lc));
    }
    return out;
}

int64_t ns(const Json& us) { // the trace's exact decimal microseconds -> ns
    return std::llround(us.get<double>() * 1000);
}

void check_flows(const TracedRun& run, int gpus_per_node) {
    const Json& ev = run.trace.at("traceEvents");
    // Spans by thread: (pid, tid) -> [(begin, end, name, layer, mb)].
    struct S {
        int64_t b, e;
        std::string name;
        int layer, mb;
    };
    std::map<std::pair<int, int>, std::vector<S>> spans;
    for (const Json& e : ev)
        if (e.at("ph") == "X")
            spans[{e.at("pid").get<int>(), e.at("tid").get<int>()}].push_back(
                {ns(e.at("ts")), ns(e.at("ts")) + ns(e.at("dur")), e.at("name").get<std::string>(),
                 e.at("args").at("layer").get<int>(), e.at("args").at("micro_batch").get<int>()});
    // The transfer span (not notify) named like the flow, strictly containing ts, on (pid, tid).
    auto enclosing = [&](const Json& e) -> const S* {
        const S* found = nullptr;
        for (const S& s : spans[{e.at("pid").get<int>(), e.at("tid").get<int>()}])
            if (s.name == e.at("name") && s.b < ns(e.at("ts")) && ns(e.at("ts")) < s.e) {
                EXPECT_EQ(found, nullptr) << "two transfer spans contain " << e.dump();
                found = &s;
            }
        return found;
    };
    std::map<int64_t, const Json*> starts, ends;
    for (const Json& e : ev) {
        if (e.at("ph") == "s") EXPECT_TRUE(starts.emplace(e.at("id").get<int64_t>(), &e).second) << e.dump();
        if (e.at("ph") == "f") EXPECT_TRUE(ends.emplace(e.at("id").get<int64_t>(), &e).second) << e.dump();
    }
    ASSERT_EQ(starts.size(), ends.size());
    ASSERT_EQ(starts.size(), run.result.comm.flows.size()); // none left out on a real step
    int64_t id = 0;
    for (const CommFlow& f : run.result.comm.flows) {
        ASSERT_TRUE(starts.count(id) && ends.count(id)) << "flow id " << id;
        const Json& s  = *starts.at(id);
        const Json& t  = *ends.at(id);
        const int lane = f.combine ? 2 : 1;
        EXPECT_EQ(s.at("pid").get<int>(), f.src_gpu / gpus_per_node);
        EXPECT_EQ(s.at("tid").get<int>(), f.src_gpu % gpus_per_node * 3 + lane);
        EXPECT_EQ(t.at("pid").get<int>(), f.dst_gpu / gpus_per_node);
        EXPECT_EQ(t.at("tid").get<int>(), f.dst_gpu % gpus_per_node * 3 + lane);
        EXPECT_EQ(t.at("bp"), "e");
        EXPECT_EQ(s.at("args").at("tokens").get<int64_t>(), f.tokens);
        EXPECT_LE(ns(s.at("ts")), ns(t.at("ts")));
        const S* from = enclosing(s);
        const S* to   = enclosing(t);
        ASSERT_NE(from, nullptr) << s.dump();
        ASSERT_NE(to, nullptr) << t.dump();
        EXPECT_EQ(from->layer, f.layer);
        EXPECT_EQ(to->layer, f.layer);
        EXPECT_EQ(from->mb, f.micro_batch);
        EXPECT_EQ(to->mb, f.micro_batch);
        ++id;
    }
}

// Counters: inside [0, capacity]; the trace's samples integrate to the bytes the group's links carried
// (result links) and, with `sent_identity`, with the PCIe uplinks to what the GPUs sent (normal mode: every
// flow leg leaves its sender by exactly one of its NVLink port or its PCIe uplink; low-latency legs may
// cross both, an NVLink hop to the NIC's GPU then RDMA). Tolerance: each sample time is rounded
// to 1 ns, so at most capacity x 1 ns per sample, plus the shortest-form printing (exact to 1e-15).
void check_counters(const TracedRun& run, bool sent_identity) {
    const RunResult& r = run.result;
    std::map<std::string, double> integral, capacity_slack; // by group
    for (const LinkCounter& c : r.comm.counters) {
        ASSERT_FALSE(c.samples.empty()) << c.group << " node " << c.node;
        for (const RateSample& s : c.samples) {
            EXPECT_GE(s.Bps, 0);
            EXPECT_LE(s.Bps, c.capacity_Bps);
        }
        EXPECT_NEAR(counter_bytes(c), double(c.bytes), double(c.samples.size()) * c.capacity_Bps * 1e-9 + 1)
            << c.group << " node " << c.node;
        capacity_slack[c.group] += double(c.samples.size()) * c.capacity_Bps * 1e-9 + 1;
    }
    // The same from the trace's "C" events.
    std::map<std::pair<int, std::string>, std::vector<std::pair<int64_t, double>>> tracks;
    for (const Json& e : run.trace.at("traceEvents"))
        if (e.at("ph") == "C")
            tracks[{e.at("pid").get<int>(), e.at("name").get<std::string>() + " " + e.at("args").begin().key()}]
                .push_back({ns(e.at("ts")), e.at("args").begin().value().get<double>()});
    ASSERT_EQ(tracks.size(), r.comm.counters.size());
    for (const auto& [key, samples] : tracks) {
        const std::string& name = key.second;
        const double cap_GBps   = std::stod(name.substr(name.find("(capacity ") + 10));
        double bytes            = 0;
        for (std::size_t i = 0; i < samples.size(); ++i) {
            EXPECT_GE(samples[i].second, 0) << name;
            EXPECT_LE(samples[i].second, cap_GBps + 0.05) << name; // the name rounds capacity to 0.1 GB/s
            if (i + 1 < samples.size()) bytes += samples[i].second * double(samples[i + 1].first - samples[i].first);
        }
        EXPECT_EQ(samples.back().second, 0) << name;
        integral[name.substr(0, name.find(" GB/s"))] += bytes; // GB/s x ns = bytes
    }
    double nvlink_links = 0, ib_links = 0, pcie_up = 0, sent = 0;
    for (const LinkStats& l : r.links) {
        const bool up = l.name.ends_with(".up");
        if (l.kind == "nvlink" && up) nvlink_links += double(l.bytes);
        if (l.kind == "pcie" && up) pcie_up += double(l.bytes);
        if (l.kind == "ib" && up && l.src.find("nic") != std::string::npos) ib_links += double(l.bytes);
    }
    for (const GpuCounters& g : r.gpus)
        sent += double(g.bytes_sent);
    EXPECT_GT(nvlink_links, 0);
    EXPECT_NEAR(integral["nvlink out"], nvlink_links, capacity_slack["nvlink out"] + double(r.links.size()));
    if (sent_identity)
        EXPECT_NEAR(integral["nvlink out"] + pcie_up, sent,
                    capacity_slack["nvlink out"] + double(r.links.size() + r.gpus.size()));
    EXPECT_GT(ib_links, 0);
    EXPECT_NEAR(integral["ib out"], ib_links, capacity_slack["ib out"] + double(r.links.size()));
}

TEST(StepTrace, DecodeFlowsAndCountersConnectAndConserve) {
    const Scenario s   = two_node(false);
    const TracedRun a  = run_with_trace(s);
    const RunResult& r = a.result;
    EXPECT_EQ(r.comm.counters.size(), 4u); // 2 nodes x {nvlink out, ib out}
    // The bound: at most kFlowsPerSender per (sender, MoE pass, micro-batch, direction), reached here (15
    // possible receivers). MoE passes: the 2 MoE layers (this model override has no MTP pass).
    std::set<int> moe;
    for (const Span& sp : r.spans)
        if (sp.lane == Lane::Dispatch) moe.insert(sp.layer);
    EXPECT_EQ(moe.size(), 2u);
    EXPECT_EQ(r.comm.flows.size(), std::size_t(16 * step::kFlowsPerSender) * moe.size() * 2 * 2);
    check_flows(a, 8);
    check_counters(a, false);
    EXPECT_EQ(run_with_trace(s).trace_text, a.trace_text); // byte-identical
}

TEST(StepTrace, PrefillFlowsAndCountersConnectAndConserve) {
    const TracedRun a = run_with_trace(two_node(true));
    EXPECT_EQ(a.result.comm.counters.size(), 4u);
    EXPECT_GT(a.result.comm.flows.size(), 0u);
    EXPECT_LE(a.result.comm.flows.size(), std::size_t(16 * step::kFlowsPerSender * 2 * 2 * 2));
    check_flows(a, 8);
    check_counters(a, true);
}

} // namespace
} // namespace moetwin
