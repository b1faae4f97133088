"""polygon htype: a sample is a list of polygons, each (points, ndim) (FORMAT.md §3.8).

Stored bytes: u16 LE number of polygons, u16 LE point count per polygon,
then every point of every polygon in the tensor dtype, C order. An empty
sample is 0 bytes. Recorded shape: (num_polygons, max_points, ndim).
Coordinates are cast to the tensor dtype without a safety check (as the
reference does: polygons are usually float pixel coordinates).
"""

from __future__ import annotations

from typing import Iterator, List, Sequence, Tuple

import numpy as np

from deeplake.errors import TensorInvalidSampleShapeError
from deeplake.htypes._compressions import BYTE_ONLY
from deeplake.htypes.base import Coerced, CoercedBatch, HtypeSpec

_U16_MAX = 65535


class Polygons:
    """A polygon sample: a list of (points, ndim) arrays sharing one ndim."""

    def __init__(self, data=None, dtype="float32"):
        self.dtype = np.dtype(dtype).name
        if data is None:
            data = []
        if isinstance(data, Polygons):
            data = data.data
        polygons: List[np.ndarray] = []
        for polygon in data:
            if polygon is None or len(polygon) == 0:
                raise TensorInvalidSampleShapeError(
                    "A polygons sample can be empty or None but a polygon within a sample "
                    "cannot be empty or None."
                )
            arr = np.asarray(polygon, dtype=self.dtype)
            if arr.ndim != 2:
                raise TensorInvalidSampleShapeError(
                    f"Each polygon must be a (points, ndim) array, got shape {arr.shape}."
                )
            polygons.append(arr)
        ndims = {p.shape[1] for p in polygons}
        if len(ndims) > 1:
            raise TensorInvalidSampleShapeError(
                f"All points of a polygons sample must have the same number of "
                f"co-ordinates, got {sorted(ndims)}."
            )
        self.data = polygons
        # ndim of the polygons' space, not of the sample
        self.ndim = ndims.pop() if ndims else 0

    @property
    def shape(self) -> Tuple[int, int, int]:
        return (len(self.data), max((len(p) for p in self.data), default=0), self.ndim)

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.data)

    def __getitem__(self, i) -> np.ndarray:
        return self.data[i]

    def numpy(self) -> List[np.ndarray]:
        return list(self.data)

    def astype(self, dtype) -> "Polygons":
        return Polygons(self.data, dtype)

    def tobytes(self) -> bytes:
        return encode_polygons(self.data, self.dtype)

    @classmethod
    def frombuffer(cls, data, dtype, ndim: int) -> "Polygons":
        return cls(decode_polygons(data, dtype, ndim), dtype)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Polygons):
            return NotImplemented
        return len(self) == len(other) and all(
            np.array_equal(a, b) for a, b in zip(self.data, other.data)
        )

    def __repr__(self) -> str:
        return f"Polygons(shape={self.shape}, dtype={self.dtype})"


def encode_polygons(polygons: Sequence, dtype="float32") -> bytes:
    """Serialize a list of (points, ndim) polygons."""
    if not isinstance(polygons, Polygons):
        polygons = Polygons(polygons, dtype)
    if not len(polygons):
        return b""
    if len(polygons) > _U16_MAX:
        raise TensorInvalidSampleShapeError("Maximum number of polygons per sample is 65535.")
    lengths = np.array([len(p) for p in polygons], dtype=np.int64)
    if lengths.max() > _U16_MAX:
        raise TensorInvalidSampleShapeError("Maximum number of points per polygon is 65535.")
    target = np.dtype(dtype).newbyteorder("<")
    header = np.empty(1 + len(lengths), dtype="<u2")
    header[0] = len(lengths)
    header[1:] = lengths
    points = b"".join(np.ascontiguousarray(p, dtype=target).tobytes() for p in polygons)
    return header.tobytes() + points


def decode_polygons(data, dtype, ndim: int) -> List[np.ndarray]:
    """Inverse of encode_polygons; ``ndim`` is the last dim of the tensor's shape."""
    if not len(data):
        return []
    buf = bytes(data)
    count = int.from_bytes(buf[:2], "little")
    offset = 2 + 2 * count
    lengths = np.frombuffer(buf, dtype="<u2", count=count, offset=2)
    points = np.frombuffer(buf, dtype=np.dtype(dtype).newbyteorder("<"), offset=offset)
    points = points.astype(np.dtype(dtype), copy=False).reshape(-1, ndim)
    bounds = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))
    return [points[bounds[i]:bounds[i + 1]] for i in range(count)]


def _coerce_polygon(spec, meta, info, samples) -> CoercedBatch:
    dtype = meta.get("dtype") or spec.default_dtype
    out = []
    for sample in samples:
        polygons = Polygons(sample, dtype)
        out.append(Coerced(polygons.tobytes(), polygons.shape))
    return CoercedBatch(out)


POLYGON = HtypeSpec(
    name="polygon",
    default_dtype="float32",
    coerce=_coerce_polygon,
    allowed_compressions=BYTE_ONLY,
)

SPECS = (POLYGON,)
