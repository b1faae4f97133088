"""TensorFlow: ``ds.tensorflow()`` as a real ``tf.data.Dataset``.

Samples are read in chunk-friendly blocks by the loader's BatchReader and
yielded one by one through ``tf.data.Dataset.from_generator`` with an output
signature built from each tensor's dtype and dimensionality.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

_BLOCK = 256  # rows read per step: many samples per chunk fetch, bounded memory


def _spec(tf, src, tobytes: bool):
    meta = src.meta
    if tobytes or meta.htype in ("text", "json", "list", "tag") or meta.is_link and tobytes:
        return tf.TensorSpec(shape=(), dtype=tf.string)
    ndim = len(meta.max_shape) if meta.max_shape else 1
    if meta.is_sequence:
        ndim += 1
    dtype = tf.as_dtype(src.dtype) if src.dtype is not None else tf.string
    return tf.TensorSpec(shape=(None,) * ndim, dtype=dtype)


def _value(v, spec_is_string: bool):
    if spec_is_string:
        if isinstance(v, (bytes, bytearray)):
            return bytes(v)
        if isinstance(v, str):
            return v.encode()
        import json

        if isinstance(v, np.ndarray):
            v = v.tolist()
        return json.dumps(v).encode() if not isinstance(v, str) else v.encode()
    return np.asarray(v)


def dataset_to_tensorflow(ds, tensors: Optional[Sequence[str]] = None, tobytes=False):
    from deeplake._deps import require
    from deeplake.loader.fetch import BatchReader

    tf = require("tensorflow")
    if isinstance(tobytes, bool):
        tobytes_set = set(ds.tensors) if tobytes else set()
    else:
        tobytes_set = set(tobytes)
    reader_tensors = list(tensors) if tensors is not None else None
    names = reader_tensors or list(ds.tensors)
    decode = {n: "tobytes" for n in names if n in tobytes_set}
    reader = BatchReader(ds, tensors=reader_tensors, decode_method=decode, return_index=False, num_threads=2)
    specs = {n: _spec(tf, reader.sources[n], n in tobytes_set) for n in reader.names}
    is_str = {n: s.dtype == tf.string for n, s in specs.items()}

    def gen():
        n = len(reader)
        reader.begin_epoch([np.arange(n)])  # chunks are freed as soon as their rows are read
        for lo in range(0, n, _BLOCK):
            cols = reader.read_columns(np.arange(lo, min(lo + _BLOCK, n)))
            for j in range(len(cols[reader.names[0]]) if reader.names else 0):
                yield {k: _value(cols[k][j], is_str[k]) for k in reader.names}

    return tf.data.Dataset.from_generator(gen, output_signature=specs)
