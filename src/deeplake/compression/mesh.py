"""Mesh codec: PLY files (ascii, binary little/big endian), decode-only.

A small self-contained PLY reader over numpy (no extra dependency).
A mesh decodes to its vertices ``(points, 3)`` (the ``x``, ``y``, ``z``
properties, in their stored dtype, usually float32). The faces and the
header go into sample_info: ``faces`` (list of vertex-index lists) plus the
reference's header keys (``dimensions_names``, ``dimensions_names_to_dtype``,
``element_name_to_property_dtypes``, ``comments``, ``fmt``, ``extension``
and each element's count under its name, e.g. ``vertex`` and ``face``).

Binary elements are read with one ``np.frombuffer`` each; list properties
take that path too when every row has the same length (triangle meshes).
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Tuple, Union

import numpy as np

from deeplake.errors import CorruptedSampleError, SampleDecompressionError

Buffer = Union[bytes, bytearray, memoryview]

_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1",
    "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
    "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}
_BYTE_ORDER = {"ascii": "<", "binary_little_endian": "<", "binary_big_endian": ">"}
_MAX_HEADER = 1 << 20


class PlyProperty(NamedTuple):
    name: str
    dtype: str  # numpy type code without byte order, e.g. "f4"
    count_dtype: Optional[str] = None  # list properties: the length's type


class PlyElement(NamedTuple):
    name: str
    count: int
    properties: Tuple[PlyProperty, ...]


class PlyHeader(NamedTuple):
    fmt: str
    elements: Tuple[PlyElement, ...]
    comments: Tuple[str, ...]
    data_offset: int  # first byte after "end_header\n"

    def element(self, name: str) -> Optional[PlyElement]:
        return next((e for e in self.elements if e.name == name), None)


def _bad(message: str, error=CorruptedSampleError):
    return error(f"Unable to decompress ply file: {message}.")


def read_header(buf: Buffer) -> PlyHeader:
    """Parse the text header.

    Raises:
        CorruptedSampleError: not a PLY file or a malformed header.
    """
    head = bytes(buf[:_MAX_HEADER])
    end = head.find(b"end_header")
    if not head.startswith(b"ply") or end < 0:
        raise _bad("it does not start with a PLY header")
    newline = head.find(b"\n", end)
    data_offset = len(head) if newline < 0 else newline + 1
    fmt, comments, elements = None, [], []
    try:
        for raw in head[:end].decode("ascii", "replace").splitlines()[1:]:
            words = raw.split()
            if not words:
                continue
            if words[0] == "format":
                fmt = words[1]
            elif words[0] in ("comment", "obj_info"):
                comments.append(raw.split(None, 1)[1].rstrip() if len(words) > 1 else "")
            elif words[0] == "element":
                elements.append(PlyElement(words[1], int(words[2]), ()))
            elif words[0] == "property":
                if words[1] == "list":
                    prop = PlyProperty(words[4], _TYPES[words[3]], _TYPES[words[2]])
                else:
                    prop = PlyProperty(words[2], _TYPES[words[1]])
                last = elements[-1]
                elements[-1] = last._replace(properties=last.properties + (prop,))
    except (IndexError, KeyError, ValueError) as e:
        raise _bad(f"malformed header ({e!r})") from e
    if fmt not in _BYTE_ORDER:
        raise _bad(f"unknown format {fmt!r}")
    return PlyHeader(fmt, tuple(elements), tuple(comments), data_offset)


# ------------------------------------------------------------------ body

Columns = Dict[str, Union[np.ndarray, List[np.ndarray]]]


def _read_binary(data: memoryview, offset: int, element: PlyElement, order: str) -> Tuple[Columns, int]:
    props = element.properties
    if element.count == 0:
        return {p.name: np.zeros(0, order + p.dtype) for p in props}, offset
    # Guess every list's length from the first row; verified below.
    fields, pos = [], offset
    for p in props:
        if p.count_dtype is None:
            fields.append((p.name, order + p.dtype))
            pos += np.dtype(p.dtype).itemsize
        else:
            length = int(np.frombuffer(data, order + p.count_dtype, 1, pos)[0])
            fields.append((p.name + "#n", order + p.count_dtype))
            fields.append((p.name, order + p.dtype, (length,)))
            pos += np.dtype(p.count_dtype).itemsize + length * np.dtype(p.dtype).itemsize
    row = np.dtype(fields)
    if offset + row.itemsize * element.count <= len(data):
        table = np.frombuffer(data, row, element.count, offset)
        uniform = all(
            (table[p.name + "#n"] == row[p.name].shape[0]).all()
            for p in props if p.count_dtype is not None
        )
        if uniform:
            columns = {p.name: table[p.name] for p in props}
            return columns, offset + row.itemsize * element.count
    return _read_binary_rows(data, offset, element, order)


def _read_binary_rows(data: memoryview, offset: int, element: PlyElement, order: str) -> Tuple[Columns, int]:
    columns: Columns = {p.name: [] for p in element.properties}
    for _ in range(element.count):
        for p in element.properties:
            if p.count_dtype is None:
                columns[p.name].append(np.frombuffer(data, order + p.dtype, 1, offset)[0])
                offset += np.dtype(p.dtype).itemsize
            else:
                n = int(np.frombuffer(data, order + p.count_dtype, 1, offset)[0])
                offset += np.dtype(p.count_dtype).itemsize
                columns[p.name].append(np.frombuffer(data, order + p.dtype, n, offset))
                offset += n * np.dtype(p.dtype).itemsize
    for p in element.properties:
        if p.count_dtype is None:
            columns[p.name] = np.array(columns[p.name], dtype=p.dtype)
    return columns, offset


def _read_ascii(lines: List[str], start: int, element: PlyElement) -> Tuple[Columns, int]:
    rows = lines[start : start + element.count]
    if len(rows) < element.count:
        raise ValueError(f"{element.name} needs {element.count} rows, found {len(rows)}")
    props = element.properties
    if all(p.count_dtype is None for p in props):
        values = np.array(" ".join(rows).split(), dtype=np.float64).reshape(element.count, len(props))
        return {p.name: values[:, i].astype(p.dtype) for i, p in enumerate(props)}, start + element.count
    columns: Columns = {p.name: [] for p in props}
    for row in rows:
        words, pos = row.split(), 0
        for p in props:
            if p.count_dtype is None:
                columns[p.name].append(float(words[pos]))
                pos += 1
            else:
                n = int(words[pos])
                columns[p.name].append(np.array(words[pos + 1 : pos + 1 + n], dtype=np.float64).astype(p.dtype))
                pos += 1 + n
    for p in props:
        if p.count_dtype is None:
            columns[p.name] = np.array(columns[p.name]).astype(p.dtype)
    return columns, start + element.count


def read_elements(buf: Buffer, header: Optional[PlyHeader] = None) -> Dict[str, Columns]:
    """Every element's columns: scalar properties as 1-D arrays, list
    properties as 2-D arrays (uniform lengths) or lists of 1-D arrays.

    Raises:
        SampleDecompressionError: the body is truncated or malformed.
    """
    header = header or read_header(buf)
    out: Dict[str, Columns] = {}
    try:
        if header.fmt == "ascii":
            lines = [l for l in bytes(buf[header.data_offset :]).decode("ascii").splitlines() if l.strip()]
            position = 0
            for element in header.elements:
                out[element.name], position = _read_ascii(lines, position, element)
        else:
            data, offset = memoryview(bytes(buf)), header.data_offset
            order = _BYTE_ORDER[header.fmt]
            for element in header.elements:
                out[element.name], offset = _read_binary(data, offset, element, order)
    except (ValueError, IndexError, TypeError, UnicodeDecodeError) as e:
        raise _bad(f"its data is truncated or malformed ({e})", SampleDecompressionError) from e
    return out


# ------------------------------------------------------------ codec API


def _vertex_xyz(header: PlyHeader) -> Tuple[PlyElement, str]:
    vertex = header.element("vertex")
    names = {p.name: p for p in vertex.properties} if vertex else {}
    if vertex is None or not all(axis in names for axis in "xyz"):
        raise _bad("it has no vertex element with x, y and z")
    dtype = np.result_type(*(names[a].dtype for a in "xyz"))
    return vertex, np.dtype(dtype).newbyteorder("<").str


def read_shape_and_dtype(buf: Buffer) -> Tuple[Tuple[int, int], str]:
    """``((vertices, 3), typestr)`` from the header only."""
    header = read_header(buf)
    vertex, typestr = _vertex_xyz(header)
    return (vertex.count, 3), typestr


def decompress(buf: Buffer) -> np.ndarray:
    """The vertices as ``(points, 3)``."""
    try:
        header = read_header(buf)
        _, typestr = _vertex_xyz(header)
    except CorruptedSampleError as e:
        raise SampleDecompressionError(str(e)) from e
    vertex = read_elements(buf, header)["vertex"]
    return np.stack([np.asarray(vertex[a], dtype=typestr) for a in "xyz"], axis=1)


def _faces(columns: Columns, element: PlyElement) -> List[List[int]]:
    lists = [p for p in element.properties if p.count_dtype is not None]
    if not lists:
        return []
    rows = columns[lists[0].name]
    if isinstance(rows, np.ndarray):
        return rows.astype(np.int64).tolist()
    return [np.asarray(r, dtype=np.int64).tolist() for r in rows]


def read_sample_info(buf: Buffer) -> dict:
    """Header fields (reference keys) plus ``faces`` (list of index lists)."""
    header = read_header(buf)
    order = _BYTE_ORDER[header.fmt] if header.fmt != "ascii" else ""
    per_element = {
        e.name: {p.name: (order + p.dtype) for p in e.properties} for e in header.elements
    }
    info: dict = {
        "dimensions_names": [p.name for e in header.elements for p in e.properties],
        "element_name_to_property_dtypes": per_element,
        "dimensions_names_to_dtype": {k: v for props in per_element.values() for k, v in props.items()},
        "comments": list(header.comments),
        "fmt": header.fmt,
        "extension": "ply",
    }
    for element in header.elements:
        info[element.name] = element.count
    face = header.element("face")
    info["faces"] = _faces(read_elements(buf, header)["face"], face) if face else []
    return info
