// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/serve_setup.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sim/scenario_fit.hpp"
#include "sim/serving/serve_output.hpp"
#include "sim/serving/serve_trace.hpp"

#include <ostream>

namespace moetwin::serving {

namespace {
PoolUnit pool_unit(const Scenario& s, const DeploymentUnit& u, const StepTimeModel& step) {
    PoolUnit p;
    p.nodes    = u.num_nodes;
    p.gpus     = u.ep_size;
    p.dp_ranks = u.dp_size;
    // A DP rank spans tp_size GPUs, each with nics_per_node / gpus_per_node NICs (H800: one 400 Gb/s NIC per
    // GPU, reference §2); its KV leaves over all of them.
    p.nic_Bps = s.cluster.ib_bandwidth_Bps * double(u.tp_size) * double(s.cluster.nics_per_node) /
                double(s.cluster.gpus_per_node);
    p.step = &step;
    return p;
}
} // namespace

ReplayInputs replay_inputs(const Scenario& s, const StepTimeModel& prefill, const StepTimeModel& decode) {
    MOETWIN_ASSERT(s.serving && s.deployment.decode, "replay_inputs needs a serving scenario");
    ReplayInputs in;
    in.config  = *s.serving;
    in.seed    = s.seed;
    in.mtp     = {s.workload.mtp_draft_tokens, s.workload.mtp_acceptance};
    in.decode  = pool_unit(s, *s.deployment.decode, decode);
    in.prefill = pool_unit(s,
                           s.deployment.prefill && in.config.mode == ServingMode::Disaggregated ? *s.deployment.prefill
                                                                                                : *s.deployment.decode,
                           prefill);
    // The decode rank's KV room beside weights, buffers, activations and reserve at the workload's batch:
    // the same fit `moetwin fit` prints. MLA's latent cache is replicated over a rank's TP GPUs, so a rank holds
    // what one GPU holds.
    const FitReport fit                    = fit_unit(s, Phase::Decode);
    in.decode.kv_capacity_tokens_per_rank  = fit.kv_capacity_tokens;
    in.prefill.kv_capacity_tokens_per_rank = fit.kv_capacity_tokens;
    in.kv_bytes_per_token                  = double(fit.kv_bytes_per_token);
    if (fit.kv_capacity_tokens <= 0)
        throw ConfigError(s.source.string() + ": deployment.decode: no HBM left for KV cache (" + fit.reason +
                          "); see `moetwin fit`");
    return in;
}

ReplaySummary serve_to_dir(const ReplayInputs& in, RequestSource& src, const std::filesystem::path& dir,
                           int64_t trace_every, const std::string& title) {
    struct Discard : RecordSink {
        void on_complete(const RequestRecord&) override {}
    } discard;
    ReplaySummary sum;
    std::vector<RequestRecord> sampled;
    auto run = [&](RecordSink& sink) {
        TraceSampleSink tee(sink, trace_every);
        sum     = replay(in, src, tee);
        sampled = tee.sampled();
    };
    if (in.config.requests_csv) {
        write_file_atomic(dir / "requests.csv", [&](std::ostream& out) {
            CsvRecordSink sink(out);
            run(sink);
        });
    } else {
        run(discard);
    }
    write_file_atomic(dir / "series.csv", series_csv(sum));
    write_file_atomic(dir / "summary.json", summary_json(in, sum));
    if (trace_every > 0) write_file_atomic(dir / "trace.json", request_trace_json(sampled, title, trace_every));
    return sum;
}

} // namespace moetwin::serving
