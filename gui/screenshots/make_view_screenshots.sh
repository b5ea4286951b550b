#!/usr/bin/env bash
# Real screenshots of the sweep and training views for the README: the shipped decode sweep
# (scenarios/sweeps/deepseek_v3_decode_nodes_batch_mtp.json, 32 points) and DeepSeek-V3's pre-training step
# (scenarios/deepseek_v3_pretrain_2048.json), rendered offscreen under Xvfb.
# Usage: gui/screenshots/make_view_screenshots.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$root"
"$build/bin/moetwin" sweep scenarios/sweeps/deepseek_v3_decode_nodes_batch_mtp.json --out "$out/sweep" >/dev/null
"$build/bin/moetwin" run scenarios/deepseek_v3_pretrain_2048.json --out "$out/train" >/dev/null
shot() { # name file [extra args]
    local name=$1 file=$2
    shift 2
    xvfb-run -a -s "-screen 0 1920x1080x24" "$build/bin/moetwin-gui" "$file" \
        --screenshot "$root/gui/screenshots/$name.png" --size 1400x860 "$@"
}
shot real_sweep_decode "$out/sweep"
shot real_training_pretrain "$out/train/training.json"
