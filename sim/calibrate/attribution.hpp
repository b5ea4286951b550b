// SPDX-License-Identifier: Apache-2.0
// Attribution of GPU kernels to stages: a kernel belongs to the innermost CPU user_annotation that encloses
// its launch on the launching thread; when that thread has none (PyTorch's autograd worker thread launches
// the backward kernels while the annotated main thread waits inside "attn(B)"), to the innermost annotation
// of the same process that encloses the launch. A stage occurrence's GPU span is [first kernel start, last
// kernel end] of its kernels, over all streams (the CPU annotation's duration is not the GPU time).
#pragma once

#include "sim/calibrate/profiler_trace.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace moetwin::calib {

struct StageOccurrence {
    std::string name;                 // the annotation's name: "attn(F)"
    int occurrence         = 0;       // 0-based count of earlier occurrences of the same name
    std::size_t annotation = 0;       // index into ProfilerTrace::annotations
    std::vector<std::size_t> kernels; // indices into ProfilerTrace::kernels, by start time
    double gpu_start_us = 0, gpu_end_us = 0;
    double busy_us = 0; // length of the union of the kernels' intervals
    double span_us() const { return gpu_end_us - gpu_start_us; }
};

struct Attribution {
    std::vector<StageOccurrence> stages;   // in the annotations' CPU order; annotations without kernels omitted
    std::vector<std::size_t> unattributed; // kernels no annotation encloses (listed, never dropped)
};

Attribution attribute_kernels(const ProfilerTrace& trace);

// Length of the union of [start, end) intervals.
double union_length_us(std::vector<std::pair<double, double>> intervals);

} // namespace moetwin::calib
