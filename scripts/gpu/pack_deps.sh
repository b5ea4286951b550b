#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run HERE, on the Debian 12 development machine (not on the GPU machine): copies the small libraries the
# stand-alone GPU build needs and the GPU image lacks (nlohmann_json, CLI11, fmt, GoogleTest/GoogleMock:
# headers, CMake package files, libraries; about 4 MB) into build-gpu-deps/, which the repository's
# .gitignore already ignores (/build*/). The GPU session then names build-gpu-deps in `carry`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="$root/build-gpu-deps"
packages=(nlohmann-json3-dev libcli11-dev libfmt-dev libfmt9 libgtest-dev libgmock-dev)

rm -rf "$dest"
mkdir -p "$dest"
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
        { echo "pack_deps: Debian package $pkg is not installed" >&2; exit 1; }
    while IFS= read -r f; do
        case "$f" in /usr/share/doc/* | /usr/src/*) continue ;; esac
        if [[ -L "$f" || -f "$f" ]]; then
            mkdir -p "$dest$(dirname "$f")"
            cp -a "$f" "$dest$f"
        fi
    done < <(dpkg -L "$pkg")
done
echo "pack_deps: $(du -sh "$dest" | cut -f1) in $dest"
