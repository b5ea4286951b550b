// SPDX-License-Identifier: Apache-2.0
// RunResult -> CSV tables for spreadsheets and pandas: one row per GPU, one row per link.
#pragma once

#include "sim/result/result.hpp"

#include <filesystem>
#include <iosfwd>

namespace moetwin {

// Header: gpu,node,local_rank,tokens_received,tokens_sent,expert_selections,busy_compute_ns,dispatch_ns,
//         combine_ns,idle_ns,bytes_sent,bytes_received,hbm_used_bytes
void write_gpu_csv(const RunResult& r, const std::filesystem::path& path);
void write_gpu_csv(const RunResult& r, std::ostream& out);

// Header: name,kind,src,dst,capacity_Bps,bytes,busy_ns,utilisation
// Doubles in shortest round-trip form; text fields quoted (RFC 4180) when they hold a comma, quote or newline.
void write_link_csv(const RunResult& r, const std::filesystem::path& path);
void write_link_csv(const RunResult& r, std::ostream& out);

} // namespace moetwin
