"""A small CIFAR-10-shaped JPEG folder for the training tests: DIR/{train,test}/<class>/NNNN.jpg, 32x32 RGB,
each class a different colour pattern plus noise, so a few steps of training already lower the loss."""
import os

import numpy as np

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def make(root, train_per_class=8, test_per_class=2, seed=0):
    from PIL import Image
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:32, 0:32]
    for split, n in (("train", train_per_class), ("test", test_per_class)):
        for label, cls in enumerate(CLASSES):
            d = os.path.join(root, split, cls)
            os.makedirs(d, exist_ok=True)
            base = np.stack([(xx * (label + 1) * 8) % 256, (yy * (10 - label) * 8) % 256,
                             np.full_like(xx, label * 25)], axis=-1).astype(np.float64)
            for i in range(n):
                img = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
                Image.fromarray(img).save(os.path.join(d, "%04d.jpg" % i), quality=75)
    return root
