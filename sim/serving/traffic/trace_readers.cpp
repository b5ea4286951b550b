// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/traffic/trace_readers.hpp"

#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/serving/traffic/arrivals.hpp"
#include "sim/serving/traffic/line_reader.hpp"
#include "sim/serving/traffic/trace_fields.hpp"

#include <limits>
#include <string>

namespace moetwin::serving::traffic {
namespace {

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

// Reads the header line; throws when the file is empty.
std::string_view header_line(LineReader& in) {
    std::string_view h;
    if (!in.next(h)) throw ConfigError(in.origin() + ": empty file: expected a CSV header line");
    return h;
}

// The next non-final data line; an empty line in the middle of a file is an error.
bool data_line(LineReader& in, std::string_view& line) {
    if (!in.next(line)) return false;
    if (line.empty()) throw ConfigError(in.where() + ": empty line: expected a record");
    return true;
}

void check_field_count(const LineReader& in, std::size_t got, std::size_t want) {
    if (got != want)
        throw ConfigError(in.where() + ": " + std::to_string(got) + " fields: expected " + std::to_string(want) +
                          " (as many as the header)");
}

class AzureCsvSource final : public RequestSource {
  public:
    explicit AzureCsvSource(const std::filesystem::path& file) : in_(file) {
        const std::string_view header = header_line(in_);
        cols_ = header_columns(header, {"TIMESTAMP", "ContextTokens", "GeneratedTokens"}, in_.where(), n_cols_);
    }
    bool next(Request& r) override {
        std::string_view line;
        if (!data_line(in_, line)) return false;
        split_csv(line, f_, in_.where());
        check_field_count(in_, f_.size(), n_cols_);
        const int64_t ns = parse_datetime_ns(f_[cols_[0]], in_.where(), "TIMESTAMP");
        if (id_ == 0) first_ns_ = ns;
        if (id_ > 0 && ns < last_ns_)
            throw ConfigError(in_.where() + ": TIMESTAMP " + std::string(f_[cols_[0]]) +
                              " is earlier than the previous line's: expected non-decreasing timestamps");
        last_ns_        = ns;
        r               = Request{};
        r.id            = id_++;
        r.arrival_s     = static_cast<double>(ns - first_ns_) * 1e-9;
        r.input_tokens  = parse_tokens(f_[cols_[1]], in_.where(), "ContextTokens");
        r.output_tokens = parse_tokens(f_[cols_[2]], in_.where(), "GeneratedTokens");
        return true;
    }

  private:
    LineReader in_;
    std::vector<std::size_t> cols_;
    std::size_t n_cols_ = 0;
    std::vector<std::string_view> f_;
    int64_t id_ = 0, first_ns_ = 0, last_ns_ = 0;
};

class MooncakeJsonlSource final : public RequestSource {
  public:
    explicit MooncakeJsonlSource(const std::filesystem::path& file) : in_(file) {}
    bool next(Request& r) override {
        std::string_view line;
        if (!in_.next(line)) return false;
        if (line.empty()) throw ConfigError(in_.where() + ": empty line: expected one JSON object per line");
        nlohmann::json j;
        try {
            j = parse_json_text(line, in_.origin());
        } catch (const ConfigError& e) { // "<file>:1:<col>: ..." -> "<file>:<line>:<col>: ..."
            std::string m          = e.what();
            const std::string head = in_.origin() + ":1:";
            if (m.rfind(head, 0) == 0) m = in_.where() + ":" + m.substr(head.size());
            throw ConfigError(m);
        }
        if (!j.is_object()) throw ConfigError(in_.where() + ": expected a JSON object, got " + describe_json(j));
        const JsonObject o(j, "", in_.where());
        o.finish({"timestamp", "input_length", "output_length", "hash_ids"});
        const int64_t ms = o.integer_in("timestamp", 0, kMaxInt64);
        if (id_ > 0 && ms < last_ms_)
            throw ConfigError(in_.where() + ": timestamp " + std::to_string(ms) + " is earlier than the previous " +
                              std::to_string(last_ms_) + ": expected non-decreasing timestamps");
        if (id_ == 0) first_ms_ = ms;
        last_ms_              = ms;
        r                     = Request{};
        r.id                  = id_++;
        r.arrival_s           = static_cast<double>(ms - first_ms_) * 1e-3;
        r.input_tokens        = o.integer_in("input_length", 1, kMaxRequestTokens);
        r.output_tokens       = o.integer_in("output_length", 1, kMaxRequestTokens);
        const JsonArray h     = o.array("hash_ids");
        const int64_t max_ids = (r.input_tokens + kDefaultBlockTokens - 1) / kDefaultBlockTokens;
        if (static_cast<int64_t>(h.size()) > max_ids)
            throw ConfigError(in_.where() + ": hash_ids: " + std::to_string(h.size()) + " ids for input_length " +
                              std::to_string(r.input_tokens) +
                              ": expected at most ceil(input_length / 512) = " + std::to_string(max_ids));
        hashes_.resize(h.size());
        for (std::size_t i = 0; i < h.size(); ++i)
            hashes_[i] = static_cast<uint64_t>(h.integer_in(i, 0, kMaxInt64));
        r.prefix_blocks = hashes_;
        return true;
    }

  private:
    LineReader in_;
    std::vector<uint64_t> hashes_;
    int64_t id_ = 0, first_ms_ = 0, last_ms_ = 0;
};

class LengthsCsvSource final : public RequestSource {
  public:
    LengthsCsvSource(const std::filesystem::path& file, const ArrivalSpec& a, uint64_t seed)
        : in_(file), arrivals_({a.rate_req_per_s}, a.cv, Rng(seed, kArrivalStream)) {
        const std::string_view header = header_line(in_);
        cols_ = header_columns(header, {"num_prefill_tokens", "num_decode_tokens"}, in_.where(), n_cols_);
    }
    bool next(Request& r) override {
        std::string_view line;
        if (!data_line(in_, line)) return false;
        split_csv(line, f_, in_.where());
        check_field_count(in_, f_.size(), n_cols_);
        r               = Request{};
        r.id            = id_++;
        r.input_tokens  = parse_tokens(f_[cols_[0]], in_.where(), "num_prefill_tokens");
        r.output_tokens = parse_tokens(f_[cols_[1]], in_.where(), "num_decode_tokens");
        r.arrival_s     = arrivals_.next_s();
        return true;
    }

  private:
    static constexpr uint64_t kArrivalStream = 0x4c454e47; // "LENG": this source's arrival stream
    LineReader in_;
    ArrivalProcess arrivals_;
    std::vector<std::size_t> cols_;
    std::size_t n_cols_ = 0;
    std::vector<std::string_view> f_;
    int64_t id_ = 0;
};

} // namespace

std::unique_ptr<RequestSource> open_trace(TraceFormat format, const std::filesystem::path& file,
                                          const ArrivalSpec& arrivals, uint64_t seed) {
    switch (format) {
    case TraceFormat::AzureCsv:
        return std::make_unique<AzureCsvSource>(file);
    case TraceFormat::MooncakeJsonl:
        return std::make_unique<MooncakeJsonlSource>(file);
    case TraceFormat::LengthsCsv:
        return std::make_unique<LengthsCsvSource>(file, arrivals, seed);
    }
    MOETWIN_ASSERT(false, "unknown trace format");
}

std::vector<int64_t> read_trace_lengths(TraceFormat format, const std::filesystem::path& file, bool output) {
    const auto src = open_trace(format, file, ArrivalSpec{}, 0);
    std::vector<int64_t> out;
    Request r;
    while (src->next(r))
        out.push_back(output ? r.output_tokens : r.input_tokens);
    if (out.empty()) throw ConfigError(file.string() + ": no requests: expected at least one to draw lengths from");
    return out;
}

} // namespace moetwin::serving::traffic
