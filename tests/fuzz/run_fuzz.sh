#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time from the seeds plus a persistent corpus directory.
#   run_fuzz.sh TARGET SECONDS CORPUS_DIR
# Prints one summary line: executions, seconds, executions/s, corpus size, result. Crash inputs go
# to build/fuzz/artifacts/TARGET/ (copy them to tests/fuzz/regressions/TARGET/ under a name that
# says what they break). Exit status: 0 clean, 1 libFuzzer found something.
set -uo pipefail
cd "$(dirname "$0")/../.."
target=$1 seconds=$2 corpus=$3
fuzz_dir=build/fuzz
binary=$fuzz_dir/fuzz_$target
artifacts=$fuzz_dir/artifacts/$target/
log=$fuzz_dir/logs/$target-$(date -u +%Y%m%dT%H%M%S).log
mkdir -p "$corpus" "$artifacts" "$fuzz_dir/logs"
start=$(date +%s.%N)
# The model target mutates files up to 32 KiB: the seeds' small models carry every structure the
# loader knows (ternary pattern included); mutants of the 88 KB ResNet-20 each cost a full ResNet
# run under ASan (~200 executions/s instead of thousands). The ResNet seeds still run once each.
extra=()
[[ $target == model ]] && extra=(-max_len=32768)
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${extra[@]}" \
  -artifact_prefix="$artifacts" "$corpus" "$fuzz_dir/seeds/$target" > "$log" 2>&1
rc=$?
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
per_second=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
corpus_files=$(find "$corpus" -type f | wc -l)
if ((rc == 0)); then result=clean; else result="FAILED (exit $rc): $(grep -m1 -E 'ERROR: |runtime error|SUMMARY' "$log")"; fi
printf 'fuzz %-6s %10s executions in %6.1f s (%s/s), corpus %s files: %s  [log %s]\n' \
  "$target" "${execs:-?}" "$elapsed" "${per_second:-?}" "$corpus_files" "$result" "$log"
if ((rc != 0)); then tail -60 "$log"; exit 1; fi
