"""Name -> HtypeSpec registry and the parser of htype strings.

``parse_htype`` understands the wrappers: "image", "sequence[image]",
"link[image]", "sequence[link[image]]" and "link[sequence[image]]" (both
orders mean a sequence of links), plus bare "sequence" / "link".
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional

from deeplake.errors import TensorMetaInvalidHtype
from deeplake.htypes import (
    audio,
    bbox,
    class_label,
    embedding,
    generic,
    image,
    instance_label,
    intrinsics,
    keypoints,
    masks,
    medical,
    mesh,
    point,
    point_cloud,
    polygon,
    text,
    video,
)
from deeplake.htypes.base import UNSPECIFIED, HtypeSpec

# Order = the reference's listing (used in error messages).
_ORDER = (
    "generic", "image", "image.rgb", "image.gray", "class_label", "bbox", "bbox.3d",
    "audio", "embedding", "video", "binary_mask", "instance_label", "segment_mask",
    "keypoints_coco", "point", "json", "list", "text", "tag", "dicom", "nifti",
    "point_cloud", "intrinsics", "polygon", "mesh",
)

_ALL = {
    spec.name: spec
    for module in (
        generic, image, video, audio, class_label, bbox, text, polygon, masks,
        keypoints, point, embedding, medical, point_cloud, mesh, intrinsics,
        instance_label,
    )
    for spec in module.SPECS
}
assert set(_ALL) == set(_ORDER), set(_ALL) ^ set(_ORDER)

HTYPES: Dict[str, HtypeSpec] = {name: _ALL[name] for name in _ORDER}
DEFAULT_HTYPE = "generic"


def invalid_htype(htype) -> TensorMetaInvalidHtype:
    return TensorMetaInvalidHtype(
        f"Htype '{htype}' does not exist. Available htypes: {list(HTYPES)}"
    )


def get_htype(name: Optional[str]) -> HtypeSpec:
    """The spec of a base htype name; None means generic (an htype-less tensor)."""
    if name is None or name is UNSPECIFIED:
        return HTYPES[DEFAULT_HTYPE]
    spec = HTYPES.get(name)
    if spec is None:
        raise invalid_htype(name)
    return spec


class ParsedHtype(NamedTuple):
    """base: base htype name, or None when only a wrapper was given ("sequence")."""

    base: Optional[str]
    is_sequence: bool
    is_link: bool


def _unwrap(htype: str, wrapper: str) -> Optional[str]:
    """Inner text of ``wrapper[...]``; None for the bare wrapper or ``wrapper[]``."""
    if htype == wrapper:
        return None
    if not htype.startswith(wrapper + "[") or not htype.endswith("]"):
        raise invalid_htype(htype)
    return htype[len(wrapper) + 1:-1] or None


def parse_htype(htype) -> ParsedHtype:
    """Split an htype string into base htype and sequence/link wrappers.

    Raises TensorMetaInvalidHtype for unknown or malformed htypes and
    ValueError for link[...] of generic data or sequence[tag], as the
    reference does.
    """
    if htype is None or htype is UNSPECIFIED or htype == "":
        return ParsedHtype(None, False, False)
    if not isinstance(htype, str):
        raise invalid_htype(htype)
    is_sequence = is_link = False
    for _ in range(2):
        if htype is not None and htype.startswith("sequence") and not is_sequence:
            is_sequence = True
            htype = _unwrap(htype, "sequence")
        elif htype is not None and htype.startswith("link") and not is_link:
            is_link = True
            htype = _unwrap(htype, "link")
    if htype is not None and ("[" in htype or "]" in htype or htype not in HTYPES):
        raise invalid_htype(htype)
    if is_link and htype in (None, DEFAULT_HTYPE):
        example = "sequence[link[image]] or link[sequence[image]]" if is_sequence else "link[image]"
        raise ValueError(
            "Can't create a linked tensor with a generic htype, you need to specify htype, "
            f"for example {example}"
        )
    if is_sequence and htype == "tag":
        raise ValueError("Htype sequence[tag] is not supported")
    return ParsedHtype(htype, is_sequence, is_link)


def format_htype(base: Optional[str], is_sequence: bool = False, is_link: bool = False):
    """Tensor.htype as the reference reports it: "link[sequence[image]]" order,
    None for an htype-less tensor without wrappers."""
    htype = base
    if is_sequence:
        htype = f"sequence[{htype}]"
    if is_link:
        htype = f"link[{htype}]"
    return htype
