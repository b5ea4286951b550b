#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates the README pictures: SYNTHETIC results (tests/gui, not simulations) drawn by the real moetwin-gui,
# offscreen under Xvfb. Usage: gui/screenshots/make_screenshots.sh [BUILD_DIR]   (from the repository root)
set -eu
build=${1:-build-gui}
out=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
synth="$build/bin/moetwin_gui_synth"
gui="$build/bin/moetwin-gui"
shot() { xvfb-run -a -s "-screen 0 1280x800x24" "$gui" "$@"; }

"$synth" "$tmp/ep320.json" ep320
"$synth" "$tmp/ep32_a.json" ep32 --redundant 0 --name synthetic_ep32_no_redundant
"$synth" "$tmp/ep32_b.json" ep32 --redundant 32

shot "$tmp/ep320.json" --view overview --size 1400x860 --screenshot "$out/overview_ep320.png"
shot "$tmp/ep320.json" --view experts --size 1400x860 --mouse 711,332 --screenshot "$out/experts_ep320.png"
shot "$tmp/ep320.json" --view timeline --size 1400x860 --time-window 3000,3400 --mouse 760,146 \
     --screenshot "$out/timeline_ep320.png"
shot "$tmp/ep32_a.json" --compare "$tmp/ep32_b.json" --view compare --size 1400x860 \
     --screenshot "$out/compare_ep32_redundant.png"
ls -l "$out"/*.png
