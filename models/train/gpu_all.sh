#!/usr/bin/env bash
# Trains the model table in one call: on one GPU in about 9 minutes of wall time, or a few steps of every stage
# anywhere with --smoke (what `make test` runs, on the CPU, so the only unknown left on a GPU is its speed).
#
#   bash models/train/gpu_all.sh OUT [--smoke] [--data PATH] [--minutes M] [--stages LIST] [--bundle DIR]
#                                    [--export] [--export-only] [--unbundle DIR]
#
# OUT             every run's directory (checkpoint-final.pt, checkpoint.pt, log.txt) under OUT/runs/, each
#                 process's output under OUT/logs/, OUT/summary.txt: one line per run.
# --data PATH     CIFAR-10: a pack from pack_data.py or a JPEG folder. Default: .gpu_carry/cifar10-jpeg.npz when
#                 present (made by `make -C models gpu-pack`: the one git-ignored folder to carry to a GPU
#                 machine, 53 MiB), else $TRIT_CIFAR10 or ../shared/data/cifar10.
# --minutes M     wall-clock minutes for the whole table (default 9). Stage budgets are shares of it; every stage
#                 anneals its schedule by its phase's deadline (train.py --deadline: the time left when training
#                 starts, less 20 s for the final evaluation and save, so start-up time is not lost), and a stage
#                 still running at the hard limit gets SIGTERM, which makes train.py save a resumable checkpoint
#                 and stop.
# --stages LIST   which families to train, comma-separated (default r20,r56): r20 = the ResNet-20 table, r56 =
#                 ResNet-56 float + TTQ/He–Fan, r18 = the large model (CIFAR ResNet-18 float, batch 256, and PTQ at
#                 90 % zeros distilled from it: it fits 1 MB gzip only from ~89 %; compute-bound, so it slows the
#                 others: give it a call of its own, e.g. --stages r18 --minutes 9)
# --smoke         a few steps of every stage on a 10-per-class pack (ResNet-18 at the others' batch), one thread
#                 per process: proves the script end to end in about a minute on a 2-core CPU.
# --bundle DIR    afterwards, pack every run's weights and logs into DIR as ≤ 8 parts of ≤ 15 MiB (bundle.py): what
#                 can come back from a GPU machine (copy DIR's files into the device call's $OUT).
# --unbundle DIR  first, unpack such parts into OUT (back here, before --export-only).
# --export        afterwards, export every run with models/export.py to OUT/onnx/ and run `trit eval --limit 100`
#                 on it, one run per core at a time (needs the onnx package and build/native/trit: on this side,
#                 not on the GPU machine).
# --export-only   only that, for an OUT brought back from a GPU machine.
#
# Stages (resumable: re-running the script with the same OUT continues each run from its checkpoint):
#   phase A, in parallel: resnet20-float (the base), resnet56-float (teacher / ResNet-56 base)
#   phase B, in parallel: resnet20-{ttq,hefan,hefan2,tga,ptq} from the ResNet-20 base with knowledge distillation from
#            the more accurate of the two float models; resnet56-{ttq,hefan} from the ResNet-56 base, distilled
#            from it. Small CIFAR nets leave a GPU mostly idle, so parallel processes share it well.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

out="" smoke=0 data="" minutes=9 export=0 export_only=0 stages=r20,r56 bundle="" unbundle=""
while (($#)); do
    case $1 in
        --smoke) smoke=1 ;;
        --data) data=${2:?--data needs a path}; shift ;;
        --minutes) minutes=${2:?--minutes needs a number}; shift ;;
        --stages) stages=${2:?--stages needs a list}; shift ;;
        --bundle) bundle=${2:?--bundle needs a folder}; shift ;;
        --unbundle) unbundle=${2:?--unbundle needs a folder}; shift ;;
        --export) export=1 ;;
        --export-only) export=1 export_only=1 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "gpu_all.sh: error: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) [[ -z $out ]] || { echo "gpu_all.sh: error: one OUT folder only" >&2; exit 2; }; out=$1 ;;
    esac
    shift
done
[[ -n $out ]] || { echo "gpu_all.sh: error: name the output folder: gpu_all.sh OUT [--smoke]" >&2; exit 2; }
for stage in ${stages//,/ }; do
    [[ $stage == r20 || $stage == r56 || $stage == r18 ]] || {
        echo "gpu_all.sh: error: unknown stage $stage in --stages (r20, r56, r18)" >&2; exit 2; }
done
want() { [[ ,$stages, == *,$1,* ]]; }
mkdir -p "$out/runs" "$out/logs" || exit 2
out=$(cd "$out" && pwd)

# the interpreter with torch: Debian's /usr/bin/python3 here, the image's python3 on the GPU machine
py=""
for cand in ${PY:-} /usr/bin/python3 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c "import torch" 2>/dev/null; then py=$cand; break; fi
done
[[ -n $py ]] || { echo "gpu_all.sh: error: no python3 with torch found (set PY=...)" >&2; exit 2; }

if [[ -z $data ]]; then
    if [[ -f $repo/.gpu_carry/cifar10-jpeg.npz ]]; then data=$repo/.gpu_carry/cifar10-jpeg.npz
    else data=${TRIT_CIFAR10:-$(cd "$repo/.." && pwd)/shared/data/cifar10}; fi
fi
[[ -e $data ]] || { echo "gpu_all.sh: error: no CIFAR-10 at $data (--data PATH, or make -C models gpu-pack)" >&2; exit 2; }

# the JPEG folder whose test/ split `--export` evaluates on
if [[ -d $data ]]; then eval_dir=$data/test
else eval_dir=${TRIT_CIFAR10:-$(cd "$repo/.." && pwd)/shared/data/cifar10}/test; fi

export TRIT_DATA_CACHE=${TRIT_DATA_CACHE:-${TMPDIR:-/tmp}/trit-data-cache}
train=("$py" "$repo/models/train/train.py" --runs-dir "$out/runs" --auto-resume --checkpoint-minutes 1)
if ((smoke)); then
    if [[ -d $data ]]; then
        "$py" "$repo/models/train/pack_data.py" --data "$data" --per-class 10 "$out/smoke-pack.npz" || exit 2
        data=$out/smoke-pack.npz
    fi
    train+=(--threads 1 --limit-batches 3 --eval-every 1)
    # ResNet-18 at 2x the batch is most of a smoke run's time: the same batch as the others proves as much
    float_epochs=2 tern_epochs=1 batch=32 batch18=32
    limit_a=300 limit_b=300
else
    float_epochs=160 tern_epochs=60 batch=128 batch18=256
    # shares of the wall clock: 53 % phase A, 44 % phase B, the rest decoding and the summary
    limit_a=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 * 0.53 }')
    limit_b=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 * 0.44 }')
fi
train+=(--data "$data" --batch "$batch")

failed=() deadline=()
declare -A pids=()
start() {  # name, then train.py flags; runs in the background
    local name=$1; shift
    "${train[@]}" --name "$name" "$@" >"$out/logs/$name.out" 2>&1 &
    pids[$name]=$!
}
wait_phase() {  # hard limit in seconds: SIGTERM what still runs (train.py checkpoints and stops), then wait
    local limit=$1 name waited=0
    while ((waited < limit)); do
        local running=0
        for name in "${!pids[@]}"; do kill -0 "${pids[$name]}" 2>/dev/null && running=1; done
        ((running)) || break
        sleep 1; waited=$((waited + 1))
    done
    for name in "${!pids[@]}"; do kill -TERM "${pids[$name]}" 2>/dev/null; done
    for name in "${!pids[@]}"; do
        wait "${pids[$name]}"; local rc=$?
        if ((rc != 0)); then
            failed+=("$name (exit $rc)")
            echo "gpu_all.sh: $name exited with $rc; last lines of $out/logs/$name.out:" >&2
            tail -n 3 "$out/logs/$name.out" >&2
        fi
    done
    pids=()
}
final() { echo "$out/runs/$1/checkpoint-final.pt"; }

if [[ -n $unbundle ]]; then
    "$py" "$repo/models/train/bundle.py" unpack "$unbundle" "$out" || exit 2
fi

if ((!export_only)); then
    t0=$SECONDS
    # decode once, before the parallel stages (each would otherwise decode the same pack)
    "$py" - "$repo/models/train" "$data" <<'EOF' || exit 2
import sys
sys.path.insert(0, sys.argv[1])
import data
from errors import TrainError
try:
    for split in ("train", "test"):
        x, _ = data.load_split(split, sys.argv[2])
        print("gpu_all.sh: %s: %d images" % (split, len(x)), flush=True)
except TrainError as e:
    sys.exit("gpu_all.sh: error: %s" % e)
EOF
    ((smoke)) || deadline=(--deadline $(($(date +%s) + limit_a)))
    echo "gpu_all.sh: phase A (float bases), ${limit_a} s, data $data"
    # r20: the base. r56: the ResNet-56 base, and the teacher of the ResNet-20s when it is the more accurate.
    want r20 && start resnet20-float --arch resnet20 --method float --epochs "$float_epochs" --lr 0.1 \
        --wd 5e-4 --schedule cosine --warmup 1 "${deadline[@]}"
    want r56 && start resnet56-float --arch resnet56 --method float --epochs "$float_epochs" --lr 0.1 --wd 5e-4 \
        --schedule cosine --warmup 1 "${deadline[@]}"
    want r18 && start resnet18-float --arch resnet18 --method float --epochs "$float_epochs" --batch "$batch18" \
        --lr 0.2 --wd 5e-4 --schedule cosine --warmup 1 "${deadline[@]}"
    wait_phase "$limit_a"

    base20=$(final resnet20-float) base56=$(final resnet56-float)
    [[ -f $base20 ]] || base20=$out/runs/resnet20-float/checkpoint.pt
    [[ -f $base56 ]] || base56=$out/runs/resnet56-float/checkpoint.pt
    # the ResNet-20s learn from the more accurate float model (top-1 recorded in checkpoint-final.pt)
    teacher20=$("$py" - "$repo/models/train" "$base20" "$base56" <<'EOF'
import sys, math, os
sys.path.insert(0, sys.argv[1])
import checkpoint
best, best_acc = sys.argv[2], -1.0
for path in sys.argv[2:]:
    if os.path.isfile(path):
        acc = checkpoint.read(path).get("pytorch_top1")
        if acc is not None and not math.isnan(acc) and acc > best_acc:
            best, best_acc = path, acc
print(best)
EOF
    )
    ((smoke)) || deadline=(--deadline $(($(date +%s) + limit_b)))
    echo "gpu_all.sh: phase B (ternary), ${limit_b} s; ResNet-20 teacher $teacher20"
    if want r20 && [[ -f $base20 ]]; then
        kd20=(--init "$base20" --teacher "$teacher20" --kd-alpha 0.5 --kd-temp 4 --epochs "$tern_epochs"
              --schedule cosine --warmup 0.5 "${deadline[@]}")
        start resnet20-ttq --arch resnet20 --method ttq --lr 0.02 --wd 2e-4 "${kd20[@]}"
        start resnet20-hefan --arch resnet20 --method hefan --lr 0.02 --wd 3e-4 --nesterov "${kd20[@]}"
        start resnet20-hefan2 --arch resnet20 --method hefan2 --lr 0.02 --wd 3e-4 --nesterov "${kd20[@]}"
        start resnet20-tga --arch resnet20 --method tga --lr 0.02 --wd 3e-4 --nesterov "${kd20[@]}"
        start resnet20-ptq --arch resnet20 --method ptq --ptq-sparsity 0.6 --lr 0.02 --wd 1e-4 "${kd20[@]}"
    elif want r20; then
        failed+=("resnet20 ternary stages (no resnet20-float checkpoint)")
    fi
    if want r56 && [[ -f $base56 ]]; then
        kd56=(--init "$base56" --teacher "$base56" --kd-alpha 0.5 --kd-temp 4 --epochs "$tern_epochs"
              --schedule cosine --warmup 0.5 "${deadline[@]}")
        start resnet56-ttq --arch resnet56 --method ttq --lr 0.02 --wd 2e-4 "${kd56[@]}"
        start resnet56-hefan --arch resnet56 --method hefan --lr 0.02 --wd 3e-4 --nesterov "${kd56[@]}"
    elif want r56; then
        failed+=("resnet56 ternary stages (no resnet56-float checkpoint)")
    fi
    base18=$(final resnet18-float)
    [[ -f $base18 ]] || base18=$out/runs/resnet18-float/checkpoint.pt
    if want r18 && [[ -f $base18 ]]; then
        start resnet18-ptq --arch resnet18 --method ptq --ptq-sparsity 0.9 --init "$base18" --teacher "$base18" \
            --kd-alpha 0.5 --kd-temp 4 --epochs "$tern_epochs" --batch "$batch18" --lr 0.04 --wd 1e-4 \
            --schedule cosine --warmup 0.5 "${deadline[@]}"
    elif want r18; then
        failed+=("resnet18 PTQ stage (no resnet18-float checkpoint)")
    fi
    wait_phase "$limit_b"
    echo "gpu_all.sh: training took $((SECONDS - t0)) s"
fi

# one line per run: epochs, minutes, PyTorch top-1
"$py" - "$repo/models/train" "$out/runs" >"$out/summary.txt" <<'EOF'
import os, sys
sys.path.insert(0, sys.argv[1])
import checkpoint
root = sys.argv[2]
for name in sorted(os.listdir(root)):
    final = os.path.join(root, name, "checkpoint-final.pt")
    if os.path.isfile(final):
        c = checkpoint.read(final)
        print("%-18s %-7s epochs %3s  %6.1f min  PyTorch top-1 %s" % (name, c["method"], c["epochs"],
              c["trained_minutes"], "%.2f %%" % c["pytorch_top1"] if c["pytorch_top1"] == c["pytorch_top1"] else "-"))
    else:
        print("%-18s unfinished (checkpoint.pt only: re-run to continue)" % name)
EOF
cat "$out/summary.txt"

if [[ -n $bundle ]] && ((!export_only)); then
    "$py" "$repo/models/train/bundle.py" pack "$out" "$bundle" || failed+=("bundle")
fi

if ((export)); then
    mkdir -p "$out/onnx"
    trit=$repo/build/native/trit
    [[ -x $trit ]] || { echo "gpu_all.sh: error: --export needs $trit (make native)" >&2; exit 2; }
    test_dir=$eval_dir
    export_one() {  # run name, checkpoint: export, then trit eval --limit 100; prints one line
        local name=$1 ckpt=$2
        if ! "$py" "$repo/models/export.py" "$ckpt" -o "$out/onnx/$name.onnx" --name "$name" \
                >"$out/logs/$name.export" 2>&1; then
            echo "export $name failed:"; tail -n 3 "$out/logs/$name.export"; return 1
        fi
        if [[ -d $test_dir ]]; then
            if ! "$trit" eval "$out/onnx/$name.onnx" "$test_dir" --limit 100 >"$out/logs/$name.eval" 2>&1; then
                echo "trit eval $name failed:"; tail -n 3 "$out/logs/$name.eval"; return 1
            fi
            echo "exported $out/onnx/$name.onnx: trit eval --limit 100 $(grep "^top-1" "$out/logs/$name.eval")"
        else
            echo "exported $out/onnx/$name.onnx (no test JPEGs at $test_dir: trit eval skipped)"
        fi
    }
    # one export per core at a time (each is a single-threaded Python process, then trit eval)
    cores=$(nproc 2>/dev/null || echo 2) names=()
    for run in "$out"/runs/*/; do
        name=$(basename "$run")
        ckpt=$run/checkpoint-final.pt
        [[ -f $ckpt ]] || ckpt=$run/checkpoint.pt
        [[ -f $ckpt ]] || continue
        while (($(jobs -rp | wc -l) >= cores)); do wait -n; done
        { export_one "$name" "$ckpt" >"$out/logs/$name.exported" 2>&1; echo $? >"$out/logs/$name.exported-status"; } &
        names+=("$name")
    done
    wait
    for name in "${names[@]}"; do
        if [[ $(cat "$out/logs/$name.exported-status") == 0 ]]; then cat "$out/logs/$name.exported"
        else cat "$out/logs/$name.exported" >&2; failed+=("export/eval $name"); fi
    done
fi

if ((${#failed[@]})); then
    printf 'gpu_all.sh: failed: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "gpu_all.sh: done, everything in $out"
