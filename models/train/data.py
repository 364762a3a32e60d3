"""CIFAR-10 for the training pipeline: decoded once, kept on the training device, augmented there in batches.

Sources (--data, $TRIT_CIFAR10, default ../shared/data/cifar10):
  * the JPEG ImageFolder copy: DIR/train/<class>/*.jpg, DIR/test/<class>/*.jpg;
  * the official binary release: DIR/cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin (or DIR holding them);
  * a JPEG pack written by pack_data.py (one .npz of the original JPEG bytes, ~53 MiB for all 60,000 images):
    what travels to a GPU machine that has no ../shared. Decoding the same bytes gives the same pixels.
Whatever the source, it is decoded ONCE into uint8 [N, 32, 32, 3] arrays cached in models/.cache/ (git-ignored;
$TRIT_DATA_CACHE overrides), so training never touches a JPEG.

Loader keeps the uint8 array on the training device. All randomness of an epoch (order, crop offsets, flips, cutout
centres) is drawn when the epoch starts from a generator seeded with (seed, epoch), so any batch of any epoch can be
reproduced without replaying the ones before it: that is what makes --resume exact mid-epoch. Under torchrun every
rank draws the same plan and takes its slice of each global batch, so N ranks see exactly the samples and
augmentations that one process with the same global batch sees.

With `variants` K > 0 (train.py --kd-variants), each image has only K augmentations (crop offset and flip), drawn
once from the seed; an epoch picks one of them per image. The teacher's logits for all N·K of them can then be
computed once (teacher_cache.py) instead of at every step; `batches(with_ids=True)` says which were drawn.
"""
import hashlib
import os

import numpy as np
import torch

from errors import TrainError

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
JPEG_SUFFIXES = (".jpg", ".jpeg", ".png")


def default_data_dir():
    return os.environ.get("TRIT_CIFAR10", DEFAULT_DATA)


def default_cache_dir():
    return os.environ.get("TRIT_DATA_CACHE", CACHE_DIR)


# ---------------------------------------------------------------------------------------------------------
# sources

def _binary_dir(root):
    for cand in (os.path.join(root, "cifar-10-batches-bin"), root):
        if os.path.isfile(os.path.join(cand, "test_batch.bin")):
            return cand
    return None


def _read_binary(bdir, split):
    names = ["test_batch.bin"] if split == "test" else ["data_batch_%d.bin" % i for i in range(1, 6)]
    images, labels = [], []
    for name in names:
        path = os.path.join(bdir, name)
        try:
            raw = np.fromfile(path, dtype=np.uint8)
        except OSError as e:
            raise TrainError("cannot read %s: %s" % (path, e.strerror or e))
        if raw.size == 0 or raw.size % 3073:
            raise TrainError("%s: %d bytes is not a whole number of 3,073-byte CIFAR-10 records" % (path, raw.size))
        raw = raw.reshape(-1, 3073)
        labels.append(raw[:, 0].astype(np.int64))
        images.append(raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return np.ascontiguousarray(np.concatenate(images)), np.concatenate(labels)


def _list_jpegs(root, split):
    """[(path, label)] of DIR/split/<class>/*, sorted; errors name what is missing."""
    sdir = os.path.join(root, split)
    files = []
    for label, cls in enumerate(CLASSES):
        cdir = os.path.join(sdir, cls)
        if not os.path.isdir(cdir):
            raise TrainError("%s: no folder for class %r (expected %s/<class>/*.jpg for the 10 CIFAR-10 classes)"
                             % (sdir, cls, sdir))
        names = sorted(n for n in os.listdir(cdir) if n.lower().endswith(JPEG_SUFFIXES))
        files.extend((os.path.join(cdir, n), label) for n in names)
    if not files:
        raise TrainError("%s: no images (no .jpg/.png files in any class folder)" % sdir)
    return files


def decode_image(data, name):
    """JPEG/PNG bytes → uint8 [32, 32, 3]; a clear error naming the file otherwise."""
    import io
    try:
        from PIL import Image
    except ImportError:  # a machine with torchvision but no Pillow
        return _decode_with_torchvision(data, name)
    try:
        with Image.open(io.BytesIO(data)) as im:
            arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
    except Exception as e:  # PIL raises several types for broken files
        raise TrainError("cannot decode %s: %s" % (name, e))
    if arr.shape != (32, 32, 3):
        raise TrainError("%s: expected a 32x32 RGB image, got %dx%d" % (name, arr.shape[1], arr.shape[0]))
    return arr


def _decode_with_torchvision(data, name):
    from torchvision.io import ImageReadMode, decode_image as tv_decode
    try:
        arr = tv_decode(torch.frombuffer(bytearray(data), dtype=torch.uint8), ImageReadMode.RGB)
    except Exception as e:
        raise TrainError("cannot decode %s: %s" % (name, e))
    arr = arr.permute(1, 2, 0).numpy()
    if arr.shape != (32, 32, 3):
        raise TrainError("%s: expected a 32x32 RGB image, got %dx%d" % (name, arr.shape[1], arr.shape[0]))
    return arr


def _decode_one(item):
    data, name = item
    return decode_image(data, name)


def decode_all(blobs, names):
    """Decode many JPEGs, in parallel when there are many and cores to spare (a GPU machine decodes the pack)."""
    items = list(zip(blobs, names))
    workers = min(16, os.cpu_count() or 1)
    if len(items) < 2000 or workers < 3:
        return np.stack([_decode_one(it) for it in items])
    import multiprocessing as mp
    with mp.get_context("fork").Pool(workers) as pool:
        return np.stack(pool.map(_decode_one, items, chunksize=512))


def _read_jpegs(root, split):
    files = _list_jpegs(root, split)
    blobs = []
    for path, _ in files:
        try:
            with open(path, "rb") as f:
                blobs.append(f.read())
        except OSError as e:
            raise TrainError("cannot read %s: %s" % (path, e.strerror or e))
    images = decode_all(blobs, [p for p, _ in files])
    return images, np.asarray([label for _, label in files], dtype=np.int64)


def is_pack(path):
    return os.path.isfile(path) and path.endswith(".npz")


def _read_pack(path, split):
    try:
        with np.load(path) as z:
            blob, offsets, labels = z[split + "_bytes"], z[split + "_offsets"], z[split + "_labels"]
    except (OSError, ValueError, KeyError) as e:
        raise TrainError("%s is not a CIFAR-10 JPEG pack from pack_data.py (%s)" % (path, e))
    blobs = [blob[offsets[i]:offsets[i + 1]].tobytes() for i in range(len(labels))]
    names = ["%s[%s %d]" % (os.path.basename(path), split, i) for i in range(len(labels))]
    return decode_all(blobs, names), labels.astype(np.int64)


def _source_key(root, split):
    """Cache key: the source path and what is in it (file count, newest mtime), so a changed folder is re-read."""
    h = hashlib.sha1(root.encode())
    if os.path.isfile(root):
        st = os.stat(root)
        h.update(("%d %d" % (st.st_size, st.st_mtime_ns)).encode())
    else:
        sdir = os.path.join(root, split)
        if os.path.isdir(sdir):
            count, newest = 0, 0
            for cls in sorted(os.listdir(sdir)):
                cdir = os.path.join(sdir, cls)
                if os.path.isdir(cdir):
                    with os.scandir(cdir) as it:
                        for entry in it:
                            count += 1
                            newest = max(newest, entry.stat().st_mtime_ns)
            h.update(("%d %d" % (count, newest)).encode())
    return h.hexdigest()[:10]


def load_split(split, root=None, cache_dir=None, verbose=True):
    """Return (images uint8 [N,32,32,3], labels int64 [N]) for split 'train' or 'test'."""
    root = os.path.abspath(root or default_data_dir())
    cache_dir = cache_dir or default_cache_dir()
    if not os.path.exists(root):
        raise TrainError("no CIFAR-10 at %s: pass --data DIR (a folder with train/ and test/ class folders of "
                         "JPEGs, a cifar-10-batches-bin/ folder, or a pack from pack_data.py) or set $TRIT_CIFAR10"
                         % root)
    cache = os.path.join(cache_dir, "cifar10-%s-%s.npz" % (split, _source_key(root, split)))
    if os.path.isfile(cache):
        with np.load(cache) as z:
            return z["images"], z["labels"]
    if is_pack(root):
        if verbose:
            print("decoding %s JPEGs from the pack %s once (cached in %s)" % (split, root, cache_dir), flush=True)
        images, labels = _read_pack(root, split)
    elif _binary_dir(root) is not None:
        images, labels = _read_binary(_binary_dir(root), split)
    elif os.path.isdir(os.path.join(root, split)):
        if verbose:
            print("decoding %s JPEGs from %s once (cached in %s)" % (split, root, cache_dir), flush=True)
        images, labels = _read_jpegs(root, split)
    else:
        raise TrainError("%s holds no CIFAR-10 %s split (expected %s/%s/<class>/*.jpg, cifar-10-batches-bin/, "
                         "or a pack .npz)" % (root, split, root, split))
    os.makedirs(cache_dir, exist_ok=True)
    tmp = cache + ".tmp.%d.npz" % os.getpid()
    np.savez(tmp, images=images, labels=labels)
    os.replace(tmp, cache)
    return images, labels


# ---------------------------------------------------------------------------------------------------------
# tensors

_STATS = {}


def _mean_std(device):
    """MEAN and STD as [1,3,1,1] tensors on `device`, made once (no host→device copy per batch)."""
    key = str(device)
    if key not in _STATS:
        _STATS[key] = (torch.tensor(MEAN, device=device).view(1, 3, 1, 1),
                       torch.tensor(STD, device=device).view(1, 3, 1, 1))
    return _STATS[key]


def normalise(batch_uint8_nhwc):
    """uint8 [N,H,W,3] tensor → normalised float [N,3,H,W], as trit does: (p/255 - mean)/std."""
    x = batch_uint8_nhwc.permute(0, 3, 1, 2).float().div_(255.0)
    mean, std = _mean_std(x.device)
    return (x - mean) / std


def augment(x, dy, dx, flip, cut_y=None, cut_x=None, cutout=0):
    """Batched on x's device: pad-4 (zeros after normalisation = the mean colour) and a 32x32 crop at offsets
    (dy, dx) in [0, 8], horizontal flip where `flip`, and optionally a cutout square of side `cutout` centred at
    (cut_y, cut_x), zeroed (DeVries & Taylor 2017)."""
    n, c, h, w = x.shape
    padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
    ar_h = torch.arange(h, device=x.device)
    ar_w = torch.arange(w, device=x.device)
    rows = dy.view(n, 1) + ar_h.view(1, h)
    cols = dx.view(n, 1) + ar_w.view(1, w)
    cols = torch.where(flip.view(n, 1), (dx.view(n, 1) + (w - 1) - ar_w.view(1, w)), cols)
    idx_n = torch.arange(n, device=x.device).view(n, 1, 1, 1)
    idx_c = torch.arange(c, device=x.device).view(1, c, 1, 1)
    out = padded[idx_n, idx_c, rows.view(n, 1, h, 1), cols.view(n, 1, 1, w)]
    if cutout:
        top, left = cut_y.view(n, 1) - cutout // 2, cut_x.view(n, 1) - cutout // 2
        inside_y = (ar_h.view(1, h) >= top) & (ar_h.view(1, h) < top + cutout)
        inside_x = (ar_w.view(1, w) >= left) & (ar_w.view(1, w) < left + cutout)
        keep = ~(inside_y.view(n, 1, h, 1) & inside_x.view(n, 1, 1, w))
        out = out * keep.to(out.dtype)
    return out


class EpochPlan:
    """Everything random about one epoch, drawn at once on the CPU from (seed, epoch) (the same numbers on any
    device), then moved to the training device in one copy per array."""

    def __init__(self, n, seed, epoch, shuffle, augment_on, cutout, device="cpu", variants=0):
        g = torch.Generator().manual_seed(seed * 100003 + epoch)
        self.order = (torch.randperm(n, generator=g) if shuffle else torch.arange(n)).to(device)
        self.dy = self.dx = self.flip = self.cut_y = self.cut_x = self.variant = None
        if augment_on and variants:
            # which of its K fixed augmentations each position's image gets (Loader.variant_dy, _dx, _flip hold them)
            self.variant = torch.randint(0, variants, (n,), generator=g).to(device)
        elif augment_on:
            self.dy = torch.randint(0, 9, (n,), generator=g).to(device)
            self.dx = torch.randint(0, 9, (n,), generator=g).to(device)
            self.flip = (torch.rand(n, generator=g) < 0.5).to(device)
            if cutout:
                self.cut_y = torch.randint(0, 32, (n,), generator=g).to(device)
                self.cut_x = torch.randint(0, 32, (n,), generator=g).to(device)


def rank_slice(start, stop, rank, world):
    """[lo, hi) of rank's share of positions start..stop-1: sizes differ by at most one, lower ranks larger
    (torch.tensor_split's rule)."""
    n = stop - start
    base, extra = divmod(n, world)
    lo = start + rank * base + min(rank, extra)
    return lo, lo + base + (1 if rank < extra else 0)


class Loader:
    """Batches of (normalised float images, labels) on `device`.

    batch_size is the GLOBAL batch; with world > 1 this rank yields its slice of each global batch (sizes differ
    by at most one; a last batch smaller than the number of ranks is dropped so that every rank steps together).
    """

    def __init__(self, images, labels, batch_size, train, seed=0, shuffle=None, augment=None, cutout=0,
                 device="cpu", rank=0, world=1, variants=0):
        self.images = torch.from_numpy(np.ascontiguousarray(images)).to(device)
        self.labels = torch.from_numpy(np.asarray(labels)).to(device)
        self.batch_size = batch_size
        self.train = train
        # the arrays are sorted by class: anything that reads a subset (BN recalibration) must shuffle
        self.shuffle = train if shuffle is None else shuffle
        self.augment = train if augment is None else augment
        self.cutout = cutout
        self.seed = seed
        self.device = device
        self.rank, self.world = rank, world
        n = len(self.labels)
        self.variants = variants if self.augment else 0
        if self.variants and cutout:
            raise TrainError("fixed augmentation variants (--kd-variants) do not include cutout: use one or the other")
        if self.variants:
            # [N, K] crop offsets and flips, from a stream of its own (epoch plans use seed * 100003 + epoch >= 0)
            g = torch.Generator().manual_seed(seed * 100003 - 1)
            self.variant_dy = torch.randint(0, 9, (n, variants), generator=g).to(device)
            self.variant_dx = torch.randint(0, 9, (n, variants), generator=g).to(device)
            self.variant_flip = (torch.rand(n, variants, generator=g) < 0.5).to(device)
        self.steps = (n + batch_size - 1) // batch_size
        if world > 1 and n - (self.steps - 1) * batch_size < world:
            self.steps -= 1

    def __len__(self):
        return self.steps

    def batches(self, epoch=0, start=0, stop=None, with_ids=False):
        """Yield (x, y) for global batches start .. stop-1 of `epoch`; with_ids (needs variants): (x, y, ids),
        ids = image · K + variant, the rows of teacher_cache's logits."""
        n = len(self.labels)
        if with_ids and not self.variants:
            raise ValueError("with_ids needs a Loader with variants")
        plan = EpochPlan(n, self.seed, epoch, self.shuffle, self.augment, self.cutout, self.device, self.variants)
        stop = self.steps if stop is None else min(stop, self.steps)
        for i in range(start, stop):
            lo, hi = rank_slice(i * self.batch_size, min(n, (i + 1) * self.batch_size), self.rank, self.world)
            idx = plan.order[lo:hi]
            x = normalise(self.images[idx])
            if self.variants:
                v = plan.variant[lo:hi]
                x = augment(x, self.variant_dy[idx, v], self.variant_dx[idx, v], self.variant_flip[idx, v])
                yield (x, self.labels[idx], idx * self.variants + v) if with_ids else (x, self.labels[idx])
                continue
            if self.augment:
                part = lambda t: None if t is None else t[lo:hi]  # noqa: E731
                x = augment(x, part(plan.dy), part(plan.dx), part(plan.flip), part(plan.cut_y), part(plan.cut_x),
                            self.cutout)
            yield x, self.labels[idx]

    def variant_batches(self, variant, batch_size):
        """Every image in order, with its augmentation number `variant`: yields (x, ids) (teacher_cache.py)."""
        n = len(self.labels)
        for lo in range(0, n, batch_size):
            idx = torch.arange(lo, min(n, lo + batch_size), device=self.images.device)
            x = augment(normalise(self.images[idx]), self.variant_dy[idx, variant], self.variant_dx[idx, variant],
                        self.variant_flip[idx, variant])
            yield x, idx * self.variants + variant

    def __iter__(self):
        return self.batches(0)
