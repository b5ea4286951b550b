// SPDX-License-Identifier: Apache-2.0
// Per-GPU and per-link CSV tables (columns in result_csv.hpp). Plain data, no validation beyond the caller's.
#include "sim/result/result_csv.hpp"

#include "common/atomic_file.hpp"

#include <array>
#include <charconv>
#include <locale>
#include <ostream>

namespace moetwin {
namespace {

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (const char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string shortest(double v) {
    std::array<char, 64> buf;
    const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string(buf.data(), res.ptr);
}

} // namespace

void write_gpu_csv(const RunResult& r, std::ostream& out) {
    out.imbue(std::locale::classic());
    out << "gpu,node,local_rank,tokens_received,tokens_sent,expert_selections,busy_compute_ns,dispatch_ns,"
           "combine_ns,idle_ns,bytes_sent,bytes_received,hbm_used_bytes\n";
    for (const GpuCounters& c : r.gpus) {
        out << c.gpu << ',' << c.node << ',' << c.local_rank << ',' << c.tokens_received << ',' << c.tokens_sent << ','
            << c.expert_selections << ',' << c.busy_compute_ns << ',' << c.dispatch_ns << ',' << c.combine_ns << ','
            << c.idle_ns << ',' << c.bytes_sent << ',' << c.bytes_received << ',' << c.hbm_used_bytes << '\n';
    }
}

void write_link_csv(const RunResult& r, std::ostream& out) {
    out.imbue(std::locale::classic());
    out << "name,kind,src,dst,capacity_Bps,bytes,busy_ns,utilisation\n";
    for (const LinkStats& l : r.links) {
        out << csv_field(l.name) << ',' << csv_field(l.kind) << ',' << csv_field(l.src) << ',' << csv_field(l.dst)
            << ',' << shortest(l.capacity_Bps) << ',' << l.bytes << ',' << l.busy_ns << ',' << shortest(l.utilisation)
            << '\n';
    }
}

void write_gpu_csv(const RunResult& r, const std::filesystem::path& path) {
    write_file_atomic(path, [&](std::ostream& out) { write_gpu_csv(r, out); });
}

void write_link_csv(const RunResult& r, const std::filesystem::path& path) {
    write_file_atomic(path, [&](std::ostream& out) { write_link_csv(r, out); });
}

} // namespace moetwin
