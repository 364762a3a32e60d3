#!/usr/bin/env python3
"""Training speed per numeric path: ms per SGD step (batch 128, forward + backward + update) and seconds per
50,000-image epoch, for each arch × path. `make -C models bench-train` prints the table; its last line is
`resnet20: fastest <path> <S> s/epoch; fp32 1-thread <T> s/epoch; speed-up <T/S>x`.

Paths: cpu fp32 1-thread; cpu fp32 all threads (contiguous, then channels_last); cpu bf16 channels_last (autocast;
measured with fewer steps where the CPU has no AMX/AVX512-BF16, where it is emulated and very slow); cuda bf16
channels_last when a GPU is present. Steps on synthetic data: the data path is not what is timed.
  /usr/bin/python3 models/train/bench_train.py [--arch resnet20,resnet56] [--steps 6]
"""
import argparse
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import arch as archs  # noqa: E402
import runtime  # noqa: E402

EPOCH_STEPS = 391  # ceil(50,000 / 128)


def time_steps(arch, device, threads, channels_last, bf16, steps, warmup=1):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = archs.build(arch).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = torch.randn(128, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (128,), device=device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    times = []
    for i in range(warmup + steps):
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            out = model(x)
        loss = F.cross_entropy(out.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000.0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default="resnet20,resnet56")
    p.add_argument("--steps", type=int, default=6, help="timed steps per path (median)")
    a = p.parse_args(argv)
    cores = runtime.usable_cores()
    flags = runtime.cpu_flags()
    native_bf16 = any(f in flags for f in runtime.BF16_CPU_FLAGS)
    cpu_name = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu_name = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print("host: %s, %d usable cores, bf16 instructions: %s, torch %s%s" % (
        cpu_name, cores, "+".join(f for f in runtime.BF16_CPU_FLAGS if f in flags) or "none (bf16 emulated)",
        torch.__version__, ", GPU %s" % torch.cuda.get_device_name() if torch.cuda.is_available() else ""))
    paths = [("cpu fp32 1-thread", "cpu", 1, False, False, a.steps),
             ("cpu fp32 %d-thread" % cores, "cpu", cores, False, False, a.steps),
             ("cpu fp32 %d-thread channels_last" % cores, "cpu", cores, True, False, a.steps),
             ("cpu bf16 %d-thread channels_last" % cores, "cpu", cores, True, True, a.steps if native_bf16 else 2)]
    if torch.cuda.is_available():
        paths.append(("cuda bf16 channels_last", "cuda", cores, True, True, max(a.steps, 20)))
    print("| arch | path | ms per batch of 128 | s per 50k-image epoch |")
    print("|---|---|---|---|")
    results = {}
    for arch in a.arch.split(","):
        for name, device, threads, cl, bf16, steps in paths:
            ms = time_steps(arch, device, threads, cl, bf16, steps)
            results[(arch, name)] = ms
            print("| %s | %s | %.0f | %.1f |" % (arch, name, ms, ms * EPOCH_STEPS / 1000.0), flush=True)
    if "resnet20" in a.arch.split(","):
        r20 = {name: ms for (arch, name), ms in results.items() if arch == "resnet20"}
        fastest = min(r20, key=r20.get)
        slow = r20["cpu fp32 1-thread"] * EPOCH_STEPS / 1000.0
        fast = r20[fastest] * EPOCH_STEPS / 1000.0
        print("resnet20: fastest %s %.1f s/epoch; fp32 1-thread %.1f s/epoch; speed-up %.2fx" % (
            fastest, fast, slow, slow / fast))


if __name__ == "__main__":
    main()
