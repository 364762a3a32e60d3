#!/usr/bin/env bash
# scripts/cached-eval.sh TRIT MODEL DATA_DIR [more `trit eval` arguments]
#
# Prints what `TRIT eval MODEL DATA_DIR ARGS...` prints on stdout (its progress goes to stderr), and keeps
# that output in build/eval-cache/ under a key made of the sha256 of the binary and of the model, the
# arguments, and the data folder's listing (path, size, mtime of every file). The next call with the same
# key prints the kept output instead of evaluating again.
#
# Why: two suites of `make test` need the same native evaluation of the shipped models on the same images:
# tests/js/cifar.test.mjs (the SDK's counts equal trit eval's) and tests/models/test_shipped.py (trit eval
# reproduces the trit.top1 a model claims). With this, the first suite to get there runs `trit eval`
# (~60 CPU-s for the 10,000 + 4 x 1,000 images), the other reuses its output. A changed binary, model or
# image gives another key, so a stale result is never used. TRIT_EVAL_CACHE=0 always evaluates.
set -euo pipefail
(($# >= 3)) || { echo "usage: $0 TRIT MODEL DATA_DIR [ARGS...]" >&2; exit 2; }
trit=$1 model=$2 data=$3
shift 3
[[ -x $trit ]] || { echo "cached-eval.sh: $trit is not an executable" >&2; exit 2; }
[[ ${TRIT_EVAL_CACHE:-1} == 0 ]] && exec "$trit" eval "$model" "$data" "$@"

cache=${TRIT_EVAL_CACHE_DIR:-$(cd "$(dirname "$0")/.." && pwd)/build/eval-cache}
key=$({
    sha256sum <"$trit"
    sha256sum <"$model"
    printf '%s\n' "$@"
    (cd "$data" && find . -type f -printf '%P %s %T@\n' | LC_ALL=C sort)
} | sha256sum | cut -c1-32)
kept=$cache/$key.out
if [[ -s $kept ]]; then
    echo "cached-eval.sh: trit eval $(basename "$model") $*: output of an earlier identical run ($kept)" >&2
    cat "$kept"
    exit 0
fi
mkdir -p "$cache"
tmp=$(mktemp "$cache/.tmp.XXXXXX")
trap 'rm -f "$tmp"' EXIT
"$trit" eval "$model" "$data" "$@" >"$tmp"
mv "$tmp" "$kept"
cat "$kept"
