"""One training loop for every method: float, ttq, hefan (K=1), hefan2 (residual expansion, K=2), ptq.

Examples (run from the repository root; see models/Makefile for the exact recipes):
  /usr/bin/python3 models/train/train.py --arch resnet20 --method float --epochs 60 --name resnet20-float
  /usr/bin/python3 models/train/train.py --arch resnet20 --method ttq --init models/runs/resnet20-float/checkpoint-final.pt \
      --epochs 30 --lr 0.01 --name resnet20-ttq
Every epoch writes models/runs/<name>/checkpoint.pt (git-ignored); --resume continues from it with the same
schedule. The trained weights are saved as models/runs/<name>/checkpoint-final.pt (git-ignored too) and the log as
models/runs/<name>/log.txt.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import arch as archs  # noqa: E402
import data  # noqa: E402
import methods  # noqa: E402

RUNS = os.path.join(data.MODELS_DIR, "runs")


def lr_at(args, progress):
    """Learning rate at fractional epoch `progress` (pure function of it, so --resume is exact). With
    --time-budget, `progress` is the larger of the epoch fraction and the training-time fraction, scaled to
    epochs, so the schedule anneals fully by the deadline however busy the machine is."""
    if args.schedule == "cosine":
        warm = args.warmup
        if progress < warm:
            return args.lr * (0.1 + 0.9 * progress / warm)
        t = (progress - warm) / max(1e-9, args.epochs - warm)
        return args.lr_min + 0.5 * (args.lr - args.lr_min) * (1 + math.cos(math.pi * min(1.0, t)))
    if args.schedule == "onecycle":
        peak = 0.3 * args.epochs
        if progress < peak:
            return args.lr * (0.1 + 0.9 * progress / peak)
        t = (progress - peak) / max(1e-9, args.epochs - peak)
        return args.lr_min + 0.5 * (args.lr - args.lr_min) * (1 + math.cos(math.pi * min(1.0, t)))
    # step: ×0.1 at 50 % and 75 % of the epochs (the papers' 82/123 of 164)
    return args.lr * (0.1 ** (int(progress >= 0.5 * args.epochs) + int(progress >= 0.75 * args.epochs)))


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    loss = 0.0
    with torch.no_grad():
        for x, y in loader:
            out = model(x)
            loss += F.cross_entropy(out, y, reduction="sum").item()
            correct += (out.argmax(1) == y).sum().item()
            total += len(y)
    return 100.0 * correct / total, loss / total


def recalibrate_bn(model, loader, batches):
    """Re-estimate BN running statistics with the final (quantized) weights: cumulative average over
    `batches` un-augmented training batches."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        for i, (x, _) in enumerate(loader):
            if i >= batches:
                break
            model(x)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1


def build_model(args):
    model = archs.build(args.arch)
    if args.init:
        state = torch.load(args.init, map_location="cpu")
        model.load_state_dict(state["model"] if "model" in state else state)
    methods.attach(model, args.method, args)
    return model


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default="resnet20", choices=sorted(archs.ARCHS))
    p.add_argument("--method", default="float", choices=methods.METHODS)
    p.add_argument("--name", required=True, help="run directory models/runs/<name>")
    p.add_argument("--data", default=None, help="CIFAR-10 root (default $TRIT_CIFAR10 or ../shared/data/cifar10)")
    p.add_argument("--init", default=None, help="float checkpoint-final.pt to fine-tune from")
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--lr-min", type=float, default=0.0)
    p.add_argument("--warmup", type=float, default=1.0, help="cosine: warm-up epochs")
    p.add_argument("--schedule", default="cosine", choices=["cosine", "onecycle", "step"])
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--nesterov", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval-every", type=int, default=5)
    p.add_argument("--bn-recal", type=int, default=0,
                   help="batches for a final BN recalibration (0: keep training statistics; measured better)")
    p.add_argument("--limit-batches", type=int, default=0, help="debug: batches per epoch")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--time-budget", type=float, default=0.0,
                   help="minutes of training (summed over resumes): the schedule runs on max(epoch, time) "
                        "progress and training stops when the budget is spent; --epochs is then a cap")
    p.add_argument("--no-channels-last", action="store_true", help="channels_last is ~20 %% faster on CPU")
    methods.add_arguments(p)
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    run_dir = os.path.join(RUNS, args.name)
    os.makedirs(run_dir, exist_ok=True)
    log_file = open(os.path.join(run_dir, "log.txt"), "a")

    def log(msg):
        line = "%s %s" % (time.strftime("%H:%M:%S"), msg)
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    train_x, train_y = data.load_split("train", args.data)
    test_x, test_y = data.load_split("test", args.data)
    train_loader = data.Loader(train_x, train_y, args.batch, train=True, seed=args.seed)
    test_loader = data.Loader(test_x, test_y, 500, train=False)

    ckpt_path = os.path.join(run_dir, "checkpoint.pt")
    start_epoch = 0
    if args.resume and os.path.isfile(ckpt_path):
        ckpt = torch.load(ckpt_path, map_location="cpu")
        saved = argparse.Namespace(**ckpt["args"])
        for k in ("arch", "method", "epochs", "lr", "schedule", "wd", "batch", "seed"):
            if getattr(saved, k) != getattr(args, k):
                log("warning: --%s differs from the checkpoint (%s vs %s); using the new value"
                    % (k, getattr(saved, k), getattr(args, k)))
        args.init = None  # the checkpoint has the weights
        model = build_model(args)
        model.load_state_dict(ckpt["model"])
        start_epoch = ckpt["epoch"]
        trained_seconds = ckpt.get("trained_seconds", 0.0)
    else:
        model = build_model(args)
        ckpt = None
        trained_seconds = 0.0
    if not args.no_channels_last:
        model = model.to(memory_format=torch.channels_last)
    decay, no_decay = methods.param_groups(model, args)
    optimizer = torch.optim.SGD([{"params": decay, "weight_decay": args.wd},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=args.lr, momentum=args.momentum, nesterov=args.nesterov)
    if ckpt is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
        log("resumed %s at epoch %d" % (ckpt_path, start_epoch))
    else:
        log("start %s" % json.dumps(vars(args)))
    hooks = methods.hooks(model, args)

    steps = len(train_loader) if not args.limit_batches else min(args.limit_batches, len(train_loader))
    budget = args.time_budget * 60.0

    def progress(epoch, i, elapsed):
        p = epoch + i / steps
        if budget > 0:
            p = max(p, args.epochs * (trained_seconds + elapsed) / budget)
        return p

    out_of_time = False
    for epoch in range(start_epoch, args.epochs):
        if out_of_time:
            break
        model.train()
        train_loader.set_epoch(epoch, args.seed)
        hooks.epoch_start(epoch)
        t0 = time.time()
        seen = correct = 0
        loss_sum = 0.0
        for i, (x, y) in enumerate(train_loader):
            if i >= steps:
                break
            if not args.no_channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            prog = progress(epoch, i, time.time() - t0)
            if prog >= args.epochs:
                out_of_time = True
                break
            lr = lr_at(args, prog)
            for g in optimizer.param_groups:
                g["lr"] = lr
            out = model(x)
            loss = F.cross_entropy(out, y) + hooks.extra_loss()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            hooks.before_step()
            optimizer.step()
            hooks.after_step()
            seen += len(y)
            correct += (out.argmax(1) == y).sum().item()
            loss_sum += loss.item() * len(y)
            if sys.stdout.isatty() and (i % 20 == 0 or i == steps - 1):
                el = time.time() - t0
                print("\repoch %d/%d [%-30s] %d/%d loss %.3f acc %.1f%% %.0fs/%.0fs " % (
                    epoch + 1, args.epochs, "=" * int(30 * (i + 1) / steps), i + 1, steps, loss_sum / seen,
                    100.0 * correct / seen, el, el * steps / (i + 1)), end="", flush=True)
        if sys.stdout.isatty():
            print()
        train_time = time.time() - t0
        trained_seconds += train_time
        if not seen:
            break
        msg = "epoch %d/%d lr %.4f train loss %.4f acc %.2f%% time %.1fs" % (
            epoch + 1, args.epochs, lr, loss_sum / seen, 100.0 * correct / seen, train_time)
        if out_of_time:
            msg += " (time budget spent after %d/%d batches)" % (seen // args.batch, steps)
        if budget > 0:
            msg += " [%.1f/%.1f min]" % (trained_seconds / 60, args.time_budget)
        extra = hooks.describe()
        if extra:
            msg += " " + extra
        if (epoch + 1) % args.eval_every == 0 or epoch + 1 == args.epochs or out_of_time:
            acc, tl = evaluate(model, test_loader)
            msg += " | test loss %.4f top1 %.2f%%" % (tl, acc)
        log(msg)
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch + 1,
                    "trained_seconds": trained_seconds, "args": vars(args)}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)

    if args.bn_recal and not args.limit_batches:
        # shuffled, un-augmented (the arrays are sorted by class: an unshuffled subset would see 5 classes)
        recal_loader = data.Loader(train_x, train_y, 250, train=False, shuffle=True, seed=args.seed)
        recalibrate_bn(model, recal_loader, args.bn_recal)
        acc, tl = evaluate(model, test_loader)
        log("after BN recalibration (%d batches): test loss %.4f top1 %.2f%%" % (args.bn_recal, tl, acc))
    elif not args.limit_batches:
        acc, _ = evaluate(model, test_loader)
    else:
        acc = float("nan")
    epochs_done = torch.load(ckpt_path, map_location="cpu")["epoch"] if os.path.isfile(ckpt_path) else 0
    log("trained %d epochs in %.1f min of training time" % (epochs_done, trained_seconds / 60))
    torch.save({"model": model.state_dict(), "arch": args.arch, "method": args.method, "epochs": epochs_done,
                "trained_minutes": trained_seconds / 60,
                "pytorch_top1": acc, "args": vars(args)}, os.path.join(run_dir, "checkpoint-final.pt"))
    log("saved %s" % os.path.join(run_dir, "checkpoint-final.pt"))


if __name__ == "__main__":
    main()
