// SPDX-License-Identifier: Apache-2.0
// The profile database: per-op GPU timings measured by moetwin-profile (engine/profiler/), stored as JSON
// in long format (one record per op × shape; format in engine/profile_json.cpp), and ProfileTable, the
// ComputeModel that answers from them: exact hits, multilinear interpolation inside the measured grid,
// and the fallback model (the roofline) for anything else, saying so (OpTime::measured = false, stats()).
#pragma once

#include "engine/compute_model.hpp"
#include "engine/op_spec.hpp"

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin {

// One measurement: an op of the model's catalogue (or an aux op, see profile_aux_ops) at one shape.
struct OpProfile {
    std::string op;   // "q_a_proj", "mla_decode", "expert_gate_up", ...
    std::string impl; // what ran: "cublaslt_fp8_blockscale", "moetwin_simt", ...
    OpShape shape;    // fields the op does not use keep their defaults
    double median_s = 0, p10_s = 0, p90_s = 0;
    int samples = 0; // timed repeats behind the statistics

    // The measuring device, repeated in every record (long format: each record stands alone).
    std::string gpu; // cudaDeviceProp::name, "NVIDIA H800"
    int num_sms            = 0;
    double sm_clock_hz     = 0; // median SM clock while measuring (NVML); 0 = unknown
    double sm_clock_max_hz = 0; // the device's maximum SM clock
    std::string cuda_runtime;   // "13.0"
    std::string cuda_driver;    // "13.0"
};

struct ProfileTiming {
    int warmup     = 0;
    int repeats    = 0;
    bool l2_flush  = true;
    int input_sets = 1; // rotated activation copies
};

struct ProfileFile {
    std::string model;       // catalogue key: "deepseek_v3"
    std::string generator;   // "moetwin-profile 0.1.0"
    std::string created_utc; // "2025-06-01T12:00:00Z"
    ProfileTiming timing;
    std::vector<OpProfile> records;
};

// profile_json.cpp: strict reading (every error names the file, the JSON path and the expectation;
// syntax errors give line:column) and deterministic writing (one record per line).
ProfileFile read_profile_file(const std::filesystem::path& path);
ProfileFile parse_profile_json(std::string_view text, const std::string& origin);
std::string to_profile_json(const ProfileFile& file);
void write_profile_file(const std::filesystem::path& path, const ProfileFile& file); // atomic

// Ops the profiler measures that are not in the model's op lists (the simulator never asks for them):
// "moe_unpermute" (rows = num_tokens). Its "moe_permute" is the catalogue op of that name (its
// records' num_tokens stand for the received tokens).
const std::vector<OpSpec>& profile_aux_ops();

enum class LookupKind { Exact, Interpolated, Fallback };
std::string_view to_string(LookupKind kind);

struct ProfileLookup {
    double seconds  = 0;
    LookupKind kind = LookupKind::Fallback;
    std::string detail; // why a fallback was needed, or which records were interpolated
};

// Contract (ComputeModel): op_time() is pure in (op, shape, num_sms) apart from the lookup counters.
// Records are grouped by a key of the fields an op's time depends on categorically (phase; the weight
// precision except for attention and the gate; the KV precision and, in decode, query tokens per request
// for attention; the attention TP degree where the op is sharded) and placed on numeric axes:
//   decode attention (num_requests, kv_len); prefill attention (num_requests, query_tokens_per_request,
//   kv_len - query_tokens_per_request); ops over the local experts' rows (grouped GEMMs, expert_swiglu)
//   (num_local_experts, tokens_per_expert);
//   every other op one axis, its rows (flops(shape) / flops(one row): tokens, or context tokens for
//   kv_b_proj in prefill, or requests for lm_head in prefill).
// A query inside the measured range whose grid cell has all 2^d corner records is interpolated
// multilinearly (exact when it hits a record); anything else goes to the fallback model and is counted.
// Records measured on more SMs than `num_sms` are scaled by record_sms / num_sms.
class ProfileTable final : public ComputeModel {
  public:
    // Validates the records against the model's op catalogue (ConfigError naming `origin`, the record's
    // JSON path and the problem). `fallback` may be null: then a miss throws ConfigError.
    ProfileTable(ProfileFile file, std::string origin, const ComputeModel* fallback);
    ~ProfileTable() override;

    OpTime op_time(const OpSpec& op, const OpShape& shape, int num_sms) const override;
    std::string describe() const override;
    ProfileLookup lookup(const OpSpec& op, const OpShape& shape, int num_sms) const;

    struct OpStats {
        int64_t exact = 0, interpolated = 0, fallback = 0;
        std::string first_fallback; // the detail of the first miss
    };
    std::map<std::string, OpStats> stats() const;
    // One line per op with lookups: "mla_decode  exact 3  interpolated 120  fallback 2 (first: ...)".
    void print_stats(std::ostream& out) const;

    const ProfileFile& file() const;
    const std::string& model() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// read_profile_file + ProfileTable.
std::unique_ptr<ProfileTable> load_profile_table(const std::filesystem::path& path, const ComputeModel* fallback);

} // namespace moetwin
