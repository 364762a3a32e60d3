#!/usr/bin/env bash
# Runs each test suite (a make target) in turn, keeps going after a failure, prints one summary
# line per suite and a final "N passed, M failed" line; exits non-zero if any suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0; summary=()
for target in "$@"; do
    echo
    echo "==================== $target ===================="
    start=$SECONDS
    if make --no-print-directory "$target"; then
        passed=$((passed + 1)); summary+=("  ok    $target ($((SECONDS - start)) s)")
    else
        failed=$((failed + 1)); summary+=("  FAIL  $target ($((SECONDS - start)) s)")
    fi
done
echo
echo "==================== summary ===================="
printf '%s\n' "${summary[@]}"
echo "suites: $passed passed, $failed failed"
((failed == 0))
