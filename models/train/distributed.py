"""torchrun / DistributedDataParallel, or nothing when the script runs as one process.

`python3 -m torch.distributed.run --nproc_per_node=N models/train/train.py ...` sets RANK, WORLD_SIZE, LOCAL_RANK
and LOCAL_WORLD_SIZE; from_environment() then joins the process group (nccl on GPUs, gloo on CPUs) and wrap()
returns the model in DistributedDataParallel, which averages gradients so every rank's parameters stay identical.
"""
import os

import torch


class Single:
    """One process: every collective is the identity."""
    rank, world, local_rank, local_world_size, backend = 0, 1, 0, 1, None
    is_main = True

    def wrap(self, model, device):
        return model

    def agree(self, elapsed, signalled):
        return elapsed, signalled

    def sum_metrics(self, sums):
        return sums.tolist()

    def barrier(self):
        pass

    def close(self):
        pass


class Group(Single):
    def __init__(self, use_cuda):
        import torch.distributed as dist
        self.dist = dist
        self.rank = int(os.environ["RANK"])
        self.world = int(os.environ["WORLD_SIZE"])
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.local_world_size = int(os.environ.get("LOCAL_WORLD_SIZE", str(self.world)))
        self.is_main = self.rank == 0
        self.backend = "nccl" if use_cuda else "gloo"
        if self.backend == "nccl":
            torch.cuda.set_device(self.local_rank)
        dist.init_process_group(self.backend)
        self.device = torch.device("cuda", self.local_rank) if self.backend == "nccl" else torch.device("cpu")

    def wrap(self, model, device):
        from torch.nn.parallel import DistributedDataParallel
        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def agree(self, elapsed, signalled):
        """Rank 0's clock and "any rank was signalled", the same on every rank."""
        t = torch.tensor([elapsed if self.is_main else 0.0, 1.0 if signalled else 0.0], dtype=torch.float64,
                         device=self.device)
        self.dist.all_reduce(t, op=self.dist.ReduceOp.MAX)
        return float(t[0]), bool(t[1] > 0)

    def sum_metrics(self, sums):
        t = sums.detach().to(self.device, dtype=torch.float64).clone()
        self.dist.all_reduce(t)
        return t.tolist()

    def barrier(self):
        self.dist.barrier()

    def close(self):
        if self.dist.is_initialized():
            self.dist.destroy_process_group()


def from_environment(device=None):
    """device: the --device flag (None: cuda when present)."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        return Group(device != "cpu" and torch.cuda.is_available())
    return Single()
