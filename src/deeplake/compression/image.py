"""Image codecs (array <-> image file bytes) over Pillow.

Arrays are ``(H, W)`` or ``(H, W, C)`` with ``C`` in 1..4; ``(H, W, 1)`` is
encoded as a grayscale image. Decoding returns the *natural* array of the
file (``(H, W)`` for single-band images, ``(H, W, C)`` otherwise) unless the
caller asks for a channel count. Palette images decode to their indices, as
the reference does, unless 2, 3 or 4 channels are asked for (then the palette
is applied).

Pillow decodes with the GIL released, so batches decode well in threads.
"""

from __future__ import annotations

from io import BytesIO
from typing import NamedTuple, Optional, Tuple, Union

import numpy as np
from PIL import Image, ImageMode

from deeplake.compression.registry import (
    IMAGE_COMPRESSION,
    PIL_FORMAT_OF,
    get_compression_type,
    is_readonly_compression,
    normalize_compression,
)
from deeplake.errors import (
    CorruptedSampleError,
    SampleCompressionError,
    SampleDecompressionError,
)

Buffer = Union[bytes, bytearray, memoryview]

_MODE_OF_CHANNELS = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
_LOSSY_QUALITY_FORMATS = ("jpeg", "webp")
# Formats that keep 32-bit integer pixels (others, e.g. ppm, clip them to 16 bits).
_INT32_FORMATS = ("tiff", "im")


class ImageInfo(NamedTuple):
    """What an image header says, without decoding pixels."""

    shape: Tuple[int, ...]
    typestr: str  # numpy type string of the decoded array, e.g. "|u1"
    compression: str  # canonical compression name, e.g. "jpeg"


class _KeepOpenBytesIO(BytesIO):
    # Some Pillow save handlers close the stream they were given.
    def close(self):
        pass


def _bands(mode: str) -> int:
    return len(ImageMode.getmode(mode).bands)


def _natural_shape(img: "Image.Image") -> Tuple[int, ...]:
    width, height = img.size
    bands = _bands(img.mode)
    return (height, width) if bands == 1 else (height, width, bands)


def _compression_error(shape, name, message) -> SampleCompressionError:
    return SampleCompressionError(
        f"Could not compress a sample with shape {tuple(shape)} into '{name}'. {message}"
    )


def _check_image_name(compression: str) -> str:
    name = normalize_compression(compression)
    if get_compression_type(name) != IMAGE_COMPRESSION:
        raise SampleCompressionError(f"'{name}' is not an image compression.")
    return name


# ---------------------------------------------------------------- encode


def _to_pillow_layout(array: np.ndarray, name: str) -> np.ndarray:
    if array.size == 0:
        raise _compression_error(array.shape, name, "Empty samples are not encoded.")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3 and array.shape[2] not in (2, 3, 4):
        raise _compression_error(
            array.shape, name, "Images must have 1, 2, 3 or 4 channels."
        )
    if array.ndim not in (2, 3):
        raise _compression_error(
            array.shape, name, "Images must be 2-D (H, W) or 3-D (H, W, C)."
        )
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    return np.ascontiguousarray(array)


def _stored_bands(img: "Image.Image") -> int:
    if img.mode in ("P", "PA"):
        palette_mode = img.palette.mode if img.palette is not None else "RGB"
        return max(_bands(palette_mode), 4 if img.mode == "PA" else 0)
    return _bands(img.mode)


def _check_nothing_lost(encoded: bytes, array: np.ndarray, name: str) -> None:
    """Reject encodings that silently dropped channels, bit depth or pixels."""
    img = Image.open(BytesIO(encoded))
    height, width = array.shape[:2]
    if img.size != (width, height):
        raise _compression_error(
            array.shape, name, f"The format stored a {img.size[1]}x{img.size[0]} image."
        )
    in_bands = 1 if array.ndim == 2 else array.shape[2]
    if _stored_bands(img) < in_bands:
        raise _compression_error(
            array.shape, name, f"The format cannot hold {in_bands}-channel images."
        )
    stored_itemsize = np.dtype(ImageMode.getmode(img.mode).typestr).itemsize
    if array.dtype.itemsize > stored_itemsize and array.dtype != bool:
        raise _compression_error(
            array.shape, name, f"The format cannot hold {array.dtype} pixel values."
        )


def encode_image(array: np.ndarray, compression: str, quality: Optional[int] = None) -> bytes:
    """Encode an image array into the bytes of an image file.

    Args:
        array: ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` or ``(H, W, 4)``;
            ``bool``, ``uint8``, or ``uint16``/``int32``/``float32`` for
            single-band images where the format allows.
        compression: an image compression name (aliases accepted).
        quality: for jpeg/webp; ``None`` keeps Pillow's default (75), as the
            reference does.

    Raises:
        SampleCompressionError: the format is read-only, or cannot hold the
            array's shape or dtype, or Pillow failed to encode it.
    """
    name = _check_image_name(compression)
    array = np.asarray(array)
    if is_readonly_compression(name):
        raise _compression_error(
            array.shape,
            name,
            f"'{name}' is a read-only format: files can be added with "
            "deeplake.read(path), but arrays cannot be encoded into it.",
        )
    if name == "apng":
        return encode_apng(array)
    array = _to_pillow_layout(array, name)
    try:
        img = Image.fromarray(array)
    except (TypeError, ValueError) as e:
        raise _compression_error(array.shape, name, f"Unsupported dtype {array.dtype}: {e}") from e
    if img.mode == "I" and name not in _INT32_FORMATS:
        raise _compression_error(
            array.shape, name, f"The format cannot hold {array.dtype} pixel values."
        )
    options: dict = {}
    if name == "ico":
        options["sizes"] = [img.size]
    elif name == "gif" and img.mode in ("L", "1"):
        options["optimize"] = False  # keeps the identity gray palette
    if quality is not None and name in _LOSSY_QUALITY_FORMATS:
        options["quality"] = int(quality)
    out = _KeepOpenBytesIO()
    try:
        img.save(out, PIL_FORMAT_OF[name], **options)
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise _compression_error(array.shape, name, f"Pillow: {e}") from e
    encoded = out.getvalue()
    _check_nothing_lost(encoded, array, name)
    return encoded


def encode_apng(array: np.ndarray) -> bytes:
    """Animated PNG: ``(H, W, N)`` -> N gray frames; ``(N, H, W, C)`` -> N colour frames."""
    array = np.ascontiguousarray(array)
    if array.ndim == 3 and array.size:
        frames = [Image.fromarray(np.ascontiguousarray(array[:, :, i])) for i in range(array.shape[2])]
    elif array.ndim == 4 and array.size and array.shape[3] in (1, 3, 4):
        if array.shape[3] == 1:
            array = array[..., 0]
        frames = [Image.fromarray(frame) for frame in array]
    else:
        raise _compression_error(
            array.shape, "apng", "Expected (H, W, frames) or (frames, H, W, C)."
        )
    out = _KeepOpenBytesIO()
    try:
        frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])
    except (OSError, ValueError, TypeError) as e:
        raise _compression_error(array.shape, "apng", f"Pillow: {e}") from e
    return out.getvalue()


# ---------------------------------------------------------------- decode


def open_image(buf: Buffer) -> "Image.Image":
    """A lazily decoded PIL image (header parsed, pixels not yet decoded)."""
    try:
        return Image.open(BytesIO(buf))
    except Exception as e:  # Pillow raises many kinds for garbage input
        raise SampleDecompressionError(
            "Could not decompress sample. Either the sample's buffer is corrupted, "
            f"or it is in an unsupported format ({e})."
        ) from e


def _convert_for_channels(img: "Image.Image", channels: int) -> "Image.Image":
    if _bands(img.mode) == channels:
        return img
    if channels not in _MODE_OF_CHANNELS:
        raise SampleDecompressionError(
            f"Cannot decode a {img.mode} image into {channels} channels."
        )
    return img.convert(_MODE_OF_CHANNELS[channels])


def decode_image(
    buf: Buffer,
    *,
    dtype=None,
    channels: Optional[int] = None,
    draft: Optional[Tuple[int, int]] = None,
) -> np.ndarray:
    """Decode image file bytes into a writable numpy array.

    Args:
        buf: the complete file bytes.
        dtype: cast the result to this dtype when it differs.
        channels: convert to this many channels (1 -> L, 3 -> RGB, ...) when
            the file has another band count; None keeps the natural layout.
        draft: ``(width, height)`` lower bound for JPEG's fast DCT scaling;
            the result may then be smaller than the stored image.

    Raises:
        SampleDecompressionError: the bytes are not a decodable image.
    """
    if draft is None and (dtype is None or np.dtype(dtype) == np.uint8):
        fast = decode_jpeg_turbo(buf, channels)
        if fast is not None:
            return fast
    img = open_image(buf)
    try:
        if draft is not None:
            img.draft(img.mode, tuple(draft))
        if channels is not None:
            img = _convert_for_channels(img, channels)
        array = np.array(img)
    except SampleDecompressionError:
        raise
    except Exception as e:
        raise SampleDecompressionError(
            f"Could not decompress {img.format or 'image'} sample: the buffer is "
            f"corrupted or truncated ({e})."
        ) from e
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    if dtype is not None and array.dtype != np.dtype(dtype):
        array = array.astype(dtype)
    return array


_TURBO: list = []
# simplejpeg colour space -> (bands, output colorspace) when no conversion is needed
_TURBO_NATURAL = {"Gray": (1, "GRAY"), "YCbCr": (3, "RGB"), "RGB": (3, "RGB")}


def _simplejpeg():
    if not _TURBO:
        try:
            import simplejpeg
        except ImportError:  # a core dependency, but Pillow alone still decodes
            simplejpeg = None
        _TURBO.append(simplejpeg)
    return _TURBO[0]


def decode_jpeg_turbo(buf: Buffer, channels: Optional[int] = None) -> Optional[np.ndarray]:
    """A plain gray/RGB JPEG decoded by libjpeg-turbo through simplejpeg, or None.

    Same pixels as Pillow (both are libjpeg-turbo with the accurate DCT and
    fancy upsampling) without Pillow's detour through ``tobytes``: about
    2.5x faster for a 224x224 image. None when the file needs a colour
    conversion, is not baseline-readable, or libjpeg warns about it; the
    caller then asks Pillow, which decides how to report a damaged file.
    """
    sj = _simplejpeg()
    if sj is None or len(buf) < 4 or buf[0] != 0xFF or buf[1] != 0xD8:
        return None
    try:
        h, w, space, _ = sj.decode_jpeg_header(buf)
        nat = _TURBO_NATURAL.get(space)
        if nat is None or (channels is not None and channels != nat[0]):
            return None
        arr = sj.decode_jpeg(buf, colorspace=nat[1], strict=True)
    except (ValueError, TypeError):
        return None
    if nat[0] == 1 and channels is None:
        return arr.reshape(h, w)  # Pillow's natural layout for gray
    return arr


def decode_jpeg_into(buf: Buffer, dest: np.ndarray) -> bool:
    """Decode a plain JPEG straight into ``dest`` ((H, W, C) uint8, C-contiguous).

    False, with ``dest`` in an undefined state, when the file does not decode
    to exactly that layout without conversion or libjpeg warns about it; the
    caller then decodes it the general way.
    """
    sj = _simplejpeg()
    if sj is None or len(buf) < 4 or buf[0] != 0xFF or buf[1] != 0xD8:
        return False
    try:
        h, w, space, _ = sj.decode_jpeg_header(buf)
        nat = _TURBO_NATURAL.get(space)
        if nat is None or dest.shape != (h, w, nat[0]):
            return False
        sj.decode_jpeg(buf, colorspace=nat[1], buffer=dest, strict=True)
    except (ValueError, TypeError):
        return False
    return True


def decode_apng(buf: Buffer) -> np.ndarray:
    """Frames of an animated PNG, laid out as :func:`encode_apng` takes them."""
    img = open_image(buf)
    try:
        frames = []
        for i in range(getattr(img, "n_frames", 1)):
            img.seek(i)
            frames.append(np.array(img))
    except Exception as e:
        raise SampleDecompressionError(f"Could not decompress apng sample ({e}).") from e
    if frames[0].ndim == 2:
        return np.stack(frames, axis=-1)
    return np.stack(frames, axis=0)


# ------------------------------------------------------------ header reads


def _canonical_name(img: "Image.Image") -> str:
    fmt = (img.format or "").lower()
    try:
        return normalize_compression(fmt)
    except Exception:
        return fmt


def read_image_info(buf: Buffer, compression: Optional[str] = None) -> ImageInfo:
    """Shape, dtype and format from the header only (pixels are not decoded).

    The shape is what :func:`decode_image` returns without ``channels``.

    Raises:
        CorruptedSampleError: the header cannot be parsed.
    """
    try:
        img = Image.open(BytesIO(buf))
        shape = _natural_shape(img)
        typestr = ImageMode.getmode(img.mode).typestr
        if compression is not None and normalize_compression(compression) == "apng":
            frames = getattr(img, "n_frames", 1)
            shape = shape + (frames,) if len(shape) == 2 else (frames,) + shape
    except Exception as e:
        raise CorruptedSampleError(
            f"Unable to decompress {compression or 'image'} file: its header "
            f"cannot be read ({e})."
        ) from e
    if typestr.endswith("u2") and typestr.startswith(">"):
        typestr = "<u2"
    return ImageInfo(shape, typestr, _canonical_name(img))


def read_image_shape(buf: Buffer, compression: Optional[str] = None) -> Tuple[int, ...]:
    """Decoded shape of an image from its header only."""
    return read_image_info(buf, compression).shape


def verify_image(buf: Buffer, compression: Optional[str] = None) -> ImageInfo:
    """Decode every pixel to prove the file is whole; returns its header info.

    Raises:
        CorruptedSampleError: the file is truncated or corrupted.
    """
    info = read_image_info(buf, compression)
    try:
        img = Image.open(BytesIO(buf))
        img.load()
    except Exception as e:
        raise CorruptedSampleError(
            f"Unable to decompress {compression or info.compression} file ({e})."
        ) from e
    return info


# ------------------------------------------------------------- sample_info

# EXIF tags whose numeric codes the reference spells out.
_EXIF_NAMES = {
    "MeteringMode": (
        "Undefined", "Average", "Center-weighted average", "Spot", "Multi-spot",
        "Multi-segment", "Partial",
    ),
    "ExposureProgram": (
        "Undefined", "Manual", "Program AE", "Aperture-priority AE",
        "Shutter speed priority AE", "Creative (Slow speed)", "Action (High speed)",
        "Portrait ", "Landscape", "Bulb",
    ),
    "ResolutionUnit": ("", "Undefined", "Inches", "Centimetres"),
    "Orientation": (
        "", "Horizontal", "Mirror horizontal", "Rotate 180", "Mirror vertical",
        "Mirror horizontal and rotate 270 CW", "Rotate 90 CW",
        "Mirror horizontal and rotate 90 CW", "Rotate 270 CW",
    ),
}


def _exif_value(name, value):
    """JSON-friendly EXIF value: numbers as floats (resolutions as ints),
    short byte strings as their repr, anything else as text."""
    if hasattr(value, "numerator"):  # int and IFDRational alike
        number = value.numerator / value.denominator if value.denominator else 0
        if name == "ExposureTime":
            from fractions import Fraction

            return float(Fraction(number).limit_denominator(8000))
        if name in ("XResolution", "YResolution"):
            try:
                return int(number)
            except ValueError:  # nan
                return number
        return number
    if name in _EXIF_NAMES:
        return _EXIF_NAMES[name][value]
    if isinstance(value, bytes):
        return str(value) if len(value) < 16 else "<bytes>"
    if isinstance(value, (list, tuple)):
        return type(value)(_exif_value("_", v) for v in value)
    if isinstance(value, dict):
        return {k: _exif_value("_", v) for k, v in value.items()}
    return str(value)


def read_exif(buf: Buffer) -> dict:
    """EXIF tags by name (empty when the image has none or they are unreadable)."""
    from PIL import ExifTags

    try:
        img = Image.open(BytesIO(buf))
        if not hasattr(img, "_getexif"):  # TIFF tags and the like are not EXIF
            return {}
        raw = img.getexif()
        tags = dict(raw)
        tags.update(raw.get_ifd(ExifTags.IFD.Exif))
        if ExifTags.IFD.GPSInfo in tags:
            tags[ExifTags.IFD.GPSInfo] = dict(raw.get_ifd(ExifTags.IFD.GPSInfo))
    except Exception:  # corrupt EXIF must not stop the image from being read
        return {}
    out = {}
    for tag, value in tags.items():
        name = ExifTags.TAGS.get(tag, tag)
        try:
            out[name] = _exif_value(name, value)
        except (IndexError, TypeError, ValueError):
            out[name] = str(value)
    return out


def read_image_sample_info(buf: Buffer) -> dict:
    """The reference's image sample_info field: ``{"exif": {...}}``."""
    return {"exif": read_exif(buf)}


_JPEG_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF))


def jpeg_header(buf) -> Optional[Tuple[Tuple[int, ...], bool]]:
    """((H, W, C), has_exif) of a plain 8-bit gray/RGB JPEG from its markers, else None.

    A marker walk costs microseconds where opening the file with Pillow costs
    about a hundred; ingest of JPEG files is dominated by this header read.
    Anything unusual (12-bit, CMYK, no SOF before the scan) returns None and
    the caller asks the image codec instead.
    """
    n = len(buf)
    if n < 4 or buf[0] != 0xFF or buf[1] != 0xD8:
        return None
    i, exif = 2, False
    while i + 4 <= n:
        if buf[i] != 0xFF:
            return None
        m = buf[i + 1]
        if m == 0xFF:
            i += 1
            continue
        if m == 0x01 or 0xD0 <= m <= 0xD8:
            i += 2
            continue
        seg = (buf[i + 2] << 8) | buf[i + 3]
        if m == 0xE1 and buf[i + 4 : i + 10] == b"Exif\x00\x00":
            exif = True
        elif m in _JPEG_SOF:
            if i + 10 > n:
                return None
            h = (buf[i + 5] << 8) | buf[i + 6]
            w = (buf[i + 7] << 8) | buf[i + 8]
            c = buf[i + 9]
            if buf[i + 4] != 8 or c not in (1, 3) or h == 0 or w == 0:
                return None
            return (h, w, c), exif
        elif m == 0xDA:
            return None
        i += 2 + seg
    return None
