// SPDX-License-Identifier: Apache-2.0
// Human-readable numbers for labels and tooltips: durations, counts, bytes, rates. No ImGui, unit-tested.
#pragma once

#include <cstdint>
#include <string>

namespace moetwin::gui {

// ns rounded to the nearest int64, saturating at INT64_MIN / INT64_MAX (NaN gives 0): every double -> ns
// conversion in the GUI, so a result with times near INT64_MAX cannot overflow (issue 15 defects 1 and 11).
int64_t saturate_ns(double ns);

std::string format_ns(int64_t ns);           // "830 ns", "12.5 µs", "1.25 ms", "2.5 s" (3 significant digits)
std::string format_count(double v);          // "950", "12.3 k", "4.1 M", "2.0 G"
std::string format_bytes(double bytes);      // "512 B", "1.50 MB", "70.0 GB" (SI, 10^3)
std::string format_rate_Bps(double Bps);     // "160 GB/s"
std::string format_percent(double fraction); // 0.625 -> "62.5 %"
std::string format_fixed(double v, int decimals);

// What a metric's numbers are, so every panel formats them the same way.
enum class Unit : uint8_t { Count, Ns, Bytes, Fraction, TokensPerS };
std::string format_value(double v, Unit u);

// The labels of a colour legend over [lo, hi]: lo, the middle and hi, with as many digits as it takes to make
// the three distinct (busy % from 99.966 to 100.0 reads "99.966 %", "99.983 %", "100.000 %", not "100.0 %"
// three times). All three share one unit prefix, the one hi needs. Equal lo and hi give three equal labels.
struct LegendLabels {
    std::string lo, mid, hi;
};
LegendLabels legend_labels(double lo, double hi, Unit u);

} // namespace moetwin::gui
