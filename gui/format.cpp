// SPDX-License-Identifier: Apache-2.0
// Human-readable numbers: 3 significant digits with an SI prefix.
#include "gui/format.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace moetwin::gui {
namespace {

// v in [1, 1000): "1.23", "12.3", "123".
std::string three_digits(double v) {
    char buf[32];
    const double a = std::fabs(v);
    if (a < 9.995)
        std::snprintf(buf, sizeof buf, "%.2f", v);
    else if (a < 99.95)
        std::snprintf(buf, sizeof buf, "%.1f", v);
    else
        std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

struct Prefix {
    double scale;
    const char* name;
};

std::string with_prefix(double v, const Prefix* prefixes, int n, const char* unit_space) {
    const double a = std::fabs(v);
    int i          = 0;
    // Pick the largest prefix whose value rounds to >= 1 (so 999.7 k becomes 1.00 M).
    for (int k = n - 1; k >= 0; --k) {
        if (a >= prefixes[k].scale * 0.9995) {
            i = k;
            break;
        }
    }
    return three_digits(v / prefixes[i].scale) + unit_space + prefixes[i].name;
}

} // namespace

int64_t saturate_ns(double ns) {
    constexpr double kTwo63 = 9223372036854775808.0; // 2^63: the first double above INT64_MAX
    if (std::isnan(ns)) return 0;
    if (ns >= kTwo63) return INT64_MAX;
    if (ns < -kTwo63) return INT64_MIN;
    return int64_t(std::llround(ns)); // |ns| < 2^63 and a double that large is an integer: no overflow
}

std::string format_ns(int64_t ns) {
    if (ns == 0) return "0 ns";
    static const Prefix p[] = {{1, "ns"}, {1e3, "\xC2\xB5s"}, {1e6, "ms"}, {1e9, "s"}};
    const double a          = std::fabs(double(ns));
    if (a < 1000) return std::to_string(ns) + " ns";
    return with_prefix(double(ns), p, 4, " ");
}

std::string format_count(double v) {
    if (std::fabs(v) < 999.5) {
        char buf[32];
        if (v == std::floor(v))
            std::snprintf(buf, sizeof buf, "%.0f", v);
        else
            return three_digits(v);
        return buf;
    }
    static const Prefix p[] = {{1, ""}, {1e3, "k"}, {1e6, "M"}, {1e9, "G"}, {1e12, "T"}};
    return with_prefix(v, p, 5, " ");
}

std::string format_bytes(double bytes) {
    if (std::fabs(bytes) < 999.5) return format_fixed(bytes, 0) + " B";
    static const Prefix p[] = {{1, "B"}, {1e3, "kB"}, {1e6, "MB"}, {1e9, "GB"}, {1e12, "TB"}, {1e15, "PB"}};
    return with_prefix(bytes, p, 6, " ");
}

std::string format_rate_Bps(double Bps) {
    return format_bytes(Bps) + "/s";
}

std::string format_percent(double fraction) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %%", fraction * 100.0);
    return buf;
}

std::string format_fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string format_value(double v, Unit u) {
    switch (u) {
    case Unit::Count:
        return format_count(v);
    case Unit::Ns:
        return format_ns(saturate_ns(v));
    case Unit::Bytes:
        return format_bytes(v);
    case Unit::Fraction:
        return format_percent(v);
    case Unit::TokensPerS:
        return format_count(v) + " tok/s";
    }
    return format_fixed(v, 3);
}

namespace {

// v in the unit's display scale (percent, or divided by the prefix hi needs), with `decimals` decimals.
std::string with_decimals(double v, double hi, Unit u, int decimals) {
    struct Scale {
        double div;
        const char* suffix;
    };
    const double a = std::fabs(hi);
    Scale s{1, ""};
    switch (u) {
    case Unit::Fraction:
        s = {0.01, " %"};
        break;
    case Unit::Ns:
        s = a >= 0.9995e9   ? Scale{1e9, " s"}
            : a >= 0.9995e6 ? Scale{1e6, " ms"}
            : a >= 999.5    ? Scale{1e3, " \xC2\xB5s"}
                            : Scale{1, " ns"};
        break;
    case Unit::Bytes:
        s = a >= 0.9995e12  ? Scale{1e12, " TB"}
            : a >= 0.9995e9 ? Scale{1e9, " GB"}
            : a >= 0.9995e6 ? Scale{1e6, " MB"}
            : a >= 999.5    ? Scale{1e3, " kB"}
                            : Scale{1, " B"};
        break;
    case Unit::Count:
    case Unit::TokensPerS:
        s = a >= 0.9995e9   ? Scale{1e9, " G"}
            : a >= 0.9995e6 ? Scale{1e6, " M"}
            : a >= 999.5    ? Scale{1e3, " k"}
                            : Scale{1, ""};
        if (u == Unit::TokensPerS) return format_fixed(v / s.div, decimals) + s.suffix + " tok/s";
        break;
    }
    return format_fixed(v / s.div, decimals) + s.suffix;
}

} // namespace

LegendLabels legend_labels(double lo, double hi, Unit u) {
    const double mid = (lo + hi) / 2;
    LegendLabels l{format_value(lo, u), format_value(mid, u), format_value(hi, u)};
    if (!(hi > lo) || (l.lo != l.mid && l.mid != l.hi)) return l;
    for (int d = 0; d <= 9; ++d) {
        l = {with_decimals(lo, hi, u, d), with_decimals(mid, hi, u, d), with_decimals(hi, hi, u, d)};
        if (l.lo != l.mid && l.mid != l.hi) return l;
    }
    return l;
}

} // namespace moetwin::gui
