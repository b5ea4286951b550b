// SPDX-License-Identifier: Apache-2.0
// The process's view probe.
#include "gui/view_probe.hpp"

#include <cstdio>

namespace moetwin::gui {

std::string ViewProbe::report() const {
    std::string out;
    char buf[64];
    for (const auto& [k, v] : values_) {
        std::snprintf(buf, sizeof buf, "%.17g", v);
        out += "probe " + k + " " + buf + "\n";
    }
    return out;
}

ViewProbe& view_probe() {
    static ViewProbe probe;
    return probe;
}

} // namespace moetwin::gui
