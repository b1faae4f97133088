"""Tensor.timestamps and Tensor.play for video tensors.

Timestamps come from the codec's packet timestamps (no frame is decoded).
``play`` writes the stored file once to a temporary
folder and hands its path to a notebook video widget when IPython runs.
"""
from __future__ import annotations

import hashlib
import os
import tempfile

import numpy as np


def _check_video(tensor) -> None:
    if tensor.meta.htype != "video":
        raise ValueError(f"Only video tensors support this; '{tensor.name}' has htype '{tensor.htype}'.")
    if not tensor._is_single():
        raise ValueError("Needs a single video sample, e.g. ds.videos[0].")


def _video_bytes(tensor) -> bytes:
    return tensor.tobytes()


def timestamps(tensor) -> np.ndarray:
    from deeplake import compression as codecs

    _check_video(tensor)
    comp = tensor.meta.sample_compression or "mp4"
    ts = codecs.video_timestamps(_video_bytes(tensor), comp)
    inner = tensor.index.values[1:]
    if inner:
        v = inner[0].value
        ts = ts[list(v)] if isinstance(v, tuple) else ts[v]
    return np.atleast_1d(ts)


def play(tensor) -> str:
    """Write the video to a file (once per content) and show it in a notebook; returns its path."""
    _check_video(tensor)
    if tensor.is_link:
        path = tensor.path()[0]
        if os.path.exists(path):
            return _show(os.path.abspath(path))
    buf = _video_bytes(tensor)
    ext = tensor.meta.sample_compression or "mp4"
    folder = os.path.join(tempfile.gettempdir(), "deeplake_play")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, hashlib.sha1(buf).hexdigest()[:16] + "." + ext)
    if not os.path.exists(path):
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            f.write(buf)
        os.replace(tmp, path)
    return _show(path)


def _show(path: str) -> str:
    try:
        from IPython import get_ipython
        from IPython.display import Video, display
    except ImportError:
        return path
    if get_ipython() is not None:
        display(Video(path, embed=False))
    return path


def is_frame_range_read(tensor) -> bool:
    """A video tensor read with a frame index: decode only the selected frames."""
    from deeplake.compression import get_compression_type

    sub = tensor.index.values[1:]
    sc = tensor.meta.sample_compression
    return (bool(sub) and tensor.meta.htype == "video" and not tensor.is_link and not tensor.meta.is_sequence
            and sc is not None and get_compression_type(sc) == "video"
            and isinstance(sub[0].value, (int, np.integer, slice)))


def read_frames(tensor, index: int) -> np.ndarray:
    from deeplake import compression as codecs

    sub = tensor.index.values[1:]
    first = sub[0].value
    eng = tensor._engine
    buf = eng.read_bytes(index)
    if isinstance(first, slice):
        arr = codecs.decompress_array(buf, tensor.meta.sample_compression, dtype=eng.np_dtype,
                                      start=first.start, stop=first.stop, step=first.step)
    else:
        n = int(eng.read_shape(index)[0])
        i = int(first) + (n if first < 0 else 0)
        if not 0 <= i < n:
            raise IndexError(f"Frame {int(first)} is out of range for a video of {n} frames.")
        arr = codecs.decompress_array(buf, tensor.meta.sample_compression, dtype=eng.np_dtype,
                                      start=i, stop=i + 1)[0]
    rest = tuple(e.value for e in sub[1:])
    if rest:
        arr = arr[(slice(None),) + rest] if isinstance(first, slice) else arr[rest]
    return arr
