"""CIFAR-10 loading for the training pipeline.

Two source layouts are accepted:
  * the JPEG ImageFolder copy (DIR/train/<class>/*.jpg, DIR/test/<class>/*.jpg), the default
    ../shared/data/cifar10, overridable with --data or $TRIT_CIFAR10;
  * the official binary release (DIR/cifar-10-batches-bin/data_batch_{1..5}.bin, test_batch.bin,
    or DIR itself containing those files).
Either is decoded ONCE into a uint8 array [N, 32, 32, 3] cached in models/.cache/ (git-ignored), so
training never touches JPEG again. Augmentation (pad-4 random crop, horizontal flip) and normalisation
run on tensors.
"""
import hashlib
import os

import numpy as np
import torch

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
# Per-channel mean/std of the training pixels scaled to [0, 1] (the usual CIFAR-10 values); the exporter
# writes exactly these into trit.mean / trit.std, so training and trit's preprocessing agree.
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.dirname(HERE)
REPO = os.path.dirname(MODELS_DIR)
DEFAULT_DATA = os.path.join(os.path.dirname(REPO), "shared", "data", "cifar10")
CACHE_DIR = os.path.join(MODELS_DIR, ".cache")


def default_data_dir():
    return os.environ.get("TRIT_CIFAR10", DEFAULT_DATA)


def _binary_dir(root):
    for cand in (os.path.join(root, "cifar-10-batches-bin"), root):
        if os.path.isfile(os.path.join(cand, "test_batch.bin")):
            return cand
    return None


def _read_binary(bdir, split):
    names = ["test_batch.bin"] if split == "test" else ["data_batch_%d.bin" % i for i in range(1, 6)]
    images, labels = [], []
    for name in names:
        raw = np.fromfile(os.path.join(bdir, name), dtype=np.uint8).reshape(-1, 3073)
        labels.append(raw[:, 0].astype(np.int64))
        images.append(raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return np.ascontiguousarray(np.concatenate(images)), np.concatenate(labels)


def _read_jpegs(root, split):
    from PIL import Image
    sdir = os.path.join(root, split)
    images, labels = [], []
    for label, cls in enumerate(CLASSES):
        cdir = os.path.join(sdir, cls)
        for name in sorted(os.listdir(cdir)):
            with Image.open(os.path.join(cdir, name)) as im:
                arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
            if arr.shape != (32, 32, 3):
                raise ValueError("%s: expected 32x32 RGB, got %s" % (name, arr.shape))
            images.append(arr)
            labels.append(label)
    return np.stack(images), np.asarray(labels, dtype=np.int64)


def load_split(split, root=None, cache_dir=CACHE_DIR, verbose=True):
    """Return (images uint8 [N,32,32,3], labels int64 [N]) for split 'train' or 'test'."""
    root = os.path.abspath(root or default_data_dir())
    key = hashlib.sha1(root.encode()).hexdigest()[:10]
    cache = os.path.join(cache_dir, "cifar10-%s-%s.npz" % (split, key))
    if os.path.isfile(cache):
        with np.load(cache) as z:
            return z["images"], z["labels"]
    bdir = _binary_dir(root)
    if bdir is not None:
        images, labels = _read_binary(bdir, split)
    elif os.path.isdir(os.path.join(root, split)):
        if verbose:
            print("decoding %s JPEGs from %s once (cached in %s)" % (split, root, cache_dir), flush=True)
        images, labels = _read_jpegs(root, split)
    else:
        raise FileNotFoundError("no CIFAR-10 at %s (expected %s/{train,test}/<class>/*.jpg or "
                                "cifar-10-batches-bin/)" % (root, root))
    os.makedirs(cache_dir, exist_ok=True)
    tmp = cache + ".tmp.npz"
    np.savez(tmp, images=images, labels=labels)
    os.replace(tmp, cache)
    return images, labels


def normalise(batch_uint8_nhwc):
    """uint8 [N,H,W,3] tensor → normalised float [N,3,H,W], as trit does: (p/255 - mean)/std."""
    x = batch_uint8_nhwc.permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def augment(x, generator):
    """Pad-4 (zeros, after normalisation = the mean colour) random 32x32 crop and random flip, on a
    normalised float batch [N,3,32,32]."""
    n, c, h, w = x.shape
    padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (n,), generator=generator)
    dx = torch.randint(0, 9, (n,), generator=generator)
    rows = (dy.view(n, 1) + torch.arange(h).view(1, h))            # [n, h]
    cols = (dx.view(n, 1) + torch.arange(w).view(1, w))            # [n, w]
    idx_n = torch.arange(n).view(n, 1, 1, 1)
    idx_c = torch.arange(c).view(1, c, 1, 1)
    out = padded[idx_n, idx_c, rows.view(n, 1, h, 1), cols.view(n, 1, 1, w)]
    flip = torch.rand(n, generator=generator) < 0.5
    out[flip] = out[flip].flip(3)
    return out


class Loader:
    """Minimal in-memory batch iterator over the cached uint8 array."""

    def __init__(self, images, labels, batch_size, train, seed=0, shuffle=None, augment=None):
        self.images = torch.from_numpy(images)
        self.labels = torch.from_numpy(labels)
        self.batch_size = batch_size
        self.train = train
        # the arrays are sorted by class: anything that reads a subset (BN recalibration) must shuffle
        self.shuffle = train if shuffle is None else shuffle
        self.augment = train if augment is None else augment
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self):
        return (len(self.labels) + self.batch_size - 1) // self.batch_size

    def set_epoch(self, epoch, seed=0):
        # Reproducible and resumable: the order depends only on (seed, epoch).
        self.generator.manual_seed(seed * 100003 + epoch)

    def __iter__(self):
        n = len(self.labels)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            x = normalise(self.images[idx])
            if self.augment:
                x = augment(x, self.generator)
            yield x, self.labels[idx]
