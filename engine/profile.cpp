// SPDX-License-Identifier: Apache-2.0
// ProfileTable: records grouped by categorical key, placed on numeric axes, looked up exactly or by
// multilinear interpolation on the measured grid, else answered by the fallback model (profile.hpp).
#include "engine/profile.hpp"

#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "engine/training_ops.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>
#include <ostream>
#include <sstream>
#include <tuple>

namespace moetwin {

const std::vector<OpSpec>& profile_aux_ops() {
    static const std::vector<OpSpec> ops = [] {
        std::vector<OpSpec> v;
        for (const char* name : {"moe_unpermute"}) {
            OpSpec op;
            op.name  = name;
            op.kind  = OpKind::Elementwise;
            op.flops = [](const OpShape& s) { return double(s.num_tokens); }; // a stand-in: rows = tokens
            op.bytes = [](const OpShape& s) { return double(s.num_tokens); };
            v.push_back(std::move(op));
        }
        return v;
    }();
    return ops;
}

std::string_view to_string(LookupKind kind) {
    switch (kind) {
    case LookupKind::Exact:
        return "exact";
    case LookupKind::Interpolated:
        return "interpolated";
    case LookupKind::Fallback:
        return "fallback";
    }
    return "?";
}

namespace {

constexpr int kMaxAxes = 3;
using Coord            = std::array<double, kMaxAxes>;

// The categorical part of a lookup; records and queries with equal keys share one grid.
struct Key {
    std::string op;
    Phase phase;
    Precision weight;
    Precision kv;
    int64_t query_tokens; // decode attention only, else 0
    int64_t tp;
    auto tie() const { return std::tie(op, phase, weight, kv, query_tokens, tp); }
    bool operator<(const Key& o) const { return tie() < o.tie(); }
};

bool is_attention(const OpSpec& op) {
    return op.kind == OpKind::Attention;
}
bool is_decode_attention(const OpSpec& op) {
    return is_attention(op) && op.only_in && *op.only_in == Phase::Decode;
}

Key key_of(const OpSpec& op, const OpShape& s) {
    Key k;
    k.op           = op.name;
    k.phase        = s.phase;
    k.weight       = (is_attention(op) || op.kind == OpKind::Gate) ? Precision::Bf16 : s.weight_precision;
    k.kv           = is_attention(op) ? s.kv_precision : Precision::Bf16;
    k.query_tokens = is_decode_attention(op) ? s.query_tokens_per_request : 0;
    k.tp =
        is_attention(op) ? s.attn_tp_size : std::min<int64_t>(s.attn_tp_size, std::max<int64_t>(op.max_tp_shards, 1));
    return k;
}

std::string key_text(const Key& k) {
    std::ostringstream o;
    o << k.op << " phase=" << to_string(k.phase) << " weight_precision=" << to_string(k.weight)
      << " kv_precision=" << to_string(k.kv);
    if (k.query_tokens) o << " query_tokens_per_request=" << k.query_tokens;
    o << " attn_tp_size=" << k.tp;
    return o.str();
}

double rows_of(const OpSpec& op, const OpShape& s) {
    OpShape unit                  = s;
    unit.num_tokens               = 1;
    unit.num_requests             = 1;
    unit.kv_len                   = 1;
    unit.query_tokens_per_request = 1;
    unit.num_local_experts        = 1;
    unit.tokens_per_expert        = 1;
    const double f1               = op.flops ? op.flops(unit) : 0.0;
    return f1 > 0 ? op.flops(s) / f1 : double(s.num_tokens);
}

struct Axes {
    int count = 1;
    std::array<const char*, kMaxAxes> names{};
};

// Ops over the local experts' rows (grouped GEMMs, expert_swiglu): their time depends on how the rows split
// across experts, not only on the total, so they get both axes. Detected from the FLOP formula.
bool expert_indexed(const OpSpec& op) {
    if (op.kind == OpKind::GroupedGemm) return true;
    OpShape one;
    one.num_local_experts = 1;
    one.tokens_per_expert = 1;
    OpShape two           = one;
    two.num_local_experts = 2;
    return op.flops && op.flops(one) != op.flops(two);
}

Axes axes_of(const OpSpec& op) {
    if (is_decode_attention(op)) return {2, {"num_requests", "kv_len", nullptr}};
    if (is_attention(op)) return {3, {"num_requests", "query_tokens_per_request", "kv_len - query_tokens_per_request"}};
    if (expert_indexed(op)) return {2, {"num_local_experts", "tokens_per_expert", nullptr}};
    return {1, {"rows", nullptr, nullptr}};
}

Coord coord_of(const OpSpec& op, const OpShape& s) {
    if (is_decode_attention(op)) return {double(s.num_requests), double(s.kv_len), 0};
    if (is_attention(op))
        return {double(s.num_requests), double(s.query_tokens_per_request),
                double(s.kv_len - s.query_tokens_per_request)};
    if (expert_indexed(op)) return {double(s.num_local_experts), double(s.tokens_per_expert), 0};
    return {rows_of(op, s), 0, 0};
}

std::string coord_text(const Axes& a, const Coord& c) {
    std::ostringstream o;
    o << "(";
    for (int i = 0; i < a.count; ++i)
        o << (i ? ", " : "") << a.names[size_t(i)] << "=" << c[size_t(i)];
    return o.str() + ")";
}

struct Grid {
    Axes axes;
    int num_sms = 0;
    std::map<Coord, double> median_s;                 // exact coordinates -> median
    std::array<std::vector<double>, kMaxAxes> values; // sorted distinct values per axis
};

} // namespace

struct ProfileTable::Impl {
    ProfileFile file;
    std::string origin;
    const ComputeModel* fallback = nullptr;
    std::map<std::string, OpSpec> specs;
    std::map<Key, Grid> grids;
    mutable std::mutex mutex;
    mutable std::map<std::string, OpStats> stats;

    void count(const std::string& op, LookupKind kind, const std::string& detail) const {
        std::lock_guard<std::mutex> lock(mutex);
        OpStats& s = stats[op];
        if (kind == LookupKind::Exact)
            ++s.exact;
        else if (kind == LookupKind::Interpolated)
            ++s.interpolated;
        else if (s.fallback++ == 0)
            s.first_fallback = detail;
    }
};

ProfileTable::ProfileTable(ProfileFile file, std::string origin, const ComputeModel* fallback)
    : impl_(std::make_unique<Impl>()) {
    Impl& I                = *impl_;
    I.file                 = std::move(file);
    I.origin               = std::move(origin);
    I.fallback             = fallback;
    const ModelSpec* model = nullptr;
    try {
        model = &find_model(I.file.model);
    } catch (const ConfigError& e) {
        throw ConfigError(I.origin + ": model: " + e.what());
    }
    const std::vector<OpSpec> training = make_training_ops(*model); // backward-pass records (training_ops.hpp)
    for (const auto* list : {&model->embedding_ops, &model->dense_layer_ops, &model->moe_layer_ops, &model->head_ops,
                             &model->mtp_ops, &model->mtp_head_ops, &profile_aux_ops(), &training})
        for (const OpSpec& op : *list)
            if (op.kind != OpKind::Communication) I.specs.emplace(op.name, op);

    std::map<std::pair<Key, Coord>, size_t> seen;
    for (size_t i = 0; i < I.file.records.size(); ++i) {
        const OpProfile& r     = I.file.records[i];
        const std::string path = I.origin + ": records[" + std::to_string(i) + "]";
        const auto it          = I.specs.find(r.op);
        if (it == I.specs.end()) {
            std::string known;
            for (const auto& [name, spec] : I.specs)
                known += (known.empty() ? "" : ", ") + name;
            throw ConfigError(path + ".op: unknown op \"" + r.op + "\" for model " + I.file.model +
                              " (known: " + known + ")");
        }
        const OpSpec& op = it->second;
        if (op.only_in && *op.only_in != r.shape.phase)
            throw ConfigError(path + ".shape.phase: op " + r.op + " runs only in " +
                              std::string(to_string(*op.only_in)));
        const Key key     = key_of(op, r.shape);
        const Coord coord = coord_of(op, r.shape);
        if (const auto [dup, fresh] = seen.emplace(std::pair{key, coord}, i); !fresh)
            throw ConfigError(path + ": same op and shape as records[" + std::to_string(dup->second) + "] (" +
                              key_text(key) + " " + coord_text(axes_of(op), coord) + ")");
        Grid& g           = I.grids[key];
        g.axes            = axes_of(op);
        g.num_sms         = r.num_sms;
        g.median_s[coord] = r.median_s;
        for (int a = 0; a < g.axes.count; ++a)
            g.values[size_t(a)].push_back(coord[size_t(a)]);
    }
    for (auto& [key, g] : I.grids)
        for (auto& v : g.values) {
            std::sort(v.begin(), v.end());
            v.erase(std::unique(v.begin(), v.end()), v.end());
        }
}

ProfileTable::~ProfileTable() = default;

const ProfileFile& ProfileTable::file() const {
    return impl_->file;
}
const std::string& ProfileTable::model() const {
    return impl_->file.model;
}

ProfileLookup ProfileTable::lookup(const OpSpec& op, const OpShape& shape, int num_sms) const {
    const Impl& I   = *impl_;
    const auto miss = [&](std::string why) {
        std::ostringstream what;
        what << why << " [" << shape << "]";
        I.count(op.name, LookupKind::Fallback, what.str());
        if (!I.fallback)
            throw ConfigError("profile " + I.origin + ": op " + op.name + ": " + what.str() + " and no fallback model");
        return ProfileLookup{I.fallback->op_time(op, shape, num_sms).seconds, LookupKind::Fallback, what.str()};
    };
    const Key key  = key_of(op, shape);
    const auto git = I.grids.find(key);
    if (git == I.grids.end()) return miss("no records for " + key_text(key));
    const Grid& g = git->second;
    const Coord q = coord_of(op, shape);
    std::array<double, kMaxAxes> lo{}, hi{};
    bool exact = true;
    for (int a = 0; a < g.axes.count; ++a) {
        const auto& v  = g.values[size_t(a)];
        const double x = q[size_t(a)];
        if (x < v.front() || x > v.back()) {
            std::ostringstream o;
            o << g.axes.names[size_t(a)] << " = " << x << " is outside the profiled range [" << v.front() << ", "
              << v.back() << "] of " << key_text(key);
            return miss(o.str());
        }
        const auto it = std::lower_bound(v.begin(), v.end(), x);
        if (*it == x) {
            lo[size_t(a)] = hi[size_t(a)] = x;
        } else {
            lo[size_t(a)] = *(it - 1), hi[size_t(a)] = *it;
            exact = false;
        }
    }
    double t = 0;
    for (int corner = 0; corner < (1 << g.axes.count); ++corner) {
        Coord c{};
        double w = 1;
        for (int a = 0; a < g.axes.count; ++a) {
            const bool up = (corner >> a) & 1;
            c[size_t(a)]  = up ? hi[size_t(a)] : lo[size_t(a)];
            if (hi[size_t(a)] == lo[size_t(a)])
                w *= up ? 0.0 : 1.0; // degenerate axis: use the lower corner once
            else
                w *= up ? (q[size_t(a)] - lo[size_t(a)]) / (hi[size_t(a)] - lo[size_t(a)])
                        : (hi[size_t(a)] - q[size_t(a)]) / (hi[size_t(a)] - lo[size_t(a)]);
        }
        if (w == 0) continue; // the upper corner of an axis the query hits exactly
        const auto rec = g.median_s.find(c);
        if (rec == g.median_s.end())
            return miss("grid cell around " + coord_text(g.axes, q) + " lacks a record at " + coord_text(g.axes, c) +
                        " for " + key_text(key));
        t += w * rec->second;
    }
    std::string detail;
    if (num_sms > 0 && num_sms < g.num_sms) {
        t *= double(g.num_sms) / double(num_sms);
        detail = "scaled from " + std::to_string(g.num_sms) + " to " + std::to_string(num_sms) + " SMs";
    }
    const LookupKind kind = exact ? LookupKind::Exact : LookupKind::Interpolated;
    I.count(op.name, kind, detail);
    return {t, kind, detail};
}

OpTime ProfileTable::op_time(const OpSpec& op, const OpShape& shape, int num_sms) const {
    const ProfileLookup l = lookup(op, shape, num_sms);
    return {l.seconds, l.kind != LookupKind::Fallback};
}

std::string ProfileTable::describe() const {
    const Impl& I = *impl_;
    std::ostringstream o;
    o << "profile " << I.origin << " (" << (I.file.records.empty() ? "no records" : I.file.records.front().gpu) << ", "
      << I.file.records.size() << " records, model " << I.file.model << ")";
    o << (I.fallback ? ", fallback " + I.fallback->describe() : ", no fallback");
    return o.str();
}

std::map<std::string, ProfileTable::OpStats> ProfileTable::stats() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->stats;
}

void ProfileTable::print_stats(std::ostream& out) const {
    for (const auto& [op, s] : stats()) {
        out << op << ": exact " << s.exact << ", interpolated " << s.interpolated << ", fallback " << s.fallback;
        if (s.fallback > 0) out << " (first: " << s.first_fallback << ")";
        out << "\n";
    }
}

std::unique_ptr<ProfileTable> load_profile_table(const std::filesystem::path& path, const ComputeModel* fallback) {
    return std::make_unique<ProfileTable>(read_profile_file(path), path.string(), fallback);
}

} // namespace moetwin
