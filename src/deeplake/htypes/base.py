"""The contract every htype family fills in: `HtypeSpec`, plus the value
types coercion returns (`Coerced`, `CoercedBatch`).

An htype family module (image.py, class_label.py, text.py, ...) declares one
`HtypeSpec` per htype name it owns and registers it in registry.py. The
chunk engine never branches on htype names; it asks the spec.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

import numpy as np


class _Unspecified:
    """Sentinel for create_tensor arguments the user did not pass.

    Distinct from None: ``sample_compression=None`` is an explicit choice
    that satisfies the image/video "compression is required" rule.
    """

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "UNSPECIFIED"

    def __bool__(self):
        return False


UNSPECIFIED: Any = _Unspecified()

# How an htype treats compression at creation time.
COMPRESSION_OPTIONAL = "optional"
# image family: sample_compression or chunk_compression must be passed (None allowed).
COMPRESSION_SAMPLE_OR_CHUNK_REQUIRED = "sample_or_chunk_required"
# audio/video/nifti/point_cloud/mesh: sample_compression must be passed, no chunk compression.
COMPRESSION_SAMPLE_REQUIRED = "sample_required"


class Coerced(NamedTuple):
    """One sample turned into what is stored.

    value: numpy array already in the tensor dtype (numeric htypes; scalars
        come back with shape (1,)), ``bytes`` (text-like htypes and polygons:
        the serialized, uncompressed sample bytes), or None for an empty
        numeric sample (0 bytes; its shape is zeros of the tensor's ndim).
    shape: the shape recorded in the chunk's shape info; None for an empty
        numeric sample.
    """

    value: Any
    shape: Optional[Tuple[int, ...]]


@dataclass
class CoercedBatch:
    """A batch of coerced samples plus the meta/info changes they imply.

    The engine applies ``meta_updates`` to tensor_meta (e.g. dtype/typestr
    decided from the first sample, htype decided for an htype-less tensor)
    and ``info_updates`` to tensor_info (e.g. the grown class_names list),
    but only after the whole batch was stored, so a failed extend changes
    nothing.
    """

    samples: List[Coerced]
    meta_updates: Dict[str, Any] = field(default_factory=dict)
    info_updates: Dict[str, Any] = field(default_factory=dict)


# coerce(spec, meta, info, samples) -> CoercedBatch
CoerceFn = Callable[["HtypeSpec", dict, dict, list], CoercedBatch]
# validate_kwargs(spec, kwargs) -> normalized kwargs (raises on bad values)
ValidateFn = Callable[["HtypeSpec", dict], dict]
# validate_dtype(spec, dtype_name) -> None (raises on bad dtypes)
DtypeCheckFn = Callable[["HtypeSpec", str], None]


@dataclass(frozen=True)
class HtypeSpec:
    """Everything the rest of the library needs to know about one htype.

    name: the htype string stored in tensor_meta.json.
    default_dtype: dtype written at creation when the user gives none
        (numpy name, or "str" / "Any" / "List" for text-like htypes).
    meta_defaults: htype-specific keys copied into tensor_meta.json at
        creation (includes ``_info`` when some keys live in tensor_info.json).
    info_keys: keys whose real value lives in tensor_info.json.
    allowed_user_keys: htype-specific create_tensor kwargs accepted.
    compression_rule: one of the COMPRESSION_* constants above.
    allowed_compressions: compression names (canonical and aliases) allowed
        as sample/chunk compression; None means any documented compression.
    default_sample_compression: used when sample_compression is unspecified.
    has_sample_info: create the hidden ``_<t>_info`` json companion.
    has_shape_tensor: create the hidden ``_<t>_shape`` companion.
    shape_link: (extend, update) link function names of the shape companion.
    text_like: samples are serialized text/json (shape (1,) or (len,)).
    supports_downsampling: accepts create_tensor(downsampling=...).
    coerce: turns user samples into stored values (see Coerced).
    validate_kwargs / validate_dtype: creation-time checks.
    """

    name: str
    default_dtype: Optional[str]
    coerce: CoerceFn
    meta_defaults: Dict[str, Any] = field(default_factory=dict)
    info_keys: Tuple[str, ...] = ()
    allowed_user_keys: frozenset = frozenset()
    compression_rule: str = COMPRESSION_OPTIONAL
    allowed_compressions: Optional[Tuple[str, ...]] = None
    default_sample_compression: Optional[str] = None
    has_sample_info: bool = False
    has_shape_tensor: bool = True
    shape_link: Tuple[str, str] = ("extend_shape", "update_shape")
    text_like: bool = False
    supports_downsampling: bool = False
    validate_kwargs: Optional[ValidateFn] = None
    validate_dtype: Optional[DtypeCheckFn] = None

    def fresh_meta_defaults(self) -> Dict[str, Any]:
        """A deep copy of meta_defaults, safe to mutate."""
        return copy.deepcopy(self.meta_defaults)

    def default_info(self) -> Dict[str, Any]:
        """tensor_info.json content of a new tensor that got no htype kwargs."""
        return {key: copy.deepcopy(self.meta_defaults[key]) for key in self.info_keys}


def info_meta_defaults(**info_defaults) -> Dict[str, Any]:
    """meta_defaults for an htype whose keys live in tensor_info.json."""
    defaults: Dict[str, Any] = dict(info_defaults)
    defaults["_info"] = list(info_defaults)
    return defaults


def as_shape(value: np.ndarray) -> Tuple[int, ...]:
    """Shape recorded for a stored numeric sample (scalars are (1,))."""
    return tuple(int(d) for d in value.shape) or (1,)
