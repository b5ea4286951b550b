// SPDX-License-Identifier: Apache-2.0
// The files of a run: result.json (lossless, for the GUI), trace.json (Perfetto), CSVs.
#include "sim/run_outputs.hpp"

#include "sim/result/chrome_trace.hpp"
#include "sim/result/result_csv.hpp"
#include "sim/result/result_json.hpp"

namespace moetwin {

std::vector<std::filesystem::path> write_run_outputs(const RunResult& r, const OutputConfig& out,
                                                     const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> written;
    if (out.result_json) {
        write_result_json(r, dir / "result.json");
        written.push_back(dir / "result.json");
    }
    if (out.trace && r.summary.timing_simulated) {
        write_chrome_trace(r, dir / "trace.json");
        written.push_back(dir / "trace.json");
    }
    if (out.csv) {
        write_gpu_csv(r, dir / "gpus.csv");
        write_link_csv(r, dir / "links.csv");
        written.push_back(dir / "gpus.csv");
        written.push_back(dir / "links.csv");
    }
    return written;
}

} // namespace moetwin
