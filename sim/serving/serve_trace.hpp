// SPDX-License-Identifier: Apache-2.0
// A Perfetto (Chrome Trace Event) view of a sample of request lifecycles (`moetwin serve`: trace.json): every
// sampled request is one track ("request <id>") under one process, with its stages as complete ("X") spans:
//   queue        arrival -> its first prefill step (router, prefix-cache fetch, prefill-rank queue)
//   prefill      first prefill step -> first token (the steps holding its tokens, and the ranks' other work)
//   wait decode  first token -> KV transfer start (decode admission: KV or batch room, then the NIC's queue)
//   KV transfer  over the prefill rank's NIC
//   decode       KV arrived -> last token (joins the decode unit's next step)
// Colocated requests have no KV transfer: queue, prefill (chunks inside decode steps), decode.
// Times are microseconds since the replay's 0. Each span's args hold the request's lengths, hit and units.
#pragma once

#include "sim/serving/replay.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace moetwin::serving {

// Keeps every `every`-th request (id % every == 0) for the trace and forwards every record to `next`.
class TraceSampleSink : public RecordSink {
  public:
    TraceSampleSink(RecordSink& next, int64_t every) : next_(next), every_(every) {}
    void on_complete(const RequestRecord& r) override;
    const std::vector<RequestRecord>& sampled() const { return sampled_; }

  private:
    RecordSink& next_;
    int64_t every_;
    std::vector<RequestRecord> sampled_;
};

// Contract: pure. The trace's JSON text of `records` (any order; written sorted by id). `title` names the
// process (the scenario).
std::string request_trace_json(const std::vector<RequestRecord>& records, const std::string& title, int64_t every);

} // namespace moetwin::serving
