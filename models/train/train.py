"""One training loop for every method (float, ttq, hefan, hefan2, tga, ptq), on one CPU, one GPU or many via torchrun.

Examples (from the repository root; models/Makefile has the exact recipes):
  /usr/bin/python3 models/train/train.py --arch resnet20 --method float --epochs 160 --name resnet20-float
  /usr/bin/python3 models/train/train.py --arch resnet20 --method ttq --init models/bases/resnet20-float.pt \\
      --epochs 30 --lr 0.01 --name resnet20-ttq --teacher models/bases/resnet56-float.pt --kd-alpha 0.5
  python3 -m torch.distributed.run --nproc_per_node=8 models/train/train.py ...   (DDP: the same flags)

Speed: the run picks its device, threads, memory format and precision (runtime.py) and prints one line saying
which and why; --device/--threads/--precision override. The decoded CIFAR-10 lives on the training device and is
augmented there in batches (data.py).

Nothing lost: models/runs/<name>/checkpoint.pt is rewritten every --checkpoint-minutes, at every epoch end and on
SIGTERM/SIGINT; --resume continues exactly (same weights as a run that was never stopped: the data order and the
augmentation of each step depend only on seed, epoch and step). checkpoint-final.pt holds the result; keep a
float base or teacher in git with keep_base.py. Under torchrun, rank 0 alone writes logs and checkpoints, and
--batch is the global batch: N ranks see the same samples as one process.

Errors in what you pass (paths, data, checkpoints) print one line `train.py: error: ...` and exit 2, having
written nothing.
"""
import argparse
import json
import math
import os
import signal
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import arch as archs  # noqa: E402
import checkpoint  # noqa: E402
import data  # noqa: E402
import distributed  # noqa: E402
import methods  # noqa: E402
import runtime  # noqa: E402
import teacher_cache  # noqa: E402
from errors import TrainError  # noqa: E402

RUNS = os.path.join(data.MODELS_DIR, "runs")
# test hook (tests/models/test_train.py): SIGKILL this process right after global step N, as a machine that
# vanishes would, to prove that --resume continues exactly
KILL_AFTER_STEP = int(os.environ.get("TRIT_TRAIN_KILL_AFTER_STEP", "0"))


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
    """fp32 top-1 and mean loss over the loader."""
    model.eval()
    correct = total = 0
    loss = 0.0
    with torch.no_grad():
        for x, y in loader:
            out = model(x).float()
            loss += F.cross_entropy(out, y, reduction="sum").item()
            correct += (out.argmax(1) == y).sum().item()
            total += len(y)
    return 100.0 * correct / max(1, total), loss / max(1, total)


def recalibrate_bn(model, loader, batches):
    """Re-estimate BN running statistics with the final (quantized) weights: cumulative average over
    `batches` un-augmented training batches."""
    with archs.recalibrating_bn(model):
        for i, (x, _) in enumerate(loader):
            if i >= batches:
                break
            model(x)


def build_model(args):
    model = archs.build(args.arch)
    if not args.init:
        methods.attach(model, args.method, args)
        return model
    obj = checkpoint.read(args.init, "--init model")
    _, init_method = checkpoint.describe_kind(obj)
    if args.method != "float" and init_method == args.method:
        # a second cycle (warm restart) from a finished run of the same method: its latent weights and the
        # quantizer's own parameters (TTQ's Wp/Wn, TGA's thresholds) as they were
        methods.attach(model, args.method, args)
        checkpoint.load_weights(model, obj, args.init, args.arch, args.method)
    else:
        checkpoint.load_weights(model, obj, args.init, args.arch, "float")
        methods.attach(model, args.method, args)
    return model


def distillation_loss(student, teacher, temperature):
    """Hinton et al.: T² · KL(softmax(teacher/T) ‖ softmax(student/T)), mean over the batch."""
    t = temperature
    return F.kl_div(F.log_softmax(student / t, dim=1), F.softmax(teacher / t, dim=1),
                    reduction="batchmean") * (t * t)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default="resnet20", choices=sorted(archs.ARCHS))
    p.add_argument("--method", default="float", choices=methods.METHODS)
    p.add_argument("--name", required=True, help="run directory <runs-dir>/<name>")
    p.add_argument("--runs-dir", default=RUNS, help="where run directories go (default models/runs)")
    p.add_argument("--data", default=None, help="CIFAR-10: a folder or a pack_data.py .npz "
                                                  "(default $TRIT_CIFAR10 or ../shared/data/cifar10)")
    p.add_argument("--init", default=None, help="model to fine-tune from: a float base, final or resume file; or a finished run of "
                   "--method itself, for a second cycle (warm restart) from its weights")
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--batch", type=int, default=128, help="global batch (split among torchrun ranks)")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--lr-min", type=float, default=0.0)
    p.add_argument("--warmup", type=float, default=1.0, help="cosine: warm-up epochs")
    p.add_argument("--schedule", default="cosine", choices=["cosine", "onecycle", "step"])
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--nesterov", action="store_true")
    p.add_argument("--cutout", type=int, default=0, help="cutout square side in pixels (0: off; 16 is usual)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", choices=["cpu", "cuda"], default=None, help="default: cuda when present")
    p.add_argument("--threads", type=int, default=None, help="default: all usable cores / local ranks")
    p.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
                   help="auto: bf16 autocast on CUDA and on CPUs with AMX/AVX512-BF16, else fp32")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (torch 2.x; off: unmeasured)")
    p.add_argument("--teacher", default=None, help="knowledge distillation from this model (any kind of file)")
    p.add_argument("--kd-alpha", type=float, default=0.5, help="weight of the distillation term")
    p.add_argument("--kd-temp", type=float, default=4.0, help="distillation temperature")
    p.add_argument("--kd-variants", type=int, default=0, metavar="K",
                   help="with --teacher: each training image gets one of K fixed augmentations (crop, flip; drawn "
                        "from --seed), and the teacher's logits for all of them are computed once and cached "
                        "(teacher_cache.py), so a distilled step costs what an undistilled one does. 0: the "
                        "teacher runs at every step on the usual fresh augmentations")
    p.add_argument("--sync-bn", action="store_true", help="torchrun: batch-norm statistics over all ranks")
    p.add_argument("--eval-every", type=int, default=5)
    p.add_argument("--bn-recal", type=int, default=0,
                   help="batches for a final BN recalibration (0: keep training statistics; measured better)")
    p.add_argument("--limit-batches", type=int, default=0, help="debug: batches per epoch")
    p.add_argument("--limit-images", type=int, default=0, help="debug: use the first N training images "
                                                                "(class-balanced: every k-th)")
    p.add_argument("--checkpoint-minutes", type=float, default=5.0, help="resume checkpoint at least this often")
    p.add_argument("--checkpoint-steps", type=int, default=0, help="also every N steps (0: off)")
    resume = p.add_mutually_exclusive_group()
    resume.add_argument("--resume", action="store_true", help="continue runs/<name>/checkpoint.pt (must exist)")
    resume.add_argument("--auto-resume", action="store_true", help="continue it if it exists, else start")
    resume.add_argument("--overwrite", action="store_true", help="start again over an existing run's checkpoints")
    p.add_argument("--time-budget", type=float, default=0.0,
                   help="minutes of training (summed over resumes): the schedule runs on max(epoch, time) "
                        "progress and training stops when the budget is spent; --epochs is then a cap")
    p.add_argument("--deadline", type=float, default=0.0,
                   help="wall-clock end (Unix seconds): like --time-budget, with the budget set when training "
                        "starts to what is left before the deadline, less --deadline-reserve (start-up time, "
                        "however long, is not lost; gpu_all.sh uses it)")
    p.add_argument("--deadline-reserve", type=float, default=20.0,
                   help="seconds kept before --deadline for the final evaluation and save")
    p.add_argument("--save-rank-params", action="store_true",
                   help="every rank writes its final parameters to <run>/params-rank<r>.pt (DDP check)")
    methods.add_arguments(p)
    args = p.parse_args(argv)
    if args.batch < 1 or args.epochs < 1:
        p.error("--batch and --epochs must be positive")
    if not 0.0 <= args.kd_alpha <= 1.0:
        p.error("--kd-alpha must be in [0, 1]")
    if args.kd_variants < 0 or (args.kd_variants and not args.teacher):
        p.error("--kd-variants needs --teacher and K >= 1")
    if args.kd_variants and args.cutout:
        p.error("--kd-variants does not combine with --cutout (the cached augmentations have none)")
    return args


class Run:
    """One training run: everything main() sets up, and the loop."""

    def __init__(self, args, dist):
        self.args = args
        self.dist = dist
        self.run_dir = os.path.join(args.runs_dir, args.name)
        self.ckpt_path = os.path.join(self.run_dir, "checkpoint.pt")
        self.final_path = os.path.join(self.run_dir, "checkpoint-final.pt")
        self.log_file = None
        self.stop_signal = None
        self.final_eval = None  # top-1 of the weights as they are after the last epoch, when it was measured

    def log(self, msg):
        if not self.dist.is_main:
            return
        line = "%s %s" % (time.strftime("%H:%M:%S"), msg)
        print(line, flush=True)
        if self.log_file is None:
            os.makedirs(self.run_dir, exist_ok=True)
            self.log_file = open(os.path.join(self.run_dir, "log.txt"), "a")
        self.log_file.write(line + "\n")
        self.log_file.flush()

    # -- set-up: everything that can fail on the user's input happens here, before anything is written --
    def check_run_dir(self):
        a = self.args
        if (a.resume or a.auto_resume) and self.dist.is_main and checkpoint.unstash_if_needed(self.ckpt_path):
            print("unpacked %s.xz (a stashed run)" % self.ckpt_path, flush=True)
        self.dist.barrier()
        exists = os.path.isfile(self.ckpt_path) or os.path.isfile(self.final_path)
        if a.resume and not os.path.isfile(self.ckpt_path):
            raise TrainError("--resume: no checkpoint at %s (start without --resume, or use --auto-resume)"
                             % self.ckpt_path)
        if exists and not (a.resume or a.auto_resume or a.overwrite):
            raise TrainError("%s already holds a run: --resume to continue it, --overwrite to start again, or "
                             "another --name" % self.run_dir)
        return os.path.isfile(self.ckpt_path) and (a.resume or a.auto_resume)

    def setup(self):
        a = self.args
        resuming = self.check_run_dir()
        self.rt = runtime.detect(a.device, a.precision, a.threads, self.dist.local_world_size)
        self.kept_memory = runtime.keep_freed_memory()  # 3-4x faster evaluation and teacher passes (runtime.py)
        torch.set_num_threads(self.rt.threads)
        if self.rt.device == "cuda":
            self.device = torch.device("cuda", self.dist.local_rank)
            torch.cuda.set_device(self.device)
            torch.backends.cudnn.benchmark = True
        else:
            self.device = torch.device("cpu")
        self.autocast = dict(device_type=self.rt.device, dtype=torch.bfloat16, enabled=self.rt.precision == "bf16")
        torch.manual_seed(a.seed)

        train_x, train_y = data.load_split("train", a.data)
        test_x, test_y = data.load_split("test", a.data)
        if a.limit_images:
            keep = slice(None, None, max(1, len(train_y) // a.limit_images))
            train_x, train_y = train_x[keep][:a.limit_images], train_y[keep][:a.limit_images]
        self.train_loader = data.Loader(train_x, train_y, a.batch, train=True, seed=a.seed, cutout=a.cutout,
                                        device=self.device, rank=self.dist.rank, world=self.dist.world,
                                        variants=a.kd_variants)
        self.test_loader = data.Loader(test_x, test_y, 500, train=False, device=self.device)
        self.steps = len(self.train_loader) if not a.limit_batches else min(a.limit_batches, len(self.train_loader))
        if self.steps < 1:
            raise TrainError("the training set (%d images) gives no batch of %d over %d ranks"
                             % (len(train_y), a.batch, self.dist.world))

        ckpt = None
        if resuming:
            ckpt = checkpoint.read_resume(self.ckpt_path, a)
            saved = ckpt["args"]
            for k in ("epochs", "lr", "schedule", "wd", "batch", "seed", "cutout", "kd_variants"):
                if k in saved and saved[k] != getattr(a, k):
                    self.log("warning: --%s differs from the checkpoint (%s vs %s); using the new value"
                             % (k, saved[k], getattr(a, k)))
            a.init = None  # the checkpoint has the weights
        self.teacher = None
        if a.teacher:
            teacher, _, _ = checkpoint.load_model(a.teacher)
            for prm in teacher.parameters():
                prm.requires_grad_(False)
            self.teacher = teacher.to(self.device, memory_format=torch.channels_last).eval()
        self.teacher_logits = None
        model = build_model(a)
        if ckpt is not None:
            checkpoint.load_weights(model, ckpt, self.ckpt_path, a.arch, a.method)
        if a.sync_bn and self.dist.world > 1:
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        model = model.to(self.device, memory_format=torch.channels_last)
        self.model = model
        self.optimizer = torch.optim.SGD(methods.param_groups(model, a), lr=a.lr, momentum=a.momentum,
                                         nesterov=a.nesterov)
        self.start_epoch, self.start_step, self.trained_seconds, self.resumed_metrics = 0, 0, 0.0, None
        self.epochs_done = 0
        if ckpt is not None:
            self.optimizer.load_state_dict(ckpt["optimizer"])
            self.start_epoch, self.start_step = ckpt["epoch"], ckpt["step"]
            self.epochs_done = ckpt["epoch"]
            self.trained_seconds = ckpt["trained_seconds"]
            self.resumed_metrics = ckpt["metrics"]
        self.net = self.dist.wrap(model, self.device)
        if a.compile:
            if not hasattr(torch, "compile"):
                raise TrainError("--compile needs torch 2.x (this is %s)" % torch.__version__)
            self.net = torch.compile(self.net)
        self.hooks = methods.hooks(model, a)
        gpu = torch.cuda.get_device_name(self.device) if self.rt.device == "cuda" else None
        self.log(runtime.describe(self.rt, torch.__version__, gpu) +
                 ("; freed memory kept (glibc mallopt)" if self.kept_memory else "") +
                 ("; %d ranks (%s)" % (self.dist.world, self.dist.backend) if self.dist.world > 1 else ""))
        if ckpt is not None:
            self.log("resumed %s at epoch %d step %d%s" % (
                self.ckpt_path, self.start_epoch, self.start_step,
                " (a small stash: fp16 weights, momentum restarted)" if ckpt.get("compact") else ""))
        else:
            self.log("start %s" % json.dumps(vars(a)))
        if a.kd_variants:
            self.teacher_logits = teacher_cache.load_or_compute(self.teacher, a.teacher, self.train_loader,
                                                                self.autocast, self.rt.precision, self.dist, self.log)
            self.teacher = None  # every step reads its logits from the cache

    # -- the loop --
    def save(self, epoch, step, metrics):
        self.epochs_done = epoch
        if self.dist.is_main:
            checkpoint.save_resume(self.ckpt_path, self.model, self.optimizer, epoch, step, self.trained_seconds,
                                   metrics, self.args)

    def on_signal(self, signum, frame):
        self.stop_signal = signum

    def train(self):
        a = self.args
        budget = a.time_budget * 60.0
        if a.deadline:
            left = max(1.0, a.deadline - time.time() - a.deadline_reserve)
            if self.dist.world > 1:
                left, _ = self.dist.agree(left, False)
            budget = self.trained_seconds + left if not budget else min(budget, self.trained_seconds + left)
            self.log("deadline: %.0f s of training left" % left)
        steps = self.steps
        last_save = time.time()
        global_step = self.start_epoch * steps + self.start_step
        out_of_time = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.on_signal)
        epoch = self.start_epoch
        while epoch < a.epochs and not out_of_time:
            self.net.train()
            self.final_eval = None  # the weights change in this epoch
            self.hooks.epoch_start(epoch)
            first = self.start_step if epoch == self.start_epoch else 0
            sums = torch.zeros(3, dtype=torch.float64, device=self.device)  # seen, correct, loss·n
            if first and self.resumed_metrics:
                sums += torch.tensor(self.resumed_metrics, dtype=torch.float64, device=self.device)
            t0 = time.time()
            trained_before_epoch = self.trained_seconds
            done = first
            lr = lr_at(a, epoch + first / steps)
            cached = self.teacher_logits is not None
            for i, batch in enumerate(self.train_loader.batches(epoch, first, steps, with_ids=cached), start=first):
                x, y = batch[0], batch[1]
                elapsed = time.time() - t0
                signalled = self.stop_signal is not None
                if self.dist.world > 1:
                    # ranks agree on the clock (rank 0's) and on stopping, so their schedules never differ
                    elapsed, signalled = self.dist.agree(elapsed, signalled)
                progress = epoch + i / steps
                if budget > 0:
                    progress = max(progress, a.epochs * (self.trained_seconds + elapsed) / budget)
                if progress >= a.epochs:
                    out_of_time = True
                    break
                if signalled:
                    self.stop_signal = self.stop_signal or signal.SIGTERM
                    break
                if self.rt.channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                lr = lr_at(a, progress)
                for g in self.optimizer.param_groups:
                    g["lr"] = lr * g.get("lr_scale", 1.0)  # absent in resume files from before lr_scale
                with torch.autocast(**self.autocast):
                    out = self.net(x)
                    teacher_out = self.teacher_logits[batch[2]] if cached else None
                    if self.teacher is not None:
                        with torch.no_grad():
                            teacher_out = self.teacher(x)
                out = out.float()
                loss = F.cross_entropy(out, y)
                if teacher_out is not None:
                    loss = (1 - a.kd_alpha) * loss + a.kd_alpha * distillation_loss(out, teacher_out.float(),
                                                                                      a.kd_temp)
                loss = loss + self.hooks.extra_loss()
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.hooks.before_step()
                self.optimizer.step()
                self.hooks.after_step()
                with torch.no_grad():  # device-side sums: no host sync per step
                    sums[0] += len(y)
                    sums[1] += (out.argmax(1) == y).sum()
                    sums[2] += loss.detach().double() * len(y)
                done = i + 1
                global_step += 1
                if sys.stdout.isatty() and self.dist.is_main and (i % 20 == 0 or i == steps - 1):
                    s = sums.tolist()
                    el = time.time() - t0
                    print("\repoch %d/%d [%-30s] %d/%d loss %.3f acc %.1f%% %.0fs/%.0fs " % (
                        epoch + 1, a.epochs, "=" * int(30 * (i + 1) / steps), i + 1, steps, s[2] / max(1, s[0]),
                        100.0 * s[1] / max(1, s[0]), el, el * (steps - first) / (i + 1 - first)), end="", flush=True)
                now = time.time()
                if done < steps and ((a.checkpoint_steps and global_step % a.checkpoint_steps == 0) or
                                     now - last_save >= a.checkpoint_minutes * 60):
                    self.trained_seconds += now - t0
                    t0 = now
                    self.save(epoch, done, self.dist.sum_metrics(sums))
                    last_save = now
                if KILL_AFTER_STEP and global_step == KILL_AFTER_STEP:
                    os.kill(os.getpid(), signal.SIGKILL)
            if sys.stdout.isatty() and self.dist.is_main:
                print()
            self.trained_seconds += time.time() - t0
            metrics = self.dist.sum_metrics(sums)
            if self.stop_signal is not None:
                self.save(epoch, done, metrics)
                self.log("stopped by signal %d at epoch %d step %d/%d; checkpoint %s (--resume continues)" % (
                    self.stop_signal, epoch + 1, done, steps, self.ckpt_path))
                return 128 + self.stop_signal
            seen, correct, loss_sum = metrics
            if not seen:
                break
            msg = "epoch %d/%d lr %.4f train loss %.4f acc %.2f%% time %.1fs" % (
                epoch + 1, a.epochs, lr, loss_sum / seen, 100.0 * correct / seen,
                self.trained_seconds - trained_before_epoch)
            if out_of_time:
                msg += " (time budget spent after %d/%d batches)" % (done, steps)
            if budget > 0:
                msg += " [%.1f/%.1f min]" % (self.trained_seconds / 60, budget / 60)
            extra = self.hooks.describe()
            if extra:
                msg += " " + extra
            if (epoch + 1) % a.eval_every == 0 or epoch + 1 == a.epochs or out_of_time:
                if self.dist.is_main:
                    acc, tl = evaluate(self.model, self.test_loader)
                    msg += " | test loss %.4f top1 %.2f%%" % (tl, acc)
                    self.final_eval = acc
                self.dist.barrier()
            self.log(msg)
            self.save(epoch + 1, 0, None)
            last_save = time.time()
            epoch += 1
        return 0

    def finish(self):
        a = self.args
        if a.save_rank_params:
            checkpoint.atomic_save({k: v.detach().cpu() for k, v in self.model.named_parameters()},
                                   os.path.join(self.run_dir, "params-rank%d.pt" % self.dist.rank))
        if not self.dist.is_main:
            return
        if a.bn_recal and not a.limit_batches:
            # shuffled, un-augmented (the arrays are sorted by class: an unshuffled subset would see 5 classes)
            recal = data.Loader(self.train_loader.images.cpu().numpy(), self.train_loader.labels.cpu().numpy(),
                                250, train=False, shuffle=True, seed=a.seed, device=self.device)
            recalibrate_bn(self.model, recal, a.bn_recal)
            acc, tl = evaluate(self.model, self.test_loader)
            self.log("after BN recalibration (%d batches): test loss %.4f top1 %.2f%%" % (a.bn_recal, tl, acc))
        elif self.final_eval is not None:
            acc = self.final_eval   # the last epoch's evaluation, of these very weights
        elif not a.limit_batches:
            acc, _ = evaluate(self.model, self.test_loader)
        else:
            acc = float("nan")
        epochs_done = self.epochs_done  # the epoch of the last resume checkpoint written (or resumed from)
        self.log("trained %d epochs in %.1f min of training time" % (epochs_done, self.trained_seconds / 60))
        state = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        checkpoint.atomic_save({"model": state, "arch": a.arch, "method": a.method, "epochs": epochs_done,
                                "trained_minutes": self.trained_seconds / 60, "pytorch_top1": acc,
                                "args": vars(a)}, self.final_path)
        self.log("saved %s" % self.final_path)


def main(argv=None):
    args = parse_args(argv)
    dist = distributed.from_environment(args.device)
    run = Run(args, dist)
    try:
        run.setup()
        status = run.train()
        if status == 0:
            run.finish()
    except TrainError as e:
        print("train.py: error: %s" % e, file=sys.stderr, flush=True)
        dist.close()
        return 2
    dist.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
