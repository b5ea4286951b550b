#!/usr/bin/env bash
# The kill test of issue 15 (defect 9) for a whole command, e.g. `moetwin serve`: every file the command
# writes (outputs, plots, the step-model and drift caches) goes through the atomic writer, so a SIGKILL at any
# moment leaves each output whole (the previous run's or the new one) and no temporary that the next run does
# not remove.
#   scripts/kill_test.sh [-n N] [--bin PATH] -- SUBCOMMAND ARGS...   (ARGS without --out / --step-model-cache)
# It runs the command once to completion into a reference folder, then N times into one output folder and one
# cache folder (the cache emptied before every 5th try, so kills also land in the cache's writes), each killed
# (kill -9 of moetwin; its gnuplot children are left to finish, as after a real crash) at a random moment
# within 1.2 × the reference's wall time (with an empty cache or a full one, as the try's cache). After each
# kill it counts
#   temporaries: the atomic writer's ".<name>.tmp.<pid>[.<hex>]", "*.png.tmp", "drift_tmp_*" work folders and
#                the output folder's write probe, in the output and cache folders;
#   partial:     output files that differ from the reference's (the outputs are byte-identical run to run; the
#                plot scripts up to the folder they name).
# A last complete run must leave 0 of both. Exit 1 when it does not, or when a kill left a partial output.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=50
bin=build/bin/moetwin
while [ $# -gt 0 ]; do
    case $1 in
    -n) n=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [-n N] [--bin PATH] -- SUBCOMMAND ARGS..." >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: $0 [-n N] [--bin PATH] -- SUBCOMMAND ARGS..." >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ref=$work/ref out=$work/out cache=$work/cache
cache_arg=()
[ "$1" = serve ] && cache_arg=(--step-model-cache "$cache")

temporaries() {
    find "$out" "$cache" \( -name '.*.tmp.*' -o -name '*.png.tmp' -o -name 'drift_tmp_*' -o -name '.moetwin-write-probe*' \) \
        -prune -print 2>/dev/null
}
# Output files (not the cache) that are not byte-identical to the reference's.
partial() {
    local f count=0
    [ -d "$out" ] || { echo 0; return; }
    while IFS= read -r f; do
        case $f in
        *.gp) cmp -s "$out/$f" <(sed "s|$ref|$out|g" "$ref/$f") || count=$((count + 1)) ;; # scripts name their folder
        *) cmp -s "$out/$f" "$ref/$f" || count=$((count + 1)) ;;
        esac
    done < <(cd "$out" && find . -type f ! -name '.*' -print 2>/dev/null)
    echo $count
}

# Wall seconds of one complete run into $1.
timed_run() {
    local dir=$1 t0
    shift
    t0=$(date +%s.%N)
    "$bin" "$@" --out "$dir" ${cache_arg[@]+"${cache_arg[@]}"} >"$work/ref.log" 2>&1 || { cat "$work/ref.log" >&2; return 1; }
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'
}
cold_s=$(timed_run "$ref" "$@") || exit 1 # builds the caches
warm_s=$(timed_run "$ref" "$@") || exit 1 # reads them
rm -rf "$cache"
echo "kill_test: reference runs: $cold_s s with an empty cache, $warm_s s with it; kills within 1.2 × that"

tmp_total=0 partial_total=0 finished=0 worst_tmp=0
for ((k = 1; k <= n; k++)); do
    t=$warm_s
    if [ $((k % 5)) -eq 1 ]; then
        rm -rf "$cache"
        t=$cold_s
    fi
    delay=$(awk -v t="$t" -v r="$RANDOM" 'BEGIN { printf "%.3f", 1.2 * t * r / 32767 }')
    setsid "$bin" "$@" --out "$out" ${cache_arg[@]+"${cache_arg[@]}"} >"$work/run.log" 2>&1 &
    pid=$!
    sleep "$delay"
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
    else
        finished=$((finished + 1))
    fi
    wait "$pid" 2>/dev/null || true
    # Children of the killed run (gnuplot, step-grid workers) finish or die on their closed pipe.
    for _ in $(seq 100); do
        [ -z "$(ps -o pid= -g "$pid" 2>/dev/null)" ] && break
        sleep 0.1
    done
    found=$(temporaries) p=$(partial)
    t=$(printf '%s' "$found" | grep -c . || true)
    tmp_total=$((tmp_total + t)) partial_total=$((partial_total + p))
    [ "$t" -gt "$worst_tmp" ] && worst_tmp=$t
    echo "kill_test: try $k: killed at ${delay} s: $t temporaries, $p partial outputs" \
        "$(printf '%s\n' "$found" | sed 's|.*/||' | tr '\n' ' ')"
done
"$bin" "$@" --out "$out" ${cache_arg[@]+"${cache_arg[@]}"} >"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
t_after=$(temporaries | grep -c . || true) p_after=$(partial)
echo "kill_test: $n kills ($finished finished before their kill): $tmp_total temporaries found after the kills" \
    "(at most $worst_tmp at once), $partial_total partial outputs; after a complete rerun: $t_after temporaries," \
    "$p_after partial outputs"
[ "$t_after" -eq 0 ] && [ "$p_after" -eq 0 ] && [ "$partial_total" -eq 0 ]
