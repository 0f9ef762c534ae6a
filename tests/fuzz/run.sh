#!/bin/bash
# Builds the libFuzzer targets in build-fuzz/ (clang) and runs each one for
# a while on a temporary copy of its committed corpus.
#
#     tests/fuzz/run.sh [--merge] [--jobs N] [SECONDS] [TARGET...]
#
#   SECONDS   per target (default 60)
#   TARGET    body, query, ip, config, nlreply, http, yaml (default: all)
#   --merge   afterwards, merge new inputs that add coverage back into
#             tests/fuzz/corpus/TARGET (libFuzzer -merge=1); without it the
#             committed corpus is left alone
#   --jobs N  how many fuzzers run at once (default 2)
#
# Environment: NICE (default 10), FUZZ_ARGS (extra libFuzzer flags),
# BUILD_DIR (default build-fuzz), KEEP=1 to keep the work directory.
#
# Exits non-zero if any fuzzer crashed, leaked, timed out or failed; the
# input that did it is printed (and kept in the work directory).  Replay it
# with build-fuzz/tests/fuzz/fuzz-TARGET FILE, or shrink it with
# -minimize_crash=1 -runs=10000 FILE.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
fuzzdir=$src/tests/fuzz
build=${BUILD_DIR:-$src/build-fuzz}
nice_level=${NICE:-10}
seconds=60
merge=0
jobs=2
targets=()

while [ $# -gt 0 ]; do
    case $1 in
        --merge) merge=1 ;;
        --jobs) jobs=$2; shift ;;
        --jobs=*) jobs=${1#--jobs=} ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        [0-9]*) seconds=$1 ;;
        body|query|ip|config|nlreply|http|yaml) targets+=("$1") ;;
        *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
    shift
done
[ ${#targets[@]} -gt 0 ] || targets=(body query ip config nlreply http yaml)

if [ ! -d "$build" ]; then
    CC=clang meson setup "$build" "$src" --werror -Db_lundef=false || exit 1
fi
# Only the fuzzers: the rest of the tree is the other builds' job.
ninja_targets=()
for t in "${targets[@]}"; do
    ninja_targets+=("tests/fuzz/fuzz-$t")
done
nice -n "$nice_level" ninja -C "$build" "${ninja_targets[@]}" || exit 1

work=$(mktemp -d /tmp/neutrino-fuzz.XXXXXX)
echo "run.sh: work directory $work"

run_one() {
    local t=$1 dir=$work/$1 dict=()
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp "$fuzzdir/corpus/$t/." "$dir/corpus/" -r
    [ -f "$fuzzdir/$t.dict" ] && dict=(-dict="$fuzzdir/$t.dict")
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags.
    nice -n "$nice_level" "$build/tests/fuzz/fuzz-$t" \
        -max_total_time="$seconds" -max_len=4096 -timeout=10 \
        -print_final_stats=1 "${dict[@]}" \
        -artifact_prefix="$dir/artifacts/" ${FUZZ_ARGS:-} \
        "$dir/corpus" >"$dir/log" 2>&1
    echo $? >"$dir/rc"
}

# Up to 'jobs' fuzzers at a time.
running=0
for t in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    echo "run.sh: fuzzing $t for ${seconds}s"
    run_one "$t" &
    running=$((running + 1))
done
wait

status=0
for t in "${targets[@]}"; do
    dir=$work/$t
    rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$dir/log" | tail -1)
    found=$(find "$dir/artifacts" -type f | sort)
    if [ "$rc" != 0 ] || [ -n "$found" ]; then
        status=1
        echo "run.sh: $t FAILED (exit $rc, ${execs:-?} execs); log: $dir/log"
        grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|invariant violated' "$dir/log"
        for f in $found; do
            echo "run.sh: $t: crash input: $f"
        done
    else
        echo "run.sh: $t ok: ${execs:-?} execs, $cov, corpus $(find "$dir/corpus" -type f | wc -l) files"
    fi
    if [ "$merge" = 1 ] && [ "$rc" = 0 ]; then
        before=$(find "$fuzzdir/corpus/$t" -type f | wc -l)
        nice -n "$nice_level" "$build/tests/fuzz/fuzz-$t" -merge=1 \
            -max_len=4096 "$fuzzdir/corpus/$t" "$dir/corpus" \
            >"$dir/merge.log" 2>&1 || status=1
        after=$(find "$fuzzdir/corpus/$t" -type f | wc -l)
        echo "run.sh: $t: merged $((after - before)) new inputs into tests/fuzz/corpus/$t"
    fi
done

if [ "$status" = 0 ] && [ "${KEEP:-0}" != 1 ]; then
    rm -rf "$work"
else
    echo "run.sh: kept $work"
fi
exit $status
