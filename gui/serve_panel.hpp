// SPDX-License-Identifier: Apache-2.0
// Serving view: a `moetwin serve` replay's summary (summary.json) and its time series (series.csv) over the
// replay: load (arrivals and tokens per second), paid nodes per pool, waiting requests, KV use, and TTFT / TPOT
// p50 and p99 of each period's completions.
#pragma once

#include "gui/serve_data.hpp"

#include <cstdint>

namespace moetwin::gui {

class ServePanel {
  public:
    void draw(const ServeData& d);

  private:
    const ServeData* cached_for_ = nullptr; // the rates below are derived once per loaded folder
    uint64_t cached_rows_        = 0;
    std::vector<double> t_h_, arrivals_per_s_, input_per_s_, output_per_s_, kv_pct_, ttft50_ms_, ttft99_ms_, tpot50_ms_,
        tpot99_ms_;
};

} // namespace moetwin::gui
