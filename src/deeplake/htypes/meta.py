"""The tensor_meta.json / tensor_info.json content of a freshly created tensor.

``build_tensor_meta`` applies every create_tensor rule of the reference:
htype parsing, htype kwargs (which live in meta and which in info),
compression requirements and allow-lists, dtype defaults and checks.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Optional, Tuple

import numpy as np

from deeplake.compression.registry import (
    SUPPORTED_COMPRESSIONS,
    get_compression_type,
    normalize_compression,
)
from deeplake.constants import FORMAT_VERSION
from deeplake.errors import (
    InvalidTensorLinkError,
    TensorMetaInvalidHtypeOverwriteKey,
    TensorMetaInvalidHtypeOverwriteValue,
    TensorMetaMissingRequiredValue,
    TensorMetaMutuallyExclusiveKeysError,
    UnsupportedCompressionError,
)
from deeplake.htypes.base import (
    COMPRESSION_SAMPLE_OR_CHUNK_REQUIRED,
    COMPRESSION_SAMPLE_REQUIRED,
    UNSPECIFIED,
    HtypeSpec,
)
from deeplake.htypes.json_schema import validate_schema
from deeplake.htypes.registry import get_htype, parse_htype

# Keys every tensor_meta.json has besides the htype's own (the reference's
# COMMON_CONFIGS; the user may pass them to create_tensor).
COMMON_KEYS = (
    "sample_compression", "chunk_compression", "dtype", "typestr", "max_chunk_size",
    "tiling_threshold", "is_sequence", "is_link", "hidden", "links", "verify",
)
LINK_FUNCTIONS = (
    "extend_id", "extend_shape", "update_shape", "extend_len", "update_len",
    "extend_info", "update_info", "extend_downsample", "update_downsample",
)
_SCHEMA_HTYPES = ("json", "list", "tag")


def _available_keys(spec: HtypeSpec):
    htype_keys = [k for k in spec.meta_defaults]
    return ["dtype", *htype_keys, *[k for k in COMMON_KEYS if k != "dtype"]]


def validate_links(links) -> dict:
    """Check a tensor_meta ``links`` mapping (companion key -> link record)."""
    if not isinstance(links, dict):
        raise InvalidTensorLinkError("Invalid tensor link.")
    for key, link in links.items():
        if not isinstance(key, str) or not isinstance(link, dict):
            raise InvalidTensorLinkError("Invalid tensor link.")
        if "extend" not in link:
            raise InvalidTensorLinkError(f"extend transform not specified for link {key}")
        if "flatten_sequence" not in link:
            raise InvalidTensorLinkError(f"flatten_sequence arg not specified for link {key}")
        for field, fn in link.items():
            if field not in ("extend", "update", "flatten_sequence"):
                raise InvalidTensorLinkError(f"Invalid key in link meta: {field}")
            if field != "flatten_sequence" and fn not in LINK_FUNCTIONS:
                raise InvalidTensorLinkError(f"Invalid {field} transform: {fn}")
    return copy.deepcopy(links)


def _missing(htype: str, key) -> TensorMetaMissingRequiredValue:
    if isinstance(key, list):
        return TensorMetaMissingRequiredValue(
            f"Htype '{htype}' requires you to specify either one of {key} inside the "
            "`create_tensor` method call. "
        )
    return TensorMetaMissingRequiredValue(
        f"Htype '{htype}' requires you to specify '{key}' inside the `create_tensor` method "
        f"call. `sample_compression` may be `None` if you want your '{htype}' data to be "
        f"uncompressed. Available compressors: {SUPPORTED_COMPRESSIONS}"
    )


def resolve_compressions(
    spec: HtypeSpec, sample_compression, chunk_compression, is_link: bool = False
) -> Tuple[Optional[str], Optional[str]]:
    """(sample_compression, chunk_compression) as stored, after every check."""
    sc, cc = sample_compression, chunk_compression
    shown = f"link[{spec.name}]" if is_link else spec.name
    if spec.compression_rule == COMPRESSION_SAMPLE_OR_CHUNK_REQUIRED:
        if sc is UNSPECIFIED and cc is UNSPECIFIED:
            raise _missing(shown, ["chunk_compression", "sample_compression"])
    elif spec.compression_rule == COMPRESSION_SAMPLE_REQUIRED:
        if cc not in (UNSPECIFIED, None):
            raise UnsupportedCompressionError(
                f"Chunk compression is not supported for {spec.name} htype."
            )
        if sc is UNSPECIFIED:
            raise _missing(shown, "sample_compression")
    sc = normalize_compression(spec.default_sample_compression if sc is UNSPECIFIED else sc)
    cc = normalize_compression(None if cc is UNSPECIFIED else cc)
    if sc and cc:
        raise TensorMetaMutuallyExclusiveKeysError(
            "Specifying both sample-wise and chunk-wise compressions for the same tensor is "
            "not yet supported."
        )
    used = cc or sc
    if used and spec.allowed_compressions is not None and used not in spec.allowed_compressions:
        raise UnsupportedCompressionError(
            f"Compression '{used}' is not supported for {spec.name} htype."
        )
    if cc and get_compression_type(cc) not in ("byte", "image"):
        # A chunk's data section is either lz4 bytes or one image canvas.
        raise UnsupportedCompressionError(
            f"Chunk compression '{cc}' is not supported: use lz4 or an image compression."
        )
    return sc, cc


def resolve_dtype(spec: HtypeSpec, dtype) -> Optional[str]:
    """The dtype string stored in meta for a create_tensor ``dtype`` argument."""
    if dtype is UNSPECIFIED or dtype is None:
        return spec.default_dtype
    if spec.name in _SCHEMA_HTYPES:
        return validate_schema(dtype)
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise TensorMetaInvalidHtypeOverwriteValue(
            f"Invalid value '{dtype}' for tensor meta key 'dtype'. Datatype must be supported "
            "by numpy. Can be an `str`, `np.dtype`, or normal python type (like `bool`, "
            "`float`, `int`, etc.)."
        ) from None
    if spec.validate_dtype is not None:
        spec.validate_dtype(spec, name)
    return name


def _check_size(key: str, value) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TensorMetaInvalidHtypeOverwriteValue(
            f"Invalid value '{value}' for tensor meta key '{key}'. Expected an int or None."
        )
    return int(value)


def build_tensor_meta(
    name: Optional[str],
    htype=UNSPECIFIED,
    dtype=UNSPECIFIED,
    sample_compression=UNSPECIFIED,
    chunk_compression=UNSPECIFIED,
    hidden: bool = False,
    max_chunk_size: Optional[int] = None,
    tiling_threshold: Optional[int] = None,
    is_sequence: bool = False,
    is_link: bool = False,
    verify: bool = True,
    **htype_kwargs: Any,
) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(tensor_meta dict, tensor_info dict) of a new, empty tensor.

    ``htype`` may carry wrappers ("sequence[link[image]]"). ``htype_kwargs``
    are the htype's own create_tensor arguments (class_names, coords, ...)
    and the internal ``typestr`` / ``links``. ``links`` in the result is {}
    unless given: the caller adds companion links (see companions.py).
    The info dict is non-empty exactly when the reference writes
    tensor_info.json at creation (htypes with ``_info`` keys).
    """
    parsed = parse_htype(htype)
    spec = get_htype(parsed.base)
    is_sequence = bool(is_sequence or parsed.is_sequence)
    is_link = bool(is_link or parsed.is_link)

    kwargs = dict(htype_kwargs)
    typestr = kwargs.pop("typestr", None)
    links = validate_links(kwargs.pop("links", None) or {})
    for key in kwargs:
        if key not in spec.allowed_user_keys:
            raise TensorMetaInvalidHtypeOverwriteKey(
                f"Htype '{spec.name}' doesn't have a key for '{key}'. "
                f"Available keys: {_available_keys(spec)}"
            )
    if spec.validate_kwargs is not None:
        kwargs = spec.validate_kwargs(spec, kwargs)

    sc, cc = resolve_compressions(spec, sample_compression, chunk_compression, is_link)
    meta: Dict[str, Any] = {
        "version": FORMAT_VERSION,
        "name": name,
        "htype": parsed.base,
        "dtype": resolve_dtype(spec, dtype),
        "typestr": typestr,
        "min_shape": [],
        "max_shape": [],
        "length": 0,
        "sample_compression": sc,
        "chunk_compression": cc,
        "max_chunk_size": _check_size("max_chunk_size", max_chunk_size),
        "tiling_threshold": _check_size("tiling_threshold", tiling_threshold),
        "hidden": bool(hidden),
        "is_sequence": is_sequence,
        "is_link": is_link,
        "verify": bool(verify),
        "links": links,
    }
    meta.update(spec.fresh_meta_defaults())
    info: Dict[str, Any] = spec.default_info()
    for key, value in kwargs.items():
        if key in spec.info_keys:
            info[key] = copy.deepcopy(value)
        else:
            meta[key] = copy.deepcopy(value)
    return meta, info


def htype_meta_updates(meta: dict, htype: str) -> dict:
    """Meta keys to set when an htype-less tensor gets its htype from data.

    As the reference: the htype's defaults fill keys that are unset (falsy),
    e.g. a text tensor gets dtype "str"; the generic htype adds nothing else.
    """
    spec = get_htype(htype)
    updates: Dict[str, Any] = {"htype": htype}
    if not meta.get("dtype") and spec.default_dtype is not None:
        updates["dtype"] = spec.default_dtype
    for key, value in spec.fresh_meta_defaults().items():
        if not meta.get(key):
            updates[key] = value
    return updates
