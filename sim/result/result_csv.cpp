// SPDX-License-Identifier: Apache-2.0
// Per-GPU and per-link CSV tables: the columns are the csv fields of result_fields.hpp's tables. Plain data, no
// validation beyond the caller's.
#include "sim/result/result_csv.hpp"

#include "common/atomic_file.hpp"
#include "sim/result/result_fields.hpp"

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

void write_cell(std::ostream& out, int32_t v) {
    out << v;
}
void write_cell(std::ostream& out, int64_t v) {
    out << v;
}
void write_cell(std::ostream& out, uint64_t v) {
    out << v;
}
void write_cell(std::ostream& out, double v) {
    out << shortest(v);
}
// Every field type has a cell form (std::visit instantiates them all), though the CSV tables hold no bool or list.
void write_cell(std::ostream& out, bool v) {
    out << (v ? "true" : "false");
}
void write_cell(std::ostream& out, const std::string& v) {
    out << csv_field(v);
}
void write_cell(std::ostream& out, const std::vector<std::string>& v) {
    std::string joined; // one cell, entries separated by "; " (as RunMeta's operator<<)
    for (size_t i = 0; i < v.size(); ++i)
        joined += (i ? "; " : "") + v[i];
    out << csv_field(joined);
}

// Header: the table's csv fields in table order; one row per record.
template <class S, std::size_t N>
void write_table(std::ostream& out, const std::vector<S>& rows, const std::array<Field<S>, N>& fields) {
    out.imbue(std::locale::classic());
    const char* sep = "";
    for (const Field<S>& f : fields)
        if (f.csv) {
            out << sep << f.name;
            sep = ",";
        }
    out << '\n';
    for (const S& row : rows) {
        sep = "";
        for (const Field<S>& f : fields)
            if (f.csv) {
                out << sep;
                visit_field(f, row, [&](const auto& v) { write_cell(out, v); });
                sep = ",";
            }
        out << '\n';
    }
}

} // namespace

void write_gpu_csv(const RunResult& r, std::ostream& out) {
    write_table(out, r.gpus, kGpuFields);
}

void write_link_csv(const RunResult& r, std::ostream& out) {
    write_table(out, r.links, kLinkFields);
}

void write_gpu_csv(const RunResult& r, const std::filesystem::path& path) {
    write_file_atomic(path, [&](std::ostream& out) { write_gpu_csv(r, out); });
}

void write_link_csv(const RunResult& r, const std::filesystem::path& path) {
    write_file_atomic(path, [&](std::ostream& out) { write_link_csv(r, out); });
}

} // namespace moetwin
