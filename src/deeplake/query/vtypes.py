"""Static types of TQL expressions, computed by the binder before any data is read."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

import numpy as np

from deeplake.query.source import JSON_HTYPES, TEXT_HTYPES, ColumnInfo

NUM = "number"  # numbers and booleans, per row an array of some shape
TEXT = "text"  # one string per row
JSON = "json"  # a whole json/list/tag tensor: one object per row
ITEM = "json value"  # an element of a json object: type known only per row
STR = "string"  # a string constant
ANY = "any"  # unknown until read (a column without a dtype)

MEDIA_HTYPES = frozenset(
    {"image", "video", "audio", "dicom", "nifti", "point_cloud", "mesh", "binary_mask",
     "segment_mask", "instance_label"}
)


@dataclass(frozen=True)
class VType:
    kind: str
    const: bool = False  # same value for every row
    shape: Optional[tuple] = ()  # per-row shape; None when it varies or is unknown
    tensor: Optional[str] = None  # the tensor this value comes from, for messages
    htype: Optional[str] = None
    dtype: Optional[str] = None
    class_names: Optional[tuple] = None
    value: Any = None  # the constant, for messages and folding

    def with_(self, **changes) -> "VType":
        return replace(self, **changes)

    @property
    def scalar_per_row(self) -> bool:
        return self.shape is not None and int(np.prod(self.shape)) == 1

    def describe(self) -> str:
        if self.tensor is not None:
            details = [f"htype {self.htype}"] if self.htype else []
            if self.dtype and self.kind == NUM:
                details.append(f"dtype {self.dtype}")
            prefix = "" if self.kind in (NUM, ANY) else f"{self.kind} "
            extra = f" ({', '.join(details)})" if details else ""
            return f"{prefix}tensor '{self.tensor}'{extra}"
        if self.const and self.kind == STR:
            return f"string {self.value!r}" if isinstance(self.value, str) else "string array"
        if self.const and self.kind == NUM:
            if self.value is not None and np.ndim(self.value) == 0:
                return f"number {self.value!r}"
            return "numeric array"
        return f"{self.kind} expression"


def type_of_column(name: str, info: ColumnInfo) -> VType:
    htype = info.base_htype
    dtype = None if info.dtype is None else np.dtype(info.dtype)
    common = dict(tensor=name, htype=info.htype, dtype=None if dtype is None else str(dtype))
    if htype in TEXT_HTYPES or (dtype is not None and dtype.kind in "USO" and htype not in JSON_HTYPES):
        return VType(TEXT, shape=(), **common)
    if htype in JSON_HTYPES:
        return VType(JSON, shape=None, **common)
    shape = tuple(info.sample_shape) if info.is_fixed_shape and info.sample_shape is not None else None
    names = tuple(info.class_names) if info.class_names else None
    if htype == "class_label" and names is None:
        names = ()
    if dtype is None and htype not in MEDIA_HTYPES and htype != "class_label":
        return VType(ANY, shape=shape, **common)
    return VType(NUM, shape=shape, class_names=names, **common)
