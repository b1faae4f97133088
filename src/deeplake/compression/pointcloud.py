"""Point-cloud codec: LAS files over laspy, decode-only.

As in the reference, a LAS file decodes to ``(points, fields)`` float32: one
column per dimension of the point format, in the format's order (``X``,
``Y``, ``Z`` first, as the *raw* integer coordinates the file stores, then
``intensity``, ``return_number``, ...). Tensors show the first three columns
as the documented ``(points, 3)`` and use the sample_info's
``dimension_names`` / ``dimensions_names_to_dtype`` to split columns back
into per-point fields.
"""

from __future__ import annotations

from io import BytesIO
from typing import Tuple, Union

import numpy as np

from deeplake._deps import require
from deeplake.errors import CorruptedSampleError, SampleDecompressionError

Buffer = Union[bytes, bytearray, memoryview]


def _laspy():
    return require("laspy", "point_cloud", purpose="las point clouds")


def _open_header(buf: Buffer):
    laspy = _laspy()
    try:
        with laspy.open(BytesIO(bytes(buf))) as reader:
            return reader.header
    except Exception as e:  # laspy raises LaspyException, ValueError, struct errors
        raise CorruptedSampleError(f"Unable to decompress las file: its header cannot be read ({e}).") from e


def _read(buf: Buffer):
    laspy = _laspy()
    try:
        return laspy.read(BytesIO(bytes(buf)))
    except Exception as e:
        raise SampleDecompressionError(f"Unable to decompress las file: it is truncated or corrupt ({e}).") from e


def read_shape(buf: Buffer) -> Tuple[int, int]:
    """``(points, fields)`` from the header; no point is read."""
    header = _open_header(buf)
    return (int(header.point_count), len(list(header.point_format.dimension_names)))


def decompress(buf: Buffer) -> np.ndarray:
    """All fields of every point as ``(points, fields)`` float32."""
    data = _read(buf)
    names = list(data.point_format.dimension_names)
    out = np.empty((len(data.points), len(names)), dtype=np.float32)
    for column, name in enumerate(names):
        out[:, column] = np.asarray(data[name])
    return out


def _field_typestr(dimension) -> str:
    # Bit fields (return_number, flags) have no numpy dtype of their own.
    return np.dtype(dimension.dtype if dimension.dtype is not None else np.uint8).str


def _vlr_info(vlr) -> dict:
    return {
        "user_id": str(getattr(vlr, "user_id", "")),
        "record_id": int(getattr(vlr, "record_id", 0)),
        "description": str(getattr(vlr, "description", "")),
    }


def _version(version) -> dict:
    return {"major": int(version.major), "minor": int(version.minor)}


def _header_info(header) -> dict:
    encoding = header.global_encoding
    created = header.creation_date
    return {
        "DEFAULT_VERSION": _version(header.DEFAULT_VERSION),
        "file_source_id": int(header.file_source_id),
        "system_identifier": str(header.system_identifier),
        "generating_software": str(header.generating_software),
        "creation_date": (
            {"year": created.year, "month": created.month, "day": created.day} if created else None
        ),
        "point_count": int(header.point_count),
        "scales": header.scales.tolist(),
        "offsets": header.offsets.tolist(),
        "number_of_points_by_return": header.number_of_points_by_return.tolist(),
        "start_of_waveform_data_packet_record": int(header.start_of_waveform_data_packet_record),
        "start_of_first_evlr": int(header.start_of_first_evlr),
        "number_of_evlrs": int(header.number_of_evlrs),
        "version": _version(header.version),
        "maxs": header.maxs.tolist(),
        "mins": header.mins.tolist(),
        "major_version": int(header.major_version),
        "minor_version": int(header.minor_version),
        "global_encoding": {
            "GPS_TIME_TYPE_MASK": int(encoding.GPS_TIME_TYPE_MASK),
            "SYNTHETIC_RETURN_NUMBERS_MASK": int(encoding.SYNTHETIC_RETURN_NUMBERS_MASK),
            "WAVEFORM_EXTERNAL_MASK": int(encoding.WAVEFORM_EXTERNAL_MASK),
            "WAVEFORM_INTERNAL_MASK": int(encoding.WAVEFORM_INTERNAL_MASK),
            "WKT_MASK": int(encoding.WKT_MASK),
            "gps_time_type": int(encoding.gps_time_type),
            "synthetic_return_numbers": bool(encoding.synthetic_return_numbers),
            "value": int(encoding.value),
            "waveform_data_packets_external": bool(encoding.waveform_data_packets_external),
            "waveform_data_packets_internal": bool(encoding.waveform_data_packets_internal),
            "wkt": bool(encoding.wkt),
        },
        "uuid": str(header.uuid),
    }


def read_sample_info(buf: Buffer) -> dict:
    """The reference's point-cloud sample_info, from the header only.

    Keys: ``dimension_names`` (column order of the decoded array),
    ``las_header`` (version, counts, scales, offsets, bounds, ...), ``vlrs``
    (user_id / record_id / description of each variable-length record) and
    ``dimensions_names_to_dtype`` (numpy type string of each field).
    """
    header = _open_header(buf)
    dimensions = list(header.point_format.dimensions)
    return {
        "dimension_names": [d.name for d in dimensions],
        "las_header": _header_info(header),
        "vlrs": [_vlr_info(v) for v in header.vlrs],
        "dimensions_names_to_dtype": {d.name: _field_typestr(d) for d in dimensions},
    }
