"""Checkpoints: the one place that writes and reads them.

Three kinds of file, all torch.save dicts:
  * resume  runs/<name>/checkpoint.pt — everything --resume needs to continue exactly: weights, optimizer
            (momentum), epoch and step within it, the metrics summed so far in that epoch, training seconds, args.
            The data order and augmentation of a step depend only on (seed, epoch, step) (data.EpochPlan), so
            nothing else is random state. Written every --checkpoint-minutes, at each epoch end, on SIGTERM/SIGINT.
  * final   runs/<name>/checkpoint-final.pt — the trained weights and what the exporter needs to know.
  * base    models/bases/<name>.pt — a float base or teacher kept in git: fp16 weights (≤ 2 MB for ResNet-20/56),
            the recipe that made it and its measured accuracy (keep_base.py).
  * stash   runs/<name>/checkpoint.pt.xz — a resume checkpoint compressed to commit an unfinished CPU run, so the
            next session (a fresh work tree) continues it: `stash_run.py NAME`; --resume/--auto-resume unpack it
            when checkpoint.pt is missing.
Writes are atomic (tmp + rename): a kill never leaves half a file where the last good one was.
"""
import argparse
import os

import torch

import arch as archs
import methods
from errors import TrainError

RESUME_FORMAT = "trit-train-resume-1"
BASE_FORMAT = "trit-base-1"


def atomic_save(obj, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    torch.save(obj, tmp)
    os.replace(tmp, path)


def compact(obj):
    """A resume dict made small enough for git: weights and BN statistics in fp16, no momentum buffers (SGD
    refills them from the next gradients). Resuming from it is close, not exact; the run logs that it was."""
    out = dict(obj)
    out["model"] = {k: (v.half() if torch.is_tensor(v) and v.is_floating_point() else v)
                    for k, v in obj["model"].items()}
    out["optimizer"] = {"state": {}, "param_groups": obj["optimizer"]["param_groups"]}
    out["compact"] = True
    return out


def stash(path, small=False):
    """checkpoint.pt → checkpoint.pt.xz (lzma); small: of compact(checkpoint) (a ResNet-56 run: 6.3 MB exact,
    ~1.6 MB small). Returns the new file's path."""
    import io
    import lzma
    if small:
        buf = io.BytesIO()
        torch.save(compact(read(path, "checkpoint to stash")), buf)
        raw = buf.getvalue()
    else:
        with open(path, "rb") as f:
            raw = f.read()
    out = path + ".xz"
    tmp = "%s.tmp.%d" % (out, os.getpid())
    with lzma.open(tmp, "wb", preset=9) as f:
        f.write(raw)
    os.replace(tmp, out)
    return out


def unstash_if_needed(path):
    """Recreate checkpoint.pt from checkpoint.pt.xz when only the stash is there (a fresh checkout)."""
    import lzma
    if os.path.isfile(path) or not os.path.isfile(path + ".xz"):
        return False
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        with lzma.open(path + ".xz", "rb") as f, open(tmp, "wb") as g:
            g.write(f.read())
    except (OSError, lzma.LZMAError) as e:
        raise TrainError("%s.xz is not a readable stash (%s)" % (path, e))
    os.replace(tmp, path)
    return True


def read(path, what="checkpoint"):
    if not os.path.isfile(path):
        raise TrainError("no %s at %s" % (what, path))
    try:
        # weights_only=False: our own files (torch ≥ 2.6 would otherwise refuse the args dict's types)
        obj = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # a truncated or foreign file raises many kinds of errors
        raise TrainError("%s is not a readable %s (%s)" % (path, what, str(e).splitlines()[0] if str(e) else
                                                             type(e).__name__))
    if not isinstance(obj, dict):
        raise TrainError("%s is not a trit training %s" % (path, what))
    return obj


def describe_kind(obj):
    """(arch, method) recorded in any of the three kinds."""
    args = obj.get("args") or {}
    return obj.get("arch", args.get("arch")), obj.get("method", args.get("method"))


def state_dict_of(obj):
    if "state_dict" in obj:   # base: fp16 on disk
        return {k: (v.float() if torch.is_tensor(v) and v.is_floating_point() else v)
                for k, v in obj["state_dict"].items()}
    if "model" in obj:
        return obj["model"]
    raise TrainError("checkpoint has no weights (no 'model' or 'state_dict' entry)")


def load_weights(model, obj, path, expect_arch, expect_method):
    """Load obj's weights into model (strict); a clear error when the file is of another arch or method."""
    got_arch, got_method = describe_kind(obj)
    if got_arch is not None and got_arch != expect_arch:
        raise TrainError("%s is a %s checkpoint, not %s" % (path, got_arch, expect_arch))
    if got_method is not None and got_method != expect_method:
        raise TrainError("%s is a %s %s checkpoint, not %s%s" % (
            path, got_arch, got_method, expect_method,
            " (--init takes a float model, or a run of --method itself)" if expect_method == "float" else ""))
    state = state_dict_of(obj)
    missing, unexpected = _compare_keys(model.state_dict(), state)
    if missing or unexpected:
        raise TrainError("%s does not fit a %s: %s" % (path, expect_arch, _key_summary(missing, unexpected)))
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        raise TrainError("%s does not fit a %s: %s" % (path, expect_arch, lines[-1] if lines else e))


def _compare_keys(expected, got):
    missing = [k for k in expected if k not in got]
    unexpected = [k for k in got if k not in expected]
    return missing, unexpected


def _key_summary(missing, unexpected):
    parts = []
    if missing:
        parts.append("%d weights missing (e.g. %s)" % (len(missing), missing[0]))
    if unexpected:
        parts.append("%d unexpected (e.g. %s)" % (len(unexpected), unexpected[0]))
    return ", ".join(parts)


def build_from(obj, path):
    """A model (arch + method + quantizer options from the file) with the file's weights, on the CPU."""
    arch, method = describe_kind(obj)
    if arch not in archs.ARCHS:
        raise TrainError("%s: unknown arch %r" % (path, arch))
    args = argparse.Namespace(**methods.defaults())
    args.__dict__.update(obj.get("args") or {})
    model = archs.build(arch)
    methods.attach(model, method or "float", args)
    load_weights(model, obj, path, arch, method or "float")
    return model, args


def load_model(path):
    """(model in eval mode, file dict, args) from a resume, final or base file: for --init of the exporter,
    teachers and tools."""
    obj = read(path)
    model, args = build_from(obj, path)
    model.eval()
    return model, obj, args


# ---------------------------------------------------------------------------------------------------------
# resume checkpoints

def save_resume(path, model, optimizer, epoch, step, trained_seconds, metrics, args):
    atomic_save({"format": RESUME_FORMAT, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "epoch": epoch, "step": step, "trained_seconds": trained_seconds, "metrics": metrics,
                 "arch": args.arch, "method": args.method, "args": vars(args)}, path)


def read_resume(path, args):
    """The resume dict, checked against this run's arch and method. Files of the earlier layout (no 'step')
    resume at the start of their next epoch."""
    obj = read(path, "checkpoint to resume")
    if "optimizer" not in obj or "model" not in obj:
        raise TrainError("%s is not a resume checkpoint (no optimizer state): use --init to start from it" % path)
    arch, method = describe_kind(obj)
    if arch != args.arch or method != args.method:
        raise TrainError("%s is a %s %s run, not %s %s" % (path, arch, method, args.arch, args.method))
    obj.setdefault("step", 0)
    obj.setdefault("trained_seconds", 0.0)
    obj.setdefault("metrics", None)
    return obj


# ---------------------------------------------------------------------------------------------------------
# bases kept in git

def save_base(path, model_state, arch, method, args, top1, epochs, recipe, source):
    half = {k: (v.half() if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in model_state.items()}
    atomic_save({"format": BASE_FORMAT, "state_dict": half, "arch": arch, "method": method, "args": args,
                 "pytorch_top1": top1, "epochs": epochs, "recipe": recipe, "source": source}, path)
