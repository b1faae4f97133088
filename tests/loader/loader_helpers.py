import numpy as np

import deeplake


class RawJpeg:
    """Ready-compressed bytes for tensor.extend (lets a test store a corrupt file)."""

    def __init__(self, data, shape):
        self.data = data
        self.shape = shape
        self.dtype = np.dtype("uint8")
        self.compression = "jpeg"

    def compressed_bytes(self, compression):
        return self.data


def make_images_ds(path="mem://loader", n=50, side=16, chunk=None):
    rng = np.random.default_rng(0)
    ds = deeplake.empty(path, overwrite=True)
    kw = {"max_chunk_size": chunk} if chunk else {}
    ds.create_tensor("images", htype="image", sample_compression="jpeg", **kw)
    ds.create_tensor("labels", htype="class_label")
    ds.images.extend(rng.integers(0, 255, (n, side, side, 3), dtype=np.uint8))
    ds.labels.extend((np.arange(n) % 7).astype(np.uint32))
    return ds
