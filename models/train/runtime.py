"""Which device, thread count, memory format and precision a training run uses, and why.

`choose()` is a pure function of what the machine offers and what the user asked for, so it is unit-tested
(tests/models/test_train_runtime.py); `detect()` gathers those facts from the machine; `describe()` is the one line
train.py prints.

Rules (measured, models/README.md "Training speed"):
  * device: cuda when torch sees a GPU, else cpu (--device overrides).
  * threads: every core the process may use, divided among the local torchrun ranks (--threads overrides).
    On 2 cores fp32, 2 threads are 1.3-2.3x faster than 1.
  * channels_last: on. On CPU (oneDNN) it measured 443 vs 796 ms per ResNet-20 batch of 128 (AMD EPYC, 2 threads);
    on CUDA it lets bf16 convolutions use the tensor-core layouts without transposes.
  * precision, --precision auto: bf16 autocast on CUDA GPUs that support bf16 and on CPUs with AMX or AVX512-BF16
    (native bf16 dot products); fp32 elsewhere: without those instructions oneDNN emulates bf16 and a step is
    20x slower (10.7 s vs 0.52 s per ResNet-20 batch on AMD EPYC without AVX512). --precision bf16 forces it.
    Batch-norm statistics and the ternary quantizers' thresholds and scales are always computed in fp32
    (arch.QConv2d computes the effective weight outside autocast).
"""
import os
from collections import namedtuple

Runtime = namedtuple("Runtime", "device threads channels_last precision reason")

BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def choose(device, cpu_flags, cores, cuda_bf16=False, precision="auto", threads=None, local_world_size=1):
    """Pure: (device 'cpu'|'cuda', set of /proc/cpuinfo flags, usable cores, whether the GPU has bf16, the
    user's --precision and --threads, ranks on this machine) → Runtime."""
    if precision not in ("auto", "fp32", "bf16"):
        raise ValueError("precision must be auto, fp32 or bf16, not %r" % (precision,))
    if device not in ("cpu", "cuda"):
        raise ValueError("device must be cpu or cuda, not %r" % (device,))
    reasons = []
    if threads is None:
        threads = max(1, cores // max(1, local_world_size))
        if local_world_size > 1:
            reasons.append("%d threads = %d cores / %d local ranks" % (threads, cores, local_world_size))
        else:
            reasons.append("%d threads = all usable cores" % threads)
    else:
        if threads < 1:
            raise ValueError("--threads must be at least 1")
        reasons.append("%d threads (--threads)" % threads)

    if precision == "auto":
        if device == "cuda":
            precision = "bf16" if cuda_bf16 else "fp32"
            reasons.append("bf16 autocast: the GPU supports bf16" if cuda_bf16
                           else "fp32: this GPU has no bf16")
        else:
            have = [f for f in BF16_CPU_FLAGS if f in cpu_flags]
            if have:
                precision = "bf16"
                reasons.append("bf16 autocast: the CPU has %s" % "+".join(have))
            else:
                precision = "fp32"
                reasons.append("fp32: the CPU has neither AMX nor AVX512-BF16, so bf16 would be emulated")
    else:
        reasons.append("%s (--precision)" % precision)
    reasons.append("channels_last: faster convolutions on %s" % ("oneDNN" if device == "cpu" else "cuDNN"))
    return Runtime(device, threads, True, precision, "; ".join(reasons))


def cpu_flags(cpuinfo="/proc/cpuinfo"):
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def detect(device=None, precision="auto", threads=None, local_world_size=1):
    """The machine's facts fed to choose(). device None = cuda if available."""
    import torch
    has_cuda = torch.cuda.is_available()
    if device is None:
        device = "cuda" if has_cuda else "cpu"
    elif device == "cuda" and not has_cuda:
        from errors import TrainError
        raise TrainError("--device cuda: torch sees no CUDA GPU")
    cuda_bf16 = bool(device == "cuda" and torch.cuda.is_bf16_supported())
    return choose(device, cpu_flags(), usable_cores(), cuda_bf16, precision, threads, local_world_size)


# glibc mallopt parameters (malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3


def keep_freed_memory():
    """Make glibc keep freed heap memory instead of returning it to the kernel at once.

    Inference frees each layer's activations as soon as the next one is computed; with glibc's defaults the top of
    the heap is then given back (brk) and taken again, page by page, for every batch. Measured on the teacher pass
    (a ResNet-56 over the 50,000 training images, bf16, 2 threads): a third of the process's CPU time in the kernel,
    ~400 brk calls in 5 s, 104-122 s per pass; with this call 28-31 s. Training steps (whose activations live until
    the backward pass) measured the same either way. Returns whether the allocator took the settings (False
    where the C library is not glibc)."""
    import ctypes
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    # keep up to 2 GiB of free heap; grow it 64 MiB at a time; serve blocks up to 32 MiB (glibc's maximum) from the
    # heap instead of a fresh mmap each
    settings = ((M_TRIM_THRESHOLD, 2 ** 31 - 1), (M_TOP_PAD, 64 << 20), (M_MMAP_THRESHOLD, 32 << 20))
    return all(mallopt(ctypes.c_int(k), ctypes.c_int(v)) == 1 for k, v in settings)


def describe(rt, torch_version, gpu_name=None):
    where = "cuda (%s)" % gpu_name if gpu_name else rt.device
    return "runtime: %s, %d threads, %s, %s, torch %s — %s" % (
        where, rt.threads, "channels_last" if rt.channels_last else "contiguous", rt.precision, torch_version,
        rt.reason)
