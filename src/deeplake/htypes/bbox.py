"""bbox (n, 4) and bbox.3d (n, 9) or (n, 8, 3) float32 htypes.

The box convention lives in tensor_info.json ``coords``:
bbox: {"type": "pixel" | "fractional", "mode": "LTRB" | "LTWH" | "CCWH"};
bbox.3d: {"mode": "center" | "vertex"}. Both keys are optional.
Sample shapes are not checked (the reference stores any 2-D array).
"""

from __future__ import annotations

from typing import Dict, Tuple

from deeplake.errors import TensorMetaInvalidHtypeOverwriteValue
from deeplake.htypes.base import HtypeSpec, info_meta_defaults
from deeplake.htypes.generic import coerce_numeric

BBOX_COORDS: Dict[str, Tuple[str, ...]] = {
    "type": ("pixel", "fractional"),
    "mode": ("LTRB", "LTWH", "CCWH"),
}
BBOX_3D_COORDS: Dict[str, Tuple[str, ...]] = {"mode": ("center", "vertex")}


def validate_coords(coords, allowed: Dict[str, Tuple[str, ...]]) -> dict:
    if not isinstance(coords, dict):
        raise TensorMetaInvalidHtypeOverwriteValue(
            f"Invalid value '{coords}' for tensor meta key 'coords'. "
            f"coords must be of type {dict}, not {type(coords)}"
        )
    for key, value in coords.items():
        if key not in allowed:
            raise TensorMetaInvalidHtypeOverwriteValue(
                f"Invalid value '{coords}' for tensor meta key 'coords'. "
                f"coords must have keys belong to {set(allowed)}"
            )
        if value not in allowed[key]:
            raise TensorMetaInvalidHtypeOverwriteValue(
                f"Invalid value '{value}' for coords['{key}']. Expected one of {list(allowed[key])}."
            )
    return dict(coords)


def _validator(allowed):
    def validate(spec: HtypeSpec, kwargs: dict) -> dict:
        if "coords" in kwargs:
            kwargs = dict(kwargs, coords=validate_coords(kwargs["coords"], allowed))
        return kwargs

    return validate


BBOX = HtypeSpec(
    name="bbox",
    default_dtype="float32",
    coerce=coerce_numeric,
    meta_defaults=info_meta_defaults(coords={}),
    info_keys=("coords",),
    allowed_user_keys=frozenset({"coords"}),
    validate_kwargs=_validator(BBOX_COORDS),
)

BBOX_3D = HtypeSpec(
    name="bbox.3d",
    default_dtype="float32",
    coerce=coerce_numeric,
    meta_defaults=info_meta_defaults(coords={}),
    info_keys=("coords",),
    allowed_user_keys=frozenset({"coords"}),
    validate_kwargs=_validator(BBOX_3D_COORDS),
)

SPECS = (BBOX, BBOX_3D)
