"""text, json, list and tag htypes and their byte encodings (FORMAT.md §3.6-3.7).

* text: UTF-8 bytes of the string; shape (1,).
* json: ``json.dumps(obj)`` with Python's default separators and
  ensure_ascii, UTF-8; shape (1,). numpy arrays, bytes and compressed
  Samples inside use the ``_hub_custom_type`` object encoding (§3.7).
* list, tag: ``json.dumps(list)``; shape (len(list),).
* None is stored as "" / {} / [] (text / json / list and tag).

Bytes are returned uncompressed; a tensor's lz4 sample/chunk compression is
applied by the engine.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from deeplake.errors import (
    SampleHtypeMismatchError,
    TensorDtypeMismatchError,
    TensorMetaInvalidHtypeOverwriteValue,
)
from deeplake.htypes._compressions import BYTE_ONLY
from deeplake.htypes.base import Coerced, CoercedBatch, HtypeSpec
from deeplake.htypes.json_schema import conforms

CUSTOM_TYPE_KEY = "_hub_custom_type"
TEXT_LIKE_HTYPES = ("text", "json", "list", "tag")

# Builds a Sample from (buffer, compression) when json holding a compressed
# Sample is decoded; the core layer may replace it (register_sample_factory).
_sample_factory: Optional[Callable[[bytes, str], Any]] = None


def register_sample_factory(factory: Callable[[bytes, str], Any]) -> None:
    """Make decode_json return ``factory(buffer, compression)`` for Sample objects."""
    global _sample_factory
    _sample_factory = factory


def _make_sample(buffer: bytes, compression: str) -> Any:
    if _sample_factory is not None:
        return _sample_factory(buffer, compression)
    # no Sample class registered (the core registers one): keep the raw record
    return {CUSTOM_TYPE_KEY: "Sample", "data": buffer, "compression": compression}


def _b64(data) -> str:
    return base64.b64encode(bytes(data)).decode()


class DeepLakeJSONEncoder(json.JSONEncoder):
    """json.JSONEncoder writing numpy arrays, bytes and Samples as §3.7 objects."""

    def default(self, obj):
        if isinstance(obj, np.ndarray):
            if obj.dtype == object:
                return obj.tolist()
            return {
                CUSTOM_TYPE_KEY: "ndarray",
                "data": _b64(np.ascontiguousarray(obj).tobytes()),
                "shape": list(obj.shape),
                "dtype": obj.dtype.str,
            }
        if isinstance(obj, (bytes, bytearray, memoryview)):
            return {CUSTOM_TYPE_KEY: "bytes", "data": _b64(obj)}
        if isinstance(obj, np.generic):  # numpy scalars read back as Python numbers
            return obj.item()
        if hasattr(obj, "compression") and (hasattr(obj, "buffer") or hasattr(obj, "array")):
            if obj.compression:
                return {
                    CUSTOM_TYPE_KEY: "Sample",
                    "data": _b64(obj.buffer),
                    "compression": obj.compression,
                }
            return self.default(np.asarray(obj.array))
        return super().default(obj)


def _object_hook(obj: dict):
    kind = obj.get(CUSTOM_TYPE_KEY)
    if kind == "ndarray":
        data = base64.b64decode(obj["data"])
        return np.frombuffer(data, dtype=obj["dtype"]).reshape(obj["shape"]).copy()
    if kind == "bytes":
        return base64.b64decode(obj["data"])
    if kind == "Sample":
        return _make_sample(base64.b64decode(obj["data"]), obj["compression"])
    return obj


def json_dumps(obj: Any) -> str:
    """json.dumps with the custom object encoding (used for info files too)."""
    return json.dumps(obj, cls=DeepLakeJSONEncoder)


def json_loads(text) -> Any:
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text).decode("utf-8")
    return json.loads(text, object_hook=_object_hook)


def encode_text(value: str) -> bytes:
    return value.encode("utf-8")


def decode_text(data) -> str:
    return bytes(data).decode("utf-8")


def encode_json(obj: Any) -> bytes:
    return json_dumps(obj).encode("utf-8")


def decode_json(data) -> Any:
    return json_loads(data)


encode_list = encode_json


def decode_list(data) -> list:
    return json_loads(data) if len(data) else []


# ---- coercion of user samples -------------------------------------------------------


def to_text(sample: Any) -> str:
    """A text sample as str (None -> "", numbers -> str(n), bytes -> UTF-8 text)."""
    if sample is None:
        return ""
    if isinstance(sample, str):
        return str(sample)
    if isinstance(sample, np.ndarray) and sample.size == 1:
        sample = sample.reshape(()).item()
        return sample.decode("utf-8") if isinstance(sample, bytes) else str(sample)
    if isinstance(sample, (bytes, bytearray)):
        return bytes(sample).decode("utf-8")
    if isinstance(sample, (int, float, np.integer, np.floating)) and not isinstance(sample, bool):
        return str(sample)
    raise SampleHtypeMismatchError(f"Expected str for a text tensor, received: {sample!r}")


def _json_value(sample: Any) -> Any:
    if sample is None:
        return {}
    if isinstance(sample, np.ndarray):
        if sample.ndim == 0 or sample.dtype != object:
            return sample.tolist()
        return list(sample)
    return sample


def _list_value(sample: Any) -> Any:
    if sample is None:
        return []
    if isinstance(sample, np.ndarray):
        return list(sample) if sample.dtype == object else sample.tolist()
    if isinstance(sample, tuple):
        return list(sample)
    return sample


def _tag_value(sample: Any) -> list:
    sample = _list_value(sample)
    return sample if isinstance(sample, list) else [sample]


def _check_schema(value: Any, schema: str, htype: str) -> None:
    if not conforms(value, schema):
        raise TensorDtypeMismatchError(
            f"Sample {value!r} does not match the schema '{schema}' of this {htype} tensor."
        )


def _encode(value: Any) -> bytes:
    try:
        return encode_json(value)
    except (TypeError, ValueError) as e:
        raise SampleHtypeMismatchError(f"Sample is not JSON serializable: {e}") from None


def encode_text_sample(htype: str, sample: Any, schema: str = "Any") -> Tuple[bytes, Tuple[int, ...]]:
    """(bytes, shape) of one user sample of a text-like htype."""
    if htype == "text":
        return encode_text(to_text(sample)), (1,)
    if htype == "json":
        value = _json_value(sample)
        _check_schema(value, schema, htype)
        return _encode(value), (1,)
    if htype == "list":
        value = _list_value(sample)
        if not isinstance(value, list):
            raise TensorDtypeMismatchError(
                f"Samples of a list tensor must be lists, received: {type(sample)}"
            )
    elif htype == "tag":
        value = _tag_value(sample)
    else:
        raise ValueError(f"{htype} is not a text-like htype")
    _check_schema(value, schema, htype)
    return _encode(value), (len(value),)


def encode_text_batch(htype: str, samples: Sequence[Any], schema: str = "Any") -> List[Coerced]:
    """encode_text_sample over a batch; plain str batches take a fast path."""
    if htype == "text":
        if isinstance(samples, np.ndarray) and samples.dtype.kind == "U":
            return [Coerced(str(s).encode("utf-8"), (1,)) for s in samples.reshape(-1)]
        try:
            return [Coerced(s.encode("utf-8"), (1,)) for s in samples]
        except AttributeError:
            pass
    return [Coerced(*encode_text_sample(htype, s, schema)) for s in samples]


def decode_text_sample(htype: str, data) -> Any:
    """Python value of stored bytes: str / json value / list."""
    if htype == "text":
        return decode_text(data)
    if htype == "json":
        return decode_json(data) if len(data) else {}
    return decode_list(data)


def text_sample_to_array(htype: str, data) -> np.ndarray:
    """numpy form of a stored text-like sample, as Tensor.numpy() returns it.

    text -> str array (1,); json -> object array (1,); list/tag -> object (len,).
    """
    value = decode_text_sample(htype, data)
    if htype == "text":
        return np.array(value).reshape(1)
    if htype == "json":
        arr = np.empty(1, dtype=object)
        arr[0] = value
        return arr
    arr = np.empty(len(value), dtype=object)
    arr[:] = value
    return arr


def decode_text_batch(htype: str, data, offsets: Sequence[int]) -> list:
    """Decode consecutive samples of ``data`` split at ``offsets`` (N + 1 boundaries)."""
    view = memoryview(bytes(data)) if not isinstance(data, memoryview) else data
    if htype == "text":
        return [bytes(view[offsets[i]:offsets[i + 1]]).decode("utf-8") for i in range(len(offsets) - 1)]
    return [decode_text_sample(htype, view[offsets[i]:offsets[i + 1]]) for i in range(len(offsets) - 1)]


def _coercer(htype: str):
    def coerce(spec, meta, info, samples) -> CoercedBatch:
        schema = meta.get("dtype") or spec.default_dtype
        if htype in ("json", "list", "tag"):
            schema = schema.replace("typing.", "")
        return CoercedBatch(encode_text_batch(htype, samples, schema))

    return coerce


def _validate_text_dtype(spec: HtypeSpec, dtype: str) -> None:
    if dtype != "str":
        raise TensorMetaInvalidHtypeOverwriteValue(
            f"Invalid value '{dtype}' for tensor meta key 'dtype'. "
            "dtype for tensors with text htype should always be `str`"
        )


def _text_like(name: str, default_dtype: str, **kwargs) -> HtypeSpec:
    return HtypeSpec(
        name=name,
        default_dtype=default_dtype,
        coerce=_coercer(name),
        allowed_compressions=BYTE_ONLY,
        text_like=True,
        **kwargs,
    )


TEXT = _text_like("text", "str", has_shape_tensor=False, validate_dtype=_validate_text_dtype)
JSON = _text_like("json", "Any", has_shape_tensor=False)
LIST = _text_like("list", "List", shape_link=("extend_len", "update_len"))
TAG = _text_like("tag", "List", has_shape_tensor=False)

SPECS = (TEXT, JSON, LIST, TAG)
