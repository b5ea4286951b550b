#!/usr/bin/env bash
# Real screenshots for the README: runs the default scenario and renders three views of its result
# offscreen under Xvfb. Usage: gui/screenshots/make_real_screenshots.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$build/bin/moetwin" run --out "$out" >/dev/null
shot() { # name view [extra args]
    local name=$1 view=$2
    shift 2
    xvfb-run -a -s "-screen 0 1920x1080x24" "$build/bin/moetwin-gui" "$out/result.json" \
        --screenshot "$root/gui/screenshots/$name.png" --view "$view" --size 1400x860 "$@"
}
shot real_decode_overview overview
shot real_decode_timeline timeline --time-window 20000,23000
shot real_decode_experts experts
shot real_decode_layers layers
