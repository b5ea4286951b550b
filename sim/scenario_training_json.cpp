// SPDX-License-Identifier: Apache-2.0
#include "sim/scenario_training_json.hpp"
#include "sim/scenario_bounds.hpp"

#include "common/units.hpp"
#include "engine/model_spec.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace moetwin {
namespace {

std::string n(int64_t v) {
    return std::to_string(v);
}

// As scenario_json.cpp's derived_key: a restated derived value must equal the derivation.
int derived(const JsonObject& o, std::string_view key, int64_t value, const std::string& from) {
    if (o.has(key) && o.integer(key) != value)
        o.fail(key, n(o.integer(key)) + " contradicts the value derived from " + from + ": " + n(value) +
                        " (remove the key to use it)");
    return int(value);
}

std::string gib(int64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GiB", double(bytes) / double(units::kGiB));
    return buf;
}

} // namespace

bool is_training_scenario(const JsonObject& root) {
    if (!root.has("workload")) return false;
    const JsonObject w = root.object("workload");
    return w.has("phase") && w.value("phase").is_string() && w.string("phase") == kTrainingPhaseName;
}

void parse_training(const JsonObject& root, Scenario& s) {
    root.object("workload").finish({"phase"}); // a training step's work is the training section's
    if (root.has("schedule"))
        root.fail("schedule", "a training scenario runs DualPipe chunk pairs on training.comm_sms SMs; remove "
                              "\"schedule\"");
    if (!s.deployment.prefill)
        root.object("deployment").fail_here("a training scenario needs deployment.prefill (one EP group of a stage)");
    const DeploymentUnit& unit = *s.deployment.prefill;
    if (unit.tp_size != 1)
        root.object("deployment")
            .object("prefill")
            .fail("tp_size", "training runs attention without TP (tech "
                             "report §3.2); expected 1");
    const ModelSpec model = with_layers(find_model(s.model.name), s.model.num_dense_layers, s.model.num_moe_layers);
    const JsonObject o    = root.object("training");
    o.finish({"pp_size", "schedule", "sequence_tokens", "global_batch_sequences", "layers_per_stage", "comm_sms",
              "zero_stage", "num_gpus", "dp_size", "micro_batches"});
    TrainingConfig t;
    t.pp_size         = int(o.integer_in("pp_size", t.pp_size, 1, model.num_layers));
    t.schedule        = o.choice("schedule", kPipelineSchedules, t.schedule, "pipeline schedule");
    t.sequence_tokens = read_bounded_integer(o, "sequence_tokens", "training.sequence_tokens", t.sequence_tokens);
    t.global_batch_sequences =
        read_bounded_integer(o, "global_batch_sequences", "training.global_batch_sequences", t.global_batch_sequences);
    t.comm_sms   = int(o.integer_in("comm_sms", t.comm_sms, 1, s.gpu.num_sms - 1));
    t.zero_stage = int(o.integer_in("zero_stage", t.zero_stage, 0, 1));

    const int64_t gpus   = int64_t(s.cluster.num_nodes) * s.cluster.gpus_per_node;
    t.num_gpus           = derived(o, "num_gpus", gpus,
                                   "cluster.num_nodes × cluster.gpus_per_node = " + n(s.cluster.num_nodes) + " × " +
                                       n(s.cluster.gpus_per_node));
    const int64_t per_dp = int64_t(t.pp_size) * unit.ep_size;
    if (gpus % per_dp != 0)
        o.fail("pp_size", "pp_size × deployment.prefill.ep_size = " + n(t.pp_size) + " × " + n(unit.ep_size) +
                              " does not divide the cluster's " + n(gpus) + " GPUs");
    t.dp_size =
        derived(o, "dp_size", gpus / per_dp,
                "num_gpus / (pp_size × ep_size) = " + n(gpus) + " / (" + n(t.pp_size) + " × " + n(unit.ep_size) + ")");
    const int64_t per_stage = gpus / t.pp_size;
    if (t.global_batch_sequences % per_stage != 0)
        o.fail("global_batch_sequences", n(t.global_batch_sequences) + " sequences do not divide over the " +
                                             n(per_stage) +
                                             " GPUs of a stage (num_gpus / pp_size; one sequence "
                                             "per GPU and micro-batch)");
    t.micro_batches = derived(o, "micro_batches", t.global_batch_sequences / per_stage,
                              "global_batch_sequences / (num_gpus / pp_size) = " + n(t.global_batch_sequences) + " / " +
                                  n(per_stage));
    if (const std::string why = pipeline_requirement_error(t.schedule, t.pp_size, t.micro_batches); !why.empty())
        o.fail(o.has("micro_batches") ? "micro_batches" : "global_batch_sequences", why);

    if (o.has("layers_per_stage")) {
        const JsonArray a = o.array("layers_per_stage");
        if (a.size() != std::size_t(t.pp_size))
            o.fail("layers_per_stage", "expected " + n(t.pp_size) + " entries (pp_size), got " + n(int64_t(a.size())));
        for (std::size_t i = 0; i < a.size(); ++i)
            t.layers_per_stage.push_back(int(a.integer_in(i, 1, model.num_layers)));
        const int sum = std::accumulate(t.layers_per_stage.begin(), t.layers_per_stage.end(), 0);
        if (sum != model.num_layers)
            o.fail("layers_per_stage", "the stages hold " + n(sum) + " layers; the model has " + n(model.num_layers) +
                                           " (" + n(model.num_dense_layers) + " dense + " + n(model.num_moe_layers()) +
                                           " MoE)");
    } else {
        t.layers_per_stage = default_layer_split(model.num_layers, t.pp_size);
    }

    if (!s.allow_not_fitting) {
        const bool dual = t.schedule == PipelineSchedule::DualPipe;
        const int live  = t.pp_size + (dual ? 1 : 0); // reference §9: activations per device
        for (int r = 0; r < t.pp_size; ++r) {
            std::vector<int> stages = {r};
            if (dual && t.pp_size - 1 - r != r) stages.push_back(t.pp_size - 1 - r);
            const TrainingMemory m = training_memory(model, t, unit.ep_size, stages, live);
            if (double(m.total_B()) > s.gpu.hbm_bytes)
                o.fail("layers_per_stage", "rank " + n(r) + " needs " + gib(m.total_B()) + " per GPU (weights " +
                                               gib(m.weights_B) + ", gradients " + gib(m.gradients_B) + ", optimizer " +
                                               gib(m.optimizer_B) + ", activations of " + n(live) + " chunks " +
                                               gib(m.activations_B) + "), above the " + gib(int64_t(s.gpu.hbm_bytes)) +
                                               " of HBM (allow_not_fitting overrides)");
        }
    }

    // One DualPipe chunk pair: micro-batch 0 the forward chunk, 1 the backward chunk, one sequence per GPU each.
    s.workload                      = WorkloadConfig{};
    s.workload.phase                = Phase::Prefill;
    s.workload.tokens_per_gpu       = 2 * t.sequence_tokens;
    s.workload.micro_batches        = 2;
    s.workload.context_distribution = ContextDistribution::Fixed;
    s.workload.context_tokens       = t.sequence_tokens;
    s.workload.context_max_tokens   = t.sequence_tokens;
    s.schedule.overlap              = OverlapSchedule::DualPipeChunkPair;
    s.schedule.comm_sms             = t.comm_sms;
    s.schedule.compute_sms          = s.gpu.num_sms - t.comm_sms;
    s.training                      = t;
}

} // namespace moetwin
