"""A distillation teacher's logits, computed once for every training image under each of its K fixed
augmentations (data.Loader with variants, train.py --kd-variants K) and reused by every run with the same teacher.

Why: the teacher's forward pass runs at every step otherwise. A float ResNet-56 teaching a ResNet-20 costs about
as much as the student's own forward and backward pass, which doubles the time of every distilled ResNet-20 run
on a CPU. K passes over the training set, once, replace it.

The file: <cache dir>/teacher-<key>.pt (models/.cache/, git-ignored, like the decoded images), fp16 logits
[N·K, classes], row image·K + variant. The key hashes what the logits depend on: the teacher file's bytes, the
training images and labels, K, the seed (which draws the augmentations) and the numeric path (bf16 or fp32).
While it is being computed, <file>.partial holds the variants done so far: a pass cut off continues from there.
"""
import hashlib
import os
import time

import torch

import checkpoint
import data
from errors import TrainError


def cache_key(teacher_path, loader, precision):
    h = hashlib.sha1()
    with open(teacher_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    h.update(loader.images.cpu().numpy().tobytes())
    h.update(loader.labels.cpu().numpy().tobytes())
    h.update(("K %d seed %d precision %s" % (loader.variants, loader.seed, precision)).encode())
    return h.hexdigest()[:16]


def compute(teacher, loader, autocast, batch_size=128, log=None, partial_path=None):
    """The logits of every (image, variant), as fp16 [N·K, classes] on the loader's device.

    With partial_path, the variants done so far are saved there after each one (a ResNet-56 pass over the
    training set takes minutes on a CPU), and a pass that finds the file continues after them."""
    n, k = len(loader.labels), loader.variants
    out, first = None, 0
    if partial_path and os.path.isfile(partial_path):
        try:
            saved = torch.load(partial_path, map_location=loader.images.device)
            if saved["logits"].shape[0] == n * k and 0 < saved["variants_done"] <= k:
                out, first = saved["logits"], saved["variants_done"]
        except Exception:  # an unreadable leftover (cut off mid-write): start the pass again
            out, first = None, 0
        if log:
            log("teacher logits: %s" % ("continuing after variant %d/%d" % (first, k) if out is not None
                                        else "ignoring an unreadable partial file"))
    t0 = time.time()
    with torch.no_grad():
        for v in range(first, k):
            for x, ids in loader.variant_batches(v, batch_size):
                with torch.autocast(**autocast):
                    logits = teacher(x.contiguous(memory_format=torch.channels_last)).float()
                if out is None:
                    out = torch.empty(n * k, logits.shape[1], dtype=torch.float16, device=logits.device)
                out[ids] = logits.half()
            if partial_path and v < k - 1:
                checkpoint.atomic_save({"variants_done": v + 1, "logits": out.cpu()}, partial_path)
            if log:
                log("teacher logits: variant %d/%d done, %.0f s" % (v + 1, k, time.time() - t0))
    return out


def load_or_compute(teacher, teacher_path, loader, autocast, precision, dist, log, cache_dir=None):
    """The cached logits for this teacher, data, K, seed and precision; computed (by rank 0, then read by the
    others) and written atomically when missing."""
    cache_dir = cache_dir or data.default_cache_dir()
    path = os.path.join(cache_dir, "teacher-%s.pt" % cache_key(teacher_path, loader, precision))
    if not os.path.isfile(path) and dist.is_main:
        log("teacher logits: computing %d augmentations of each of %d images once (%s)"
            % (loader.variants, len(loader.labels), path))
        partial = path + ".partial"
        logits = compute(teacher, loader, autocast, log=log, partial_path=partial)
        checkpoint.atomic_save(logits.cpu(), path)
        if os.path.isfile(partial):
            os.remove(partial)
    dist.barrier()
    try:
        logits = torch.load(path, map_location=loader.images.device)
    except Exception as e:  # a truncated or foreign file: say which, never a traceback
        raise TrainError("%s is not a readable teacher cache (%s): delete it to compute it again" % (path, e))
    if not torch.is_tensor(logits) or logits.shape[0] != len(loader.labels) * loader.variants:
        raise TrainError("%s does not hold %d rows of logits: delete it to compute it again"
                         % (path, len(loader.labels) * loader.variants))
    log("teacher logits: %s (%d augmentations per image)" % (path, loader.variants))
    return logits
