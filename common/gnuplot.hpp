// SPDX-License-Identifier: Apache-2.0
// Drawing PNG plots with Debian's gnuplot-nox, for every command that draws (`moetwin sweep`, `moetwin serve`):
// finding the program, quoting strings into a script, and running a script so that an interrupted plot
// leaves no partial picture.
#pragma once

#include <filesystem>
#include <string>

namespace moetwin {

// The path of `program` on $PATH (an executable regular file), or "" when there is none.
std::string find_on_path(const std::string& program);

// `s` as a gnuplot single-quoted string ('' inside stands for ').
std::string gnuplot_quote(const std::string& s);

// Contract: writes `script` to dir/name.gp (atomically) and runs `gnuplot` on it with `png_out` set to its
// stdout, which is an atomic-writer temporary beside dir/name.png (common/atomic_file.hpp: O_EXCL, never a
// followed symlink, a killed run's leftover removed by the next one), renamed to dir/name.png when gnuplot
// succeeds and removed when it fails. The script sets its output with gnuplot_output(dir/name.png) and stays
// beside the picture to redraw it. Returns "" or why no picture was made.
// The script's output lines: draw_gnuplot's `png_out`, or `png` when a user runs the script.
std::string gnuplot_output(const std::filesystem::path& png);

std::string draw_gnuplot(const std::string& gnuplot, const std::string& script, const std::filesystem::path& dir,
                         const std::string& name);

} // namespace moetwin
