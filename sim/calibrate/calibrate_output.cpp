// SPDX-License-Identifier: Apache-2.0
// The importer's report (tables on stdout) and its output files (calibrate.hpp).
#include "common/atomic_file.hpp"
#include "sim/calibrate/calibrate.hpp"

#include <cstdio>
#include <ostream>
#include <string>

namespace moetwin::calib {
namespace {

std::string fmt(const char* f, auto... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, f, args...);
    return buf;
}

std::string err(double twin, double measured) {
    return measured > 0 ? fmt("%+6.1f%%", (twin / measured - 1.0) * 100.0) : std::string("    -  ");
}

} // namespace

void print_calibration(std::ostream& out, const CalibrationResult& r) {
    out << "trace " << r.trace << ": " << r.kernels_total << " kernels, " << r.kernels_attributed
        << " attributed to a stage, " << r.device_sms << " SMs\n\n";
    out << "per stage (GPU span per occurrence; ops = the catalogue ops of the stage, back to back; twin = "
           "roofline before / after calibration; glue = kernels with no op yet; comm = DeepEP)\n";
    out << fmt("%-11s %-31s %9s %9s %9s %9s %7s %9s %7s %8s %8s\n", "stage", "span per occurrence (us)", "mean", "busy",
               "ops", "twin", "err", "twin cal", "err", "glue", "comm");
    for (const StageRow& s : r.stages) {
        std::string spans;
        for (double v : s.span_us)
            spans += fmt("%.0f ", v);
        double busy = 0;
        for (double v : s.busy_us)
            busy += v / double(s.busy_us.size());
        out << fmt("%-11s %-31s %9.0f %9.0f %9.0f %9.0f %7s %9.0f %7s %8.0f %8.0f\n", s.name.c_str(), spans.c_str(),
                   s.mean_span_us(), busy, s.ops_measured_us, s.twin_us, err(s.twin_us, s.ops_measured_us).c_str(),
                   s.twin_calibrated_us, err(s.twin_calibrated_us, s.ops_measured_us).c_str(), s.glue_us, s.comm_us);
    }
    out << "\nper op (median over occurrences, us; SMs the kernels had)\n";
    out << fmt("%-24s %-8s %-32s %4s %3s %9s %9s %7s %9s %7s\n", "op", "stage", "kernel family", "SMs", "n", "measured",
               "twin", "err", "twin cal", "err");
    for (const OpRow& o : r.ops)
        out << fmt("%-24s %-8s %-32s %4d %3d %9.1f %9.1f %7s %9.1f %7s\n", o.op.c_str(), o.stage.c_str(),
                   o.kernel_family.c_str(), o.num_sms, o.kernels, o.median_us, o.twin_us,
                   err(o.twin_us, o.median_us).c_str(), o.twin_calibrated_us,
                   err(o.twin_calibrated_us, o.median_us).c_str());
    out << "\nfitted roofline efficiency factors (calibration.json)\n";
    out << fmt("%-17s %4s %-19s %8s %8s %11s %11s  %s\n", "family", "SMs", "parameter", "fitted", "default",
               "measured us", "default us", "fitted from");
    for (const EfficiencyFactor& f : r.calibration.factors) {
        std::string from;
        for (const FitSource& s : f.fitted_from)
            from += (from.empty() ? "" : ", ") + s.op;
        out << fmt("%-17s %4d %-19s %8.4f %8.4f %11.1f %11.1f  %s%s\n", std::string(to_string(f.family)).c_str(),
                   f.num_sms, std::string(fitted_parameter(f.family)).c_str(), f.value, f.default_value, f.measured_us,
                   f.roofline_default_us, f.clamped ? "(clamped at 1) " : "", from.c_str());
    }
    out << "\nDeepEP in situ (median over occurrences)\n";
    for (const DeepEpInSitu& d : r.calibration.deepep) {
        out << fmt("  %-11s %-16s %3d SMs %2d kernels %8.1f us", d.stage.c_str(), d.kernel.c_str(), d.num_sms,
                   d.kernels, d.median_us);
        if (d.bytes_per_gpu > 0) out << fmt("  %7.1f MB per GPU  %6.2f GB/s", d.bytes_per_gpu / 1e6, d.GBps);
        out << "\n";
    }
    if (!r.calibration.deepep.empty() && r.calibration.deepep.front().bytes_formula.size())
        for (const DeepEpInSitu& d : r.calibration.deepep)
            if (d.bytes_per_gpu > 0) {
                out << "  bytes: " << d.bytes_formula << "\n";
                break;
            }
    out << "\nkernels kept at the family level (no op in the catalogue yet), mean per occurrence\n";
    for (const GlueRow& g : r.glue)
        out << fmt("  %-11s %-18s %4d kernels %8.1f us\n", g.stage.c_str(), std::string(to_string(g.family)).c_str(),
                   g.kernels, g.mean_us);
    int n = 0;
    for (const UnclassifiedRow& u : r.unclassified)
        n += u.count;
    out << "\nunclassified kernels: " << n << "\n";
    for (const UnclassifiedRow& u : r.unclassified)
        out << fmt("  %-11s %3d x %8.1f us  %s\n", u.stage.c_str(), u.count, u.total_us, u.name.c_str());
}

std::vector<std::filesystem::path> write_calibration_outputs(const std::filesystem::path& dir,
                                                             const CalibrationResult& r) {
    std::vector<std::pair<std::filesystem::path, std::string>> files;
    for (const auto& [sms, file] : r.profiles) {
        const std::string name =
            sms == r.main_profile_sms ? "profile.json" : "profile_" + std::to_string(sms) + "sms.json";
        files.emplace_back(dir / name, to_profile_json(file));
    }
    files.emplace_back(dir / "calibration.json", to_calibration_json(r.calibration));
    std::vector<std::filesystem::path> written;
    for (const auto& [path, text] : files) { // every text is built before the first write
        write_file_atomic(path, text);
        written.push_back(path);
    }
    return written;
}

} // namespace moetwin::calib
