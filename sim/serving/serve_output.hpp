// SPDX-License-Identifier: Apache-2.0
// `moetwin serve`'s outputs: requests.csv (one row per completed request, streamed as the replay runs),
// summary.json (percentiles, SLO attainment, per-node throughput, GPU-hours, cost, revenue) and series.csv
// (every series period). File formats: sim/serving/README.md.
#pragma once

#include "sim/serving/replay.hpp"

#include <iosfwd>
#include <string>

namespace moetwin::serving {

// Writes each record as one CSV row (header first) to `out`; no record is kept in memory.
class CsvRecordSink : public RecordSink {
  public:
    explicit CsvRecordSink(std::ostream& out);
    void on_complete(const RequestRecord& r) override;

  private:
    std::ostream& out_;
    std::string line_;
};

// Contract: the summary of a replay of `in` as JSON text (2-space indent, fixed key order); pure.
std::string summary_json(const ReplayInputs& in, const ReplaySummary& s);
// The time series as CSV text (header + one row per period).
std::string series_csv(const ReplaySummary& s);

} // namespace moetwin::serving
