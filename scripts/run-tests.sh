#!/usr/bin/env bash
# Runs each test suite (a make target) in turn, keeps going after a failure, prints one summary
# line per suite (wall seconds, and CPU seconds: user + system of everything the suite ran) and a
# final "N passed, M failed" line; exits non-zero if any suite failed.
# Each suite's make gets -j$(nproc) (TEST_JOBS=N to change it): the builds a suite needs, and
# independent steps within a suite, use every core.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
passed=0; failed=0; summary=()
times_file=$(mktemp); trap 'rm -f "$times_file"' EXIT
total_start=$SECONDS; total_cpu=0
for target in "$@"; do
    echo
    echo "==================== $target ===================="
    start=$SECONDS
    # `time` writes to the group's stderr (the file); make's own stderr goes to fd 3, the terminal.
    TIMEFORMAT='%U %S'
    { time make --no-print-directory -j"$jobs" "$target" 2>&3; } 3>&2 2>"$times_file"
    status=$?
    cpu=$(awk '{ printf "%d", $1 + $2 + 0.5 }' "$times_file")
    total_cpu=$((total_cpu + cpu))
    line="$target ($((SECONDS - start)) s, CPU $cpu s)"
    if ((status == 0)); then passed=$((passed + 1)); summary+=("  ok    $line")
    else failed=$((failed + 1)); summary+=("  FAIL  $line"); fi
    echo "${summary[-1]}"
done
echo
echo "==================== summary ===================="
printf '%s\n' "${summary[@]}"
echo "suites: $passed passed, $failed failed ($((SECONDS - total_start)) s, CPU $total_cpu s)"
((failed == 0))
