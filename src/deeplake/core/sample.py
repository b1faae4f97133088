"""Sample: one file (or array, or buffer) on its way into a tensor (spec 18.1).

A Sample made from a path is lazy: nothing is read until a property is
touched, and shape/dtype come from the file header when the codec can read
one. Appending a Sample to a tensor whose sample_compression matches the
file's format stores the file bytes unchanged.
"""
from __future__ import annotations

import os
from io import BytesIO
from typing import Dict, Optional, Tuple, Union

import numpy as np

from deeplake.compression.image import jpeg_header
from deeplake.errors import (
    SampleCompressionError,
    UnableToReadFromUrlError,
    UnsupportedCompressionError,
)

CLOUD_PREFIXES = ("s3://", "gcs://", "gs://", "gcp://", "az://", "azure://", "hub://")
HTTP_PREFIXES = ("http://", "https://")


def path_kind(path: str) -> str:
    """'local', 'http' or 'cloud'."""
    if path.startswith(HTTP_PREFIXES):
        return "http"
    if path.startswith(CLOUD_PREFIXES):
        return "cloud"
    return "local"


def read_http(url: str, creds: Optional[Dict] = None, timeout: Optional[float] = None) -> bytes:
    import urllib.request

    headers = {}
    for k, v in (creds or {}).items():  # http creds are request headers (e.g. Authorization)
        if isinstance(v, str):
            headers[k] = v
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read()
    except Exception as e:
        raise UnableToReadFromUrlError(f"Unable to read from url {url}: {e}") from e


def read_path_bytes(path: str, creds: Optional[Dict] = None, storage=None, timeout: Optional[float] = None) -> bytes:
    """All bytes of the file at ``path`` (local, http(s), or through ``storage``)."""
    if storage is not None:
        key = path
        root = getattr(storage, "root", None)
        if isinstance(root, str) and key.startswith(root):
            key = key[len(root):].lstrip("/")
        elif "://" in key:
            key = key.split("://", 1)[1].split("/", 1)[-1]
        return bytes(storage[key])
    kind = path_kind(path)
    if kind == "http":
        return read_http(path, creds, timeout)
    if kind == "cloud":
        from deeplake.storage.factory import storage_provider_from_path

        parent, name = path.rsplit("/", 1)
        return bytes(storage_provider_from_path(parent, creds=creds or None, read_only=True)[name])
    if path.startswith("file://"):
        path = path[len("file://"):]
    with open(os.path.expanduser(path), "rb") as f:
        return f.read()


def _kind(compression: Optional[str]) -> Optional[str]:
    from deeplake.compression import get_compression_type

    return get_compression_type(compression)


def _is_image(compression: Optional[str]) -> bool:
    return compression is not None and compression != "dcm" and _kind(compression) == "image"


class Sample:
    """A single sample from a file, a buffer or an array."""

    def __init__(
        self,
        path: Optional[str] = None,
        array: Optional[np.ndarray] = None,
        buffer: Optional[Union[bytes, memoryview]] = None,
        compression: Optional[str] = None,
        verify: bool = False,
        shape: Optional[Tuple[int]] = None,
        dtype: Optional[str] = None,
        creds: Optional[Dict] = None,
        storage=None,
        timeout: Optional[float] = None,
    ):
        from deeplake.compression import compression_from_path, normalize_compression

        if path is not None and array is not None:
            raise ValueError("Sample takes a path or an array, not both.")
        self.path = os.fspath(path) if path is not None else None
        self._array = None if array is None else np.asarray(array)
        self._buffer = bytes(buffer) if buffer is not None else None
        self._creds = creds
        self._storage = storage
        self._timeout = timeout
        self._verify = verify
        self._verified = False
        if compression is None and self.path is not None:
            compression = compression_from_path(self.path.split("?", 1)[0])
        self._compression = normalize_compression(compression)
        self._shape = tuple(int(x) for x in shape) if shape is not None else None
        self._dtype = np.dtype(dtype).name if dtype is not None else None
        self._header_read = False
        self._jpeg_exif: Optional[bool] = None  # known only after a fast JPEG header read
        if self._array is not None:
            self._shape = self._array.shape if self._shape is None else self._shape
            self._dtype = self._array.dtype.name

    # ---------------------------------------------------------------- state
    @property
    def is_lazy(self) -> bool:
        return self._array is None

    @property
    def compression(self) -> Optional[str]:
        if self._compression is None and self.path is not None:
            self._detect_compression()  # a buffer without compression is raw
        return self._compression

    @property
    def buffer(self) -> Optional[bytes]:
        """The file bytes (read on first use); None for array samples."""
        if self._buffer is None and self.path is not None:
            try:
                self._buffer = read_path_bytes(self.path, self._creds, self._storage, self._timeout)
            except FileNotFoundError as e:
                raise FileNotFoundError(f"No such file: '{self.path}'.") from e
        return self._buffer

    def _detect_compression(self) -> None:
        from deeplake.compression import compression_from_bytes

        buf = self.buffer
        if buf is not None:
            self._compression = compression_from_bytes(buf)
            if self._compression is None:
                raise UnsupportedCompressionError(
                    f"Cannot tell the format of '{self.path or 'buffer'}'; pass compression=..."
                )

    def _read_header(self) -> None:
        """Shape and dtype without decoding, when the format's header says them."""
        if self._header_read or self._array is not None:
            return
        self._header_read = True
        from deeplake import compression as codecs

        comp = self.compression
        if self._verify and not self._verified:
            self._verify_now()
        if comp == "jpeg":
            fast = jpeg_header(self.buffer)
            if fast is not None:
                self._shape = self._shape or fast[0]
                self._dtype = self._dtype or "uint8"
                self._jpeg_exif = fast[1]
                return
        if comp is not None and _kind(comp) != "byte":
            header = codecs.read_header_from_bytes(self.buffer, comp)
            shape = tuple(int(x) for x in header.shape)
            if _is_image(comp) and len(shape) == 2 and comp != "apng":
                shape += (1,)  # images are always (H, W, C)
            self._shape = self._shape or shape
            self._dtype = self._dtype or np.dtype(header.typestr).name
            return
        if self._shape is None or self._dtype is None:
            arr = self.array
            self._shape, self._dtype = self._shape or arr.shape, self._dtype or arr.dtype.name

    def _verify_now(self) -> None:
        from deeplake import compression as codecs

        self._verified = True
        comp = self.compression
        if comp is not None and _kind(comp) != "byte":
            codecs.verify_compressed(self.buffer, comp)

    @property
    def shape(self) -> Tuple[int, ...]:
        if self._shape is None:
            self._read_header()
        return self._shape

    @property
    def dtype(self) -> str:
        if self._dtype is None:
            self._read_header()
        return self._dtype

    # ---------------------------------------------------------------- data
    def _decode(self) -> np.ndarray:
        from deeplake import compression as codecs

        comp = self.compression
        buf = self.buffer
        if comp is None or _kind(comp) == "byte":
            if self._shape is None or self._dtype is None:
                raise ValueError("A raw or lz4 buffer needs shape and dtype to be decoded.")
            return np.array(codecs.decompress_array(buf, comp, self._shape, self._dtype))
        arr = codecs.decompress_array(buf, comp)
        if _is_image(comp) and arr.ndim == 2 and comp != "apng":
            arr = arr[..., None]  # images are always (H, W, C)
        return arr

    @property
    def array(self) -> np.ndarray:
        if self._array is None:
            if self._verify and not self._verified:
                self._verify_now()
            arr = self._decode()
            self._array = arr
            self._shape = tuple(arr.shape)
            self._dtype = arr.dtype.name
        return self._array

    @property
    def pil(self):
        from PIL import Image

        if self._array is None and _is_image(self.compression):
            return Image.open(BytesIO(self.buffer))
        arr = self.array
        return Image.fromarray(arr[..., 0] if arr.ndim == 3 and arr.shape[-1] == 1 else arr)

    def uncompressed_bytes(self) -> Optional[bytes]:
        return np.ascontiguousarray(self.array).tobytes()

    def compressed_bytes(self, compression: Optional[str]) -> bytes:
        """The sample in ``compression``: the file bytes unchanged when formats match."""
        from deeplake import compression as codecs

        if compression is None:
            return self.uncompressed_bytes()
        target = codecs.normalize_compression(compression)
        if self._array is None or self._buffer is not None:
            if self.path is not None or self._buffer is not None:
                if self.compression == target:
                    return self.buffer
        kind = _kind(target)
        src = self.compression if self._array is None or self.path is not None else None
        if kind not in ("image", "byte") or (target == "dcm"):
            raise SampleCompressionError(
                f"Cannot recompress a {src or 'raw'} sample into '{target}': samples of this format "
                f"are stored only as the original file. Create the tensor with "
                f"sample_compression='{src}' (or None)."
            )
        if src is not None and _kind(src) not in ("image", "byte", None) and src != "dcm":
            raise SampleCompressionError(
                f"Recompression of '{src}' samples into '{target}' is not supported."
            )
        return codecs.compress_array(self.array, target)

    @property
    def sample_info(self) -> dict:
        """Metadata of the source file (spec: Tensor.sample_info)."""
        from deeplake import compression as codecs

        if self.path is None and self._buffer is None:
            return {}
        comp = self.compression
        if comp is None or _kind(comp) == "byte":
            return {"shape": list(self.shape), "format": comp, "filename": self.path, "modified": False}
        if comp == "jpeg" and self._shape is not None and self._jpeg_exif is False:
            return {"exif": {}, "shape": list(self._shape), "format": "jpeg", "filename": self.path, "modified": False}
        info = dict(codecs.read_sample_info(self.buffer, comp, self.path))
        info["shape"] = list(self.shape)
        info["filename"] = self.path
        info["modified"] = False
        return info

    def __repr__(self) -> str:
        src = f"path={self.path!r}" if self.path else "array" if self._array is not None else "buffer"
        return f"Sample({src}, compression={self._compression!r})"

