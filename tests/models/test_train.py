"""Training pipeline tests (models/train): runtime choice, data path, exact resume after a kill, torchrun/DDP,
knowledge distillation, kept bases, the GPU script's --smoke mode, and one-line errors on bad input.
All on a small generated CIFAR-shaped JPEG folder (cifar_fixture.py), 1 thread, CPU; about 2 minutes.
Run: /usr/bin/python3 -m unittest tests.models.test_train -v"""
import lzma
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN_DIR = os.path.join(REPO, "models", "train")
sys.path.insert(0, TRAIN_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cifar_fixture  # noqa: E402
import checkpoint  # noqa: E402
import data  # noqa: E402
import methods  # noqa: E402
import runtime  # noqa: E402
import train  # noqa: E402

PY = sys.executable
TRIT = os.path.join(REPO, "build", "native", "trit")
TMP = None


def setUpModule():
    global TMP
    TMP = tempfile.mkdtemp(prefix="trit-train-test-")
    cifar_fixture.make(os.path.join(TMP, "cifar"), train_per_class=16, test_per_class=2)
    os.environ["TRIT_DATA_CACHE"] = os.path.join(TMP, "cache")


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


def run_train(*flags, env=None, name="run", runs=None, expect=0):
    """train.py as a user runs it; returns (stdout, stderr)."""
    cmd = [PY, os.path.join(TRAIN_DIR, "train.py"), "--data", os.path.join(TMP, "cifar"),
           "--runs-dir", runs or os.path.join(TMP, "runs"), "--name", name, "--threads", "1"] + list(flags)
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **(env or {})), timeout=600)
    if expect is not None and p.returncode != expect:
        raise AssertionError("%s exited %d, expected %d\n%s\n%s" % (" ".join(cmd), p.returncode, expect,
                                                                     p.stdout[-2000:], p.stderr[-2000:]))
    return p.stdout, p.stderr, p.returncode


def final_state(name, runs=None):
    return torch.load(os.path.join(runs or os.path.join(TMP, "runs"), name, "checkpoint-final.pt"))["model"]


def read_text(path):
    with open(path) as f:
        return f.read()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def epoch_losses(log_path):
    out = []
    with open(log_path) as f:
        for line in f:
            if " train loss " in line:
                out.append(float(line.split(" train loss ")[1].split()[0]))
    return out


class FreedMemoryTest(unittest.TestCase):
    """runtime.keep_freed_memory(): freed activations stay with the process instead of going back to the kernel
    and being faulted in again for the next batch (3-4x slower evaluation and teacher passes without it)."""

    PROBE = """
import sys, torch
sys.path.insert(0, %r)
import runtime
kept = runtime.keep_freed_memory() if sys.argv[1] == "keep" else None
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
before = rss()
x = torch.ones(5 << 20)  # 20 MiB, every page touched
del x
print(kept, (rss() - before) >> 20)
"""

    def probe(self, mode):
        p = subprocess.run([PY, "-c", self.PROBE % TRAIN_DIR, mode], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        kept, mib = p.stdout.split()
        return kept, int(mib)

    @unittest.skipUnless(os.path.exists("/proc/self/statm") and os.uname().sysname == "Linux", "Linux only")
    def test_freed_memory_stays_with_the_process(self):
        kept, grown = self.probe("keep")
        self.assertEqual(kept, "True")
        self.assertGreaterEqual(grown, 19)   # the 20 MiB block was freed into the heap, not unmapped
        _, grown = self.probe("default")
        self.assertLess(grown, 5)            # glibc's default: unmapped at once (what made each batch fault again)


class RuntimeChoiceTest(unittest.TestCase):
    """choose() is a pure function of the machine's facts and the flags."""

    def test_cpu_without_bf16_hardware_is_fp32_on_all_cores(self):
        rt = runtime.choose("cpu", {"avx2", "fma"}, cores=2)
        self.assertEqual((rt.device, rt.threads, rt.precision, rt.channels_last), ("cpu", 2, "fp32", True))
        self.assertIn("neither AMX nor AVX512-BF16", rt.reason)

    def test_cpu_with_amx_or_avx512_bf16_is_bf16(self):
        self.assertEqual(runtime.choose("cpu", {"amx_bf16", "amx_tile"}, 8).precision, "bf16")
        rt = runtime.choose("cpu", {"avx512_bf16"}, 8)
        self.assertEqual(rt.precision, "bf16")
        self.assertIn("avx512_bf16", rt.reason)

    def test_cuda(self):
        self.assertEqual(runtime.choose("cuda", set(), 16, cuda_bf16=True).precision, "bf16")
        self.assertEqual(runtime.choose("cuda", set(), 16, cuda_bf16=False).precision, "fp32")

    def test_flags_override(self):
        rt = runtime.choose("cpu", {"amx_bf16"}, 8, precision="fp32", threads=3)
        self.assertEqual((rt.precision, rt.threads), ("fp32", 3))
        self.assertEqual(runtime.choose("cpu", set(), 8, precision="bf16").precision, "bf16")

    def test_threads_split_among_local_ranks(self):
        self.assertEqual(runtime.choose("cpu", set(), 16, local_world_size=4).threads, 4)
        self.assertEqual(runtime.choose("cpu", set(), 2, local_world_size=4).threads, 1)

    def test_bad_values(self):
        with self.assertRaises(ValueError):
            runtime.choose("cpu", set(), 2, precision="fp16")
        with self.assertRaises(ValueError):
            runtime.choose("cpu", set(), 2, threads=0)

    def test_describe_is_one_line(self):
        line = runtime.describe(runtime.choose("cpu", set(), 2), "1.13")
        self.assertNotIn("\n", line)
        self.assertIn("fp32", line)


class DataTest(unittest.TestCase):
    def test_pack_decodes_to_the_folder_pixels(self):
        root = os.path.join(TMP, "cifar")
        pack = os.path.join(TMP, "pack.npz")
        subprocess.run([PY, os.path.join(TRAIN_DIR, "pack_data.py"), "--data", root, pack], check=True,
                       capture_output=True)
        for split in ("train", "test"):
            a, la = data.load_split(split, root, verbose=False)
            b, lb = data.load_split(split, pack, verbose=False)
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(la, lb)

    def test_batches_depend_only_on_seed_epoch_step(self):
        x, y = data.load_split("train", os.path.join(TMP, "cifar"), verbose=False)
        loader = data.Loader(x, y, 32, train=True, seed=3, cutout=8)
        all_batches = list(loader.batches(epoch=2))
        late = list(loader.batches(epoch=2, start=3))
        self.assertEqual(len(late), len(all_batches) - 3)
        for (xa, ya), (xb, yb) in zip(all_batches[3:], late):
            self.assertTrue(torch.equal(xa, xb) and torch.equal(ya, yb))
        other = next(loader.batches(epoch=3))
        self.assertFalse(torch.equal(other[0], all_batches[0][0]))

    def test_ranks_split_the_global_batch(self):
        x, y = data.load_split("train", os.path.join(TMP, "cifar"), verbose=False)
        one = list(data.Loader(x, y, 30, train=True, seed=1, cutout=8).batches(1))
        parts = [list(data.Loader(x, y, 30, train=True, seed=1, cutout=8, rank=r, world=3).batches(1))
                 for r in range(3)]
        self.assertEqual(len(parts[0]), len(one))  # 160 = 5·30 + 10: the last batch is split too
        for i in range(len(parts[0])):
            self.assertTrue(torch.equal(torch.cat([p[i][0] for p in parts]), one[i][0]))
            self.assertTrue(torch.equal(torch.cat([p[i][1] for p in parts]), one[i][1]))
        # 160 = 3·53 + 1: a last batch smaller than the number of ranks is dropped, on every rank alike
        self.assertEqual(len(data.Loader(x, y, 53, train=True, rank=2, world=3)), 3)
        self.assertEqual(len(data.Loader(x, y, 53, train=True)), 4)

    def test_augment_crops_flips_and_cuts(self):
        img = torch.arange(2 * 3 * 32 * 32, dtype=torch.float32).view(2, 3, 32, 32)
        z = torch.zeros(2, dtype=torch.long)
        four = torch.full((2,), 4, dtype=torch.long)
        same = data.augment(img, four, four, torch.tensor([False, False]))
        self.assertTrue(torch.equal(same, img))           # offset 4 of a pad-4 = the image
        flipped = data.augment(img, four, four, torch.tensor([True, False]))
        self.assertTrue(torch.equal(flipped[0], img[0].flip(2)))
        shifted = data.augment(img, z, z, torch.tensor([False, False]))
        self.assertTrue(torch.equal(shifted[:, :, 4:, 4:], img[:, :, :28, :28]))
        self.assertEqual(float(shifted[:, :, :4].abs().sum()), 0.0)
        cut = data.augment(img + 1, four, four, torch.tensor([False, False]), torch.tensor([10, 10]),
                           torch.tensor([20, 20]), cutout=8)
        self.assertEqual(int((cut[0, 0] == 0).sum()), 64)
        self.assertEqual(float(cut[0, 0, 6:14, 16:24].abs().sum()), 0.0)


class DistillationTest(unittest.TestCase):
    def test_fixed_variants_limit_each_image_to_k_augmentations(self):
        x, y = data.load_split("train", os.path.join(TMP, "cifar"), verbose=False)
        loader = data.Loader(x, y, 32, train=True, seed=5, variants=3)
        seen = {}
        for epoch in range(12):
            for xb, yb, ids in loader.batches(epoch, with_ids=True):
                for row, i in zip(xb, ids.tolist()):
                    seen.setdefault(i // 3, {}).setdefault(i % 3, row)
                    # the same (image, variant) is the same tensor in every epoch that draws it
                    self.assertTrue(torch.equal(seen[i // 3][i % 3], row))
        self.assertEqual(len(seen), len(y))
        self.assertGreater(sum(len(v) for v in seen.values()), 2 * len(y))  # variants do get drawn
        # the ordered pass that fills the cache gives the same tensors for the same rows
        for xb, ids in loader.variant_batches(1, 50):
            for row, i in zip(xb, ids.tolist()):
                if 1 in seen[i // 3]:
                    self.assertTrue(torch.equal(seen[i // 3][1], row))
        # and a resumed epoch draws what it drew before (mid-epoch exactness, as without variants)
        a = list(loader.batches(4, with_ids=True))[2:]
        b = list(loader.batches(4, start=2, with_ids=True))
        for (xa, _, ia), (xb, _, ib) in zip(a, b):
            self.assertTrue(torch.equal(xa, xb) and torch.equal(ia, ib))

    def test_cached_teacher_logits_are_the_teachers_and_shared_between_runs(self):
        run_train("--epochs", "1", "--batch", "64", "--limit-batches", "1", "--precision", "fp32", name="teacher")
        teacher = os.path.join(TMP, "runs", "teacher", "checkpoint-final.pt")
        cache = os.path.join(TMP, "teacher-cache")
        env = {"TRIT_DATA_CACHE": cache}
        flags = ["--method", "hefan", "--init", teacher, "--teacher", teacher, "--kd-variants", "2", "--epochs", "1",
                 "--batch", "32", "--limit-batches", "2", "--precision", "fp32"]
        out, _, _ = run_train(*flags, name="kd-a", env=env)
        self.assertIn("teacher logits: computing 2 augmentations of each of 160 images once", out)
        files = [f for f in os.listdir(cache) if f.startswith("teacher-")]
        self.assertEqual(len(files), 1)
        out, _, _ = run_train(*(flags[:1] + ["ptq"] + flags[2:]), name="kd-b", env=env)
        self.assertNotIn("computing", out)   # another method, same teacher, data, K and seed: read, not computed
        self.assertIn("teacher logits: " + os.path.join(cache, files[0]), out)
        # what the cache holds is what the teacher says about those very tensors
        x, y = data.load_split("train", os.path.join(TMP, "cifar"), verbose=False)
        loader = data.Loader(x, y, 32, train=True, seed=1, variants=2)
        logits = torch.load(os.path.join(cache, files[0]))
        model, _, _ = checkpoint.load_model(teacher)
        model.eval()
        with torch.no_grad():
            xb, _, ids = next(loader.batches(0, with_ids=True))
            torch.testing.assert_close(logits[ids].float(), model(xb), atol=2e-3, rtol=2e-3)
        # a changed K is another cache
        run_train(*(flags[:7] + ["3"] + flags[8:]), name="kd-c", env=env)
        self.assertEqual(len([f for f in os.listdir(cache) if f.startswith("teacher-")]), 2)
        # a damaged cache is a one-line error naming it
        with open(os.path.join(cache, files[0]), "wb") as f:
            f.write(b"not a tensor")
        _, err, _ = run_train(*flags, name="kd-d", env=env, expect=2)
        self.assertIn("is not a readable teacher cache", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_teacher_pass_cut_off_continues_after_its_last_whole_variant(self):
        import teacher_cache
        x, y = data.load_split("train", os.path.join(TMP, "cifar"), verbose=False)
        loader = data.Loader(x, y, 32, train=True, seed=2, variants=3)
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                  torch.nn.Linear(4, 10)).eval()

        class CutOff(torch.nn.Module):
            """net, until it has run `budget` batches; then the pass is cut off (as by a signal)"""
            def __init__(self, budget):
                super().__init__()
                self.calls, self.budget = 0, budget

            def forward(self, xb):
                self.calls += 1
                if self.calls > self.budget:
                    raise KeyboardInterrupt
                return net(xb)

        autocast = dict(device_type="cpu", dtype=torch.bfloat16, enabled=False)
        whole = teacher_cache.compute(net, loader, autocast, batch_size=50)
        partial = os.path.join(TMP, "teacher-partial.pt.partial")
        per_variant = -(-len(y) // 50)  # batches of 50 per variant
        first = CutOff(per_variant + 1)  # dies in the second variant
        with self.assertRaises(KeyboardInterrupt):
            teacher_cache.compute(first, loader, autocast, batch_size=50, partial_path=partial)
        self.assertEqual(torch.load(partial)["variants_done"], 1)
        lines = []
        second = CutOff(10 ** 6)
        got = teacher_cache.compute(second, loader, autocast, batch_size=50, partial_path=partial, log=lines.append)
        self.assertIn("teacher logits: continuing after variant 1/3", lines)
        self.assertEqual(second.calls, 2 * per_variant)  # only variants 2 and 3 ran again
        self.assertTrue(torch.equal(got, whole))
        # a damaged partial file is set aside, not trusted: the whole pass runs
        with open(partial, "wb") as f:
            f.write(b"cut off mid-write")
        third = CutOff(10 ** 6)
        got = teacher_cache.compute(third, loader, autocast, batch_size=50, partial_path=partial, log=lines.append)
        self.assertEqual(third.calls, 3 * per_variant)
        self.assertTrue(torch.equal(got, whole))

    def test_loss_is_t_squared_kl(self):
        s = torch.tensor([[1.0, 2.0, 0.5]])
        t = torch.tensor([[0.5, 3.0, -1.0]])
        p = torch.softmax(t / 2, 1)
        expect = float((p * (torch.log(p) - torch.log_softmax(s / 2, 1))).sum()) * 4
        self.assertAlmostEqual(float(train.distillation_loss(s, t, 2.0)), expect, places=5)
        self.assertAlmostEqual(float(train.distillation_loss(t, t, 2.0)), 0.0, places=6)


class ResumeTest(unittest.TestCase):
    def test_resume_after_kill_mid_epoch_is_exact(self):
        flags = ["--method", "ttq", "--epochs", "2", "--batch", "32", "--eval-every", "1", "--cutout", "8",
                 "--precision", "fp32"]
        run_train(*flags, name="straight")
        # checkpoints after steps 3 and 6 (6 is mid-epoch 2 of 5 steps each); killed after step 7
        _, _, rc = run_train(*flags, "--checkpoint-steps", "3", name="killed",
                             env={"TRIT_TRAIN_KILL_AFTER_STEP": "7"}, expect=None)
        self.assertEqual(rc, -9)
        ck = torch.load(os.path.join(TMP, "runs", "killed", "checkpoint.pt"))
        self.assertEqual((ck["epoch"], ck["step"]), (1, 1))
        self.assertFalse(os.path.exists(os.path.join(TMP, "runs", "killed", "checkpoint-final.pt")))
        # carried to a fresh checkout as a stash: only checkpoint.pt.xz is there
        p = subprocess.run([PY, os.path.join(TRAIN_DIR, "stash_run.py"), "killed", "--runs-dir",
                            os.path.join(TMP, "runs")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        os.remove(os.path.join(TMP, "runs", "killed", "checkpoint.pt"))
        out, _, _ = run_train(*flags, "--resume", name="killed")
        self.assertIn("unpacked", out)
        self.assertIn("resumed", out)
        a, b = final_state("straight"), final_state("killed")
        self.assertEqual(sorted(a), sorted(b))
        for k in a:
            self.assertTrue(torch.equal(a[k], b[k]), k)
        # the resumed epoch's logged metrics include the steps before the kill
        la = epoch_losses(os.path.join(TMP, "runs", "straight", "log.txt"))
        lb = epoch_losses(os.path.join(TMP, "runs", "killed", "log.txt"))
        self.assertEqual(la, lb)

    def test_small_stash_is_fp16_without_momentum_and_resumes(self):
        flags = ["--epochs", "2", "--batch", "32", "--eval-every", "1", "--precision", "fp32"]
        _, _, rc = run_train(*flags, "--checkpoint-steps", "3", name="small",
                             env={"TRIT_TRAIN_KILL_AFTER_STEP": "7"}, expect=None)
        self.assertEqual(rc, -9)
        ckpt = os.path.join(TMP, "runs", "small", "checkpoint.pt")
        exact_bytes = os.path.getsize(checkpoint.stash(ckpt))
        p = subprocess.run([PY, os.path.join(TRAIN_DIR, "stash_run.py"), "small", "--small", "--runs-dir",
                            os.path.join(TMP, "runs")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        # fp16 weights and no momentum: about a quarter of the exact stash
        self.assertLess(os.path.getsize(ckpt + ".xz"), exact_bytes * 0.5)
        with lzma.open(ckpt + ".xz") as f:
            small = torch.load(f)
        self.assertTrue(small["compact"])
        self.assertEqual(small["optimizer"]["state"], {})
        full = torch.load(ckpt)
        for k, v in full["model"].items():
            self.assertTrue(torch.equal(small["model"][k], v.half() if v.is_floating_point() else v), k)
        os.remove(ckpt)
        out, _, _ = run_train(*flags, "--resume", name="small")
        self.assertIn("a small stash: fp16 weights, momentum restarted", out)
        self.assertTrue(os.path.isfile(os.path.join(TMP, "runs", "small", "checkpoint-final.pt")))

    def test_stash_every_commits_stash_and_log_only_until_the_run_ends(self):
        repo = os.path.join(TMP, "stash-repo")
        runs = os.path.join(repo, "runs")
        _, _, rc = run_train("--epochs", "2", "--batch", "32", "--precision", "fp32", "--checkpoint-steps", "3",
                             name="bg", runs=runs, env={"TRIT_TRAIN_KILL_AFTER_STEP": "4"}, expect=None)
        self.assertEqual(rc, -9)

        def git(*args):
            p = subprocess.run(["git"] + list(args), cwd=repo, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            return p.stdout
        git("init", "-q")
        git("config", "user.email", "test@example.com")
        git("config", "user.name", "test")
        with open(os.path.join(repo, "other.txt"), "w") as f:
            f.write("staged by the person working beside the run\n")
        git("add", "other.txt")
        p = subprocess.Popen([PY, os.path.join(TRAIN_DIR, "stash_run.py"), "bg", "--small", "--commit",
                              "--every", "0.005", "--runs-dir", runs], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        import time
        deadline = time.time() + 120
        while time.time() < deadline and subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo,
                                                         capture_output=True).returncode != 0:
            time.sleep(0.2)
        # the run ends: the loop notices and exits without another commit (the checkpoint did not change)
        with open(os.path.join(runs, "bg", "checkpoint-final.pt"), "wb") as f:
            f.write(b"")
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("the run is done", out)
        self.assertEqual(git("log", "--format=%s").strip().splitlines(),
                         ["bg: resume stash after epoch 0 step 3, small: fp16 weights, no momentum "
                          "(stash_run.py --commit)"])
        self.assertEqual(sorted(git("show", "--name-only", "--format=", "HEAD").split()),
                         ["runs/bg/checkpoint.pt.xz", "runs/bg/log.txt"])
        self.assertEqual(git("diff", "--cached", "--name-only").split(), ["other.txt"])
        # a loop restarted on the same checkpoint stashes the same bytes: nothing to commit is not an error
        p = subprocess.run([PY, os.path.join(TRAIN_DIR, "stash_run.py"), "bg", "--small", "--commit",
                            "--runs-dir", runs], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("unchanged since the last commit", p.stdout)
        self.assertEqual(len(git("log", "--format=%s").strip().splitlines()), 1)

    def test_sigterm_saves_a_resumable_checkpoint(self):
        cmd = [PY, os.path.join(TRAIN_DIR, "train.py"), "--data", os.path.join(TMP, "cifar"), "--runs-dir",
               os.path.join(TMP, "runs"), "--name", "termed", "--threads", "1", "--epochs", "50", "--batch", "16"]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        log = os.path.join(TMP, "runs", "termed", "log.txt")
        import time
        deadline = time.time() + 120
        while time.time() < deadline and not (os.path.isfile(log) and "epoch 1/" in read_text(log)):
            time.sleep(0.2)
        p.terminate()
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 128 + 15, err)
        self.assertIn("stopped by signal 15", out)
        ck = torch.load(os.path.join(TMP, "runs", "termed", "checkpoint.pt"))
        self.assertGreaterEqual(ck["epoch"] * 10 + ck["step"], 10)


class DistributedTest(unittest.TestCase):
    def torchrun(self, nproc, name, flags):
        # --redirects/--tee: torch 1.13's torchrun cannot parse its own default "0" under Python 3.11
        cmd = [PY, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=%d" % nproc,
               "--redirects", "1", "--tee", "1", os.path.join(TRAIN_DIR, "train.py"),
               "--data", os.path.join(TMP, "cifar"), "--runs-dir", os.path.join(TMP, "runs"), "--name", name] + flags
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=dict(os.environ, OMP_NUM_THREADS="1"))
        self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr[-3000:])
        return p

    def test_two_ranks_stay_identical_and_match_one_process(self):
        flags = ["--method", "float", "--epochs", "4", "--batch", "32", "--lr", "0.02", "--eval-every", "2",
                 "--save-rank-params"]
        self.torchrun(2, "ddp2", flags)
        d = os.path.join(TMP, "runs", "ddp2")
        self.assertTrue(os.path.isfile(os.path.join(d, "checkpoint-final.pt")))
        r0 = torch.load(os.path.join(d, "params-rank0.pt"))
        r1 = torch.load(os.path.join(d, "params-rank1.pt"))
        for k in r0:
            self.assertTrue(torch.equal(r0[k], r1[k]), k)
        # rank 0 alone wrote the log: one line per epoch
        self.assertEqual(len(epoch_losses(os.path.join(d, "log.txt"))), 4)
        run_train(*flags, name="ddp1")
        two = epoch_losses(os.path.join(d, "log.txt"))
        one = epoch_losses(os.path.join(TMP, "runs", "ddp1", "log.txt"))
        # the same samples and augmentations; only batch-norm statistics differ (each rank normalises its half)
        for a, b in zip(one, two):
            self.assertLess(abs(a - b), 0.1 * a, (one, two))

    def test_resume_under_torchrun(self):
        flags = ["--method", "float", "--epochs", "2", "--batch", "32", "--lr", "0.02", "--limit-batches", "2"]
        self.torchrun(2, "ddp-resume", flags[:3] + ["1"] + flags[4:])
        p = self.torchrun(2, "ddp-resume", flags + ["--resume"])
        self.assertIn("resumed", p.stdout)
        self.assertEqual(torch.load(os.path.join(TMP, "runs", "ddp-resume", "checkpoint.pt"))["epoch"], 2)


class BadInputTest(unittest.TestCase):
    def assert_one_line_error(self, stderr, *words):
        lines = [ln for ln in stderr.splitlines() if ln.strip()]
        self.assertEqual(len(lines), 1, stderr)
        self.assertTrue(lines[0].startswith("train.py: error: "), lines[0])
        for w in words:
            self.assertIn(w, lines[0])

    def test_missing_data_folder(self):
        _, err, _ = run_train("--data", os.path.join(TMP, "nowhere"), name="bad1", expect=2)
        self.assert_one_line_error(err, "no CIFAR-10 at", "nowhere")
        self.assertFalse(os.path.exists(os.path.join(TMP, "runs", "bad1")))

    def test_folder_without_images(self):
        empty = os.path.join(TMP, "empty")
        for split in ("train", "test"):
            for cls in data.CLASSES:
                os.makedirs(os.path.join(empty, split, cls), exist_ok=True)
        _, err, _ = run_train("--data", empty, name="bad2", expect=2)
        self.assert_one_line_error(err, "no images")

    def test_corrupt_jpeg(self):
        broken = os.path.join(TMP, "broken")
        shutil.copytree(os.path.join(TMP, "cifar"), broken)
        with open(os.path.join(broken, "train", "cat", "0003.jpg"), "wb") as f:
            f.write(b"\xff\xd8\xff\xe0 not a jpeg at all")
        _, err, _ = run_train("--data", broken, name="bad3", expect=2)
        self.assert_one_line_error(err, "cannot decode", os.path.join("cat", "0003.jpg"))

    def test_checkpoint_of_another_arch(self):
        run_train("--epochs", "1", "--batch", "64", "--limit-batches", "1", name="float20")
        src = os.path.join(TMP, "runs", "float20", "checkpoint-final.pt")
        _, err, _ = run_train("--arch", "resnet56", "--init", src, name="bad4", expect=2)
        self.assert_one_line_error(err, "is a resnet20 checkpoint, not resnet56")
        # a resume checkpoint of another arch under this name: refused, left as it was
        d = os.path.join(TMP, "runs", "bad5")
        os.makedirs(d)
        shutil.copy(os.path.join(TMP, "runs", "float20", "checkpoint.pt"), os.path.join(d, "checkpoint.pt"))
        before = read_bytes(os.path.join(d, "checkpoint.pt"))
        _, err, _ = run_train("--arch", "resnet56", "--resume", name="bad5", expect=2)
        self.assert_one_line_error(err, "resnet20 float run, not resnet56 float")
        self.assertEqual(read_bytes(os.path.join(d, "checkpoint.pt")), before)
        # a ternary file is no --init
        run_train("--method", "ttq", "--epochs", "1", "--batch", "64", "--limit-batches", "1", name="ttq20")
        _, err, _ = run_train("--method", "hefan", "--init", os.path.join(TMP, "runs", "ttq20",
                                                                         "checkpoint-final.pt"), name="bad6", expect=2)
        self.assert_one_line_error(err, "ttq checkpoint", "--init takes a float model, or a run of --method")
        # not a checkpoint at all
        junk = os.path.join(TMP, "junk.pt")
        with open(junk, "wb") as f:
            f.write(b"PK\x03\x04 junk")
        _, err, _ = run_train("--init", junk, name="bad7", expect=2)
        self.assert_one_line_error(err, "junk.pt is not a readable")

    def test_resume_without_checkpoint_and_no_overwrite(self):
        _, err, _ = run_train("--resume", name="never", expect=2)
        self.assert_one_line_error(err, "--resume: no checkpoint")
        self.assertFalse(os.path.exists(os.path.join(TMP, "runs", "never", "checkpoint.pt")))
        run_train("--epochs", "1", "--batch", "64", "--limit-batches", "1", name="done")
        path = os.path.join(TMP, "runs", "done", "checkpoint-final.pt")
        before = read_bytes(path)
        _, err, _ = run_train("--epochs", "1", name="done", expect=2)
        self.assert_one_line_error(err, "already holds a run", "--resume")
        self.assertEqual(read_bytes(path), before)


class FineTuneTest(unittest.TestCase):
    def test_second_cycle_starts_from_a_run_of_the_same_method(self):
        run_train("--method", "ttq", "--epochs", "1", "--batch", "64", "--limit-batches", "2", name="ttq-cycle1")
        src = os.path.join(TMP, "runs", "ttq-cycle1", "checkpoint-final.pt")
        first = final_state("ttq-cycle1")
        args = train.parse_args(["--arch", "resnet20", "--method", "ttq", "--name", "unused", "--init", src])
        model = train.build_model(args)
        start = model.state_dict()
        # every latent weight and TTQ's trained Wp/Wn as the first cycle left them (not re-normalised, not
        # re-fitted)
        self.assertEqual(sorted(start), sorted(first))
        for k in first:
            self.assertTrue(torch.equal(start[k], first[k]), k)
        self.assertTrue(any(k.endswith(".wp") for k in first))
        # and the second cycle trains from there
        run_train("--method", "ttq", "--init", src, "--epochs", "1", "--batch", "64", "--limit-batches", "1",
                  name="ttq-cycle2")

    def test_ttq_scales_learn_at_a_fraction_of_the_rate(self):
        args = train.parse_args(["--arch", "resnet20", "--method", "ttq", "--name", "unused", "--lr", "0.02"])
        groups = methods.param_groups(train.build_model(args), args)
        scales = [g for g in groups if any(p.dim() == 0 for p in g["params"])]
        self.assertEqual(len(scales), 1)
        self.assertEqual(scales[0]["lr_scale"], 0.01)
        self.assertEqual(len(scales[0]["params"]), 2 * 18)   # Wp, Wn of resnet20's 18 ternary convs


    def test_ttq_latent_weights_get_their_own_rate_only_when_asked(self):
        def latent_groups(*flags):
            args = train.parse_args(["--arch", "resnet20", "--method", "ttq", "--name", "unused"] + list(flags))
            model = train.build_model(args)
            ternary = [m.weight for m in model.modules() if getattr(m, "quantizer", None) is not None]
            groups = methods.param_groups(model, args)
            return [g for g in groups if any(p is w for p in g["params"] for w in ternary)], ternary, model, groups
        found, ternary, model, groups = latent_groups()
        self.assertEqual(len(groups), 3)  # the paper's rule: the groups resume files were written with
        found, ternary, model, groups = latent_groups("--ttq-latent-lr", "20")
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0]["lr_scale"], 20.0)
        self.assertEqual(len(found[0]["params"]), 18)  # the 18 ternary convs, and nothing else
        self.assertTrue(all(any(p is w for w in ternary) for p in found[0]["params"]))
        self.assertGreater(found[0]["weight_decay"], 0)
        first_last = [model.conv1.weight, model.fc.weight]  # float: the schedule's own rate
        self.assertTrue(all(g["lr_scale"] == 1.0 for g in groups for p in g["params"]
                            if any(p is w for w in first_last)))
        # He-Fan ignores the TTQ option
        args = train.parse_args(["--arch", "resnet20", "--method", "hefan", "--name", "unused", "--ttq-latent-lr", "20"])
        self.assertTrue(all(g["lr_scale"] == 1.0 for g in methods.param_groups(train.build_model(args), args)))

    def test_ttq_threshold_factor_sets_the_starting_zeros(self):
        # models/Makefile TTQ_T (runs/resnet20-ttq-b20w): a wider band starts with more zeros than the paper's t
        def zeros(t):
            args = train.parse_args(["--arch", "resnet20", "--method", "ttq", "--name", "unused", "--ttq-t", t])
            model = train.build_model(args)
            convs = [m for m in model.modules() if getattr(m, "quantizer", None) is not None]
            self.assertTrue(all(m.quantizer.t == float(t) for m in convs))
            with torch.no_grad():
                q = [m.quantizer(m.weight) for m in convs]
            return sum(int((w == 0).sum()) for w in q) / sum(w.numel() for w in q)
        torch.manual_seed(0)
        narrow = zeros("0.05")
        torch.manual_seed(0)
        wide = zeros("0.12")
        self.assertGreater(narrow, 0.0)
        self.assertGreater(wide, narrow + 0.1)

    def test_exported_file_names_the_run_it_came_from(self):
        # results.py and plot.py read the shipped file's training log through trit.run: a file shipped from
        # runs/resnet20-hefan-b20 must not be credited with runs/resnet20-hefan's epochs
        run_train("--method", "hefan", "--epochs", "1", "--batch", "64", "--limit-batches", "1", name="export-src")
        out = os.path.join(TMP, "export-src.onnx")
        p = subprocess.run([PY, os.path.join(REPO, "models", "export.py"),
                            os.path.join(TMP, "runs", "export-src", "checkpoint-final.pt"), "-o", out,
                            "--name", "resnet20-hefan"], capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        import onnx
        props = {m.key: m.value for m in onnx.load(out).metadata_props}
        self.assertEqual(props["trit.run"], "export-src")
        self.assertEqual(props["trit.name"], "resnet20-hefan")


class BaseTest(unittest.TestCase):
    def test_kept_base_is_small_fp16_and_initialises_a_run(self):
        run_train("--epochs", "1", "--batch", "64", "--limit-batches", "1", name="base-src")
        src = os.path.join(TMP, "runs", "base-src", "checkpoint-final.pt")
        base = os.path.join(TMP, "bases", "r20.pt")
        p = subprocess.run([PY, os.path.join(TRAIN_DIR, "keep_base.py"), src, "-o", base, "--recipe", "test"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertLess(os.path.getsize(base), 2 * 1024 * 1024)
        obj = torch.load(base)
        self.assertEqual(obj["state_dict"]["conv1.weight"].dtype, torch.float16)
        model, _, _ = checkpoint.load_model(base)
        ref = final_state("base-src")["conv1.weight"]
        self.assertTrue(torch.equal(model.conv1.weight, ref.half().float()))
        run_train("--method", "ttq", "--init", base, "--teacher", base, "--epochs", "1", "--batch", "64",
                  "--limit-batches", "1", name="from-base")
        p = subprocess.run([PY, os.path.join(TRAIN_DIR, "keep_base.py"),
                            os.path.join(TMP, "runs", "from-base", "checkpoint-final.pt"), "-o",
                            os.path.join(TMP, "bases", "x.pt"), "--recipe", "x"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("bases and teachers kept here are float", p.stderr)


    def test_quant_damage_reads_a_kept_base(self):
        # models/train/quant_damage.py: each method's quantizer on the base as it stands, BN re-estimated
        run_train("--epochs", "1", "--batch", "64", "--limit-batches", "1", name="damage-src")
        base = os.path.join(TMP, "bases", "damage.pt")
        subprocess.run([PY, os.path.join(TRAIN_DIR, "keep_base.py"), os.path.join(TMP, "runs", "damage-src",
                        "checkpoint-final.pt"), "-o", base, "--recipe", "test"], check=True, capture_output=True)
        p = subprocess.run([PY, os.path.join(TRAIN_DIR, "quant_damage.py"), base, "--methods", "hefan,ttq",
                            "--data", os.path.join(TMP, "cifar")], capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        lines = p.stdout.splitlines()
        self.assertEqual([l.split()[1] for l in lines], ["float", "hefan", "ttq"])
        for line in lines:
            top1 = float(line.split("top-1 ")[1].split()[0])
            self.assertTrue(0.0 <= top1 <= 100.0, line)
        self.assertNotIn("BN re-estimated", lines[0])
        self.assertIn("BN re-estimated", lines[1])


@unittest.skipUnless(os.path.isfile(TRIT), "build/native/trit is not built (make native)")
class GpuScriptSmokeTest(unittest.TestCase):
    def test_smoke_trains_every_stage_and_exports_models_trit_accepts(self):
        out = os.path.join(TMP, "gpu-smoke")
        bundle = os.path.join(TMP, "gpu-bundle")
        p = subprocess.run(["bash", os.path.join(TRAIN_DIR, "gpu_all.sh"), out, "--smoke", "--data",
                            os.path.join(TMP, "cifar"), "--stages", "r20,r56,r18", "--bundle", bundle],
                           capture_output=True, text=True, timeout=900, env=dict(os.environ, PY=PY))
        self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr[-3000:])
        names = ["resnet20-float", "resnet20-ttq", "resnet20-hefan", "resnet20-hefan2", "resnet20-tga",
                 "resnet20-ptq", "resnet56-float", "resnet56-ttq", "resnet56-hefan", "resnet18-float",
                 "resnet18-ptq"]
        for name in names:
            self.assertTrue(os.path.isfile(os.path.join(out, "runs", name, "checkpoint-final.pt")), name)
        # what comes back from a GPU machine: at most 8 files of at most 16 MiB
        parts = sorted(os.listdir(bundle))
        self.assertTrue(1 <= len(parts) <= 8, parts)
        self.assertTrue(all(os.path.getsize(os.path.join(bundle, f)) <= 16 * 1024 * 1024 for f in parts))
        # back here: unbundle into a fresh folder, export every run, trit eval accepts each file
        back = os.path.join(TMP, "gpu-back")
        p = subprocess.run(["bash", os.path.join(TRAIN_DIR, "gpu_all.sh"), back, "--unbundle", bundle,
                            "--export-only", "--data", os.path.join(TMP, "cifar")], capture_output=True, text=True,
                           timeout=900, env=dict(os.environ, PY=PY))
        self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr[-3000:])
        for name in names:
            model = os.path.join(back, "onnx", name + ".onnx")
            self.assertIn("exported %s: trit eval --limit 100 top-1:" % model, p.stdout)
            info = subprocess.run([TRIT, "info", model], capture_output=True, text=True)
            self.assertEqual(info.returncode, 0, info.stderr)
        # the small nets travel in fp32, bit for bit
        a = torch.load(os.path.join(out, "runs", "resnet20-ttq", "checkpoint-final.pt"))["model"]
        b = torch.load(os.path.join(back, "runs", "resnet20-ttq", "checkpoint-final.pt"))["model"]
        self.assertTrue(all(torch.equal(a[k], b[k]) for k in a))
        summary = read_text(os.path.join(out, "summary.txt"))
        self.assertEqual(len(summary.strip().splitlines()), len(names))
        # re-running continues from the checkpoints: nothing is trained again
        p = subprocess.run(["bash", os.path.join(TRAIN_DIR, "gpu_all.sh"), out, "--smoke", "--data",
                            os.path.join(TMP, "cifar"), "--stages", "r20"], capture_output=True, text=True,
                           timeout=900, env=dict(os.environ, PY=PY))
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("resumed", read_text(os.path.join(out, "logs", "resnet20-ttq.out")))
        bad = subprocess.run(["bash", os.path.join(TRAIN_DIR, "gpu_all.sh"), out, "--stages", "r99"],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("unknown stage r99", bad.stderr)


def load_tests(loader, tests, pattern):
    """TRIT_TRAIN_PART=smoke: only the GPU script's smoke test; =rest: all the others (make test-models runs the
    two parts side by side); unset: everything."""
    part = os.environ.get("TRIT_TRAIN_PART")
    if part not in ("smoke", "rest"):
        return tests
    keep = unittest.TestSuite()
    for suite in tests:
        for case in suite:
            if isinstance(case, GpuScriptSmokeTest) == (part == "smoke"):
                keep.addTest(case)
    return keep


if __name__ == "__main__":
    unittest.main()
