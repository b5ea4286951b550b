#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks every tracked C++/CUDA source against the project's .clang-format (Debian 12's clang-format 14).
#   scripts/check_format.sh          list the files that are not formatted; exit 1 if any
#   scripts/check_format.sh --fix    format them in place
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format is not installed (apt-get install clang-format)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh' '*.cpp.in')
if [[ "${1:-}" == "--fix" ]]; then
    clang-format -i "${files[@]}"
    exit 0
fi
bad=()
for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]} > 0)); then
    printf 'check_format: %d of %d files are not formatted (scripts/check_format.sh --fix):\n' "${#bad[@]}" "${#files[@]}" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
fi
printf 'check_format: %d files formatted\n' "${#files[@]}"
