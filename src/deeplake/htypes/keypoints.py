"""keypoints_coco htype: (3 * K, objects) int32, rows x, y, visibility per keypoint.

tensor_info.json holds ``keypoints`` (K names) and ``connections`` (pairs of
keypoint indices drawn as lines).
"""

from __future__ import annotations

import numpy as np

from deeplake.errors import TensorMetaInvalidHtypeOverwriteValue
from deeplake.htypes.base import HtypeSpec, info_meta_defaults
from deeplake.htypes.generic import coerce_numeric


def _bad(key, value, why):
    return TensorMetaInvalidHtypeOverwriteValue(
        f"Invalid value '{value}' for tensor meta key '{key}'. {why}"
    )


def _validate(spec: HtypeSpec, kwargs: dict) -> dict:
    kwargs = dict(kwargs)
    if "keypoints" in kwargs:
        value = kwargs["keypoints"]
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise _bad("keypoints", value, "keypoints must be a list of strings.")
        kwargs["keypoints"] = list(value)
    if "connections" in kwargs:
        value = kwargs["connections"]
        if isinstance(value, np.ndarray):
            value = value.tolist()
        ok = isinstance(value, (list, tuple)) and all(
            isinstance(pair, (list, tuple))
            and len(pair) == 2
            and all(isinstance(i, (int, np.integer)) for i in pair)
            for pair in value
        )
        if not ok:
            raise _bad("connections", value, "connections must be a list of [i, j] index pairs.")
        kwargs["connections"] = [[int(i), int(j)] for i, j in value]
    return kwargs


KEYPOINTS_COCO = HtypeSpec(
    name="keypoints_coco",
    default_dtype="int32",
    coerce=coerce_numeric,
    meta_defaults=info_meta_defaults(keypoints=[], connections=[]),
    info_keys=("keypoints", "connections"),
    allowed_user_keys=frozenset({"keypoints", "connections"}),
    validate_kwargs=_validate,
)

SPECS = (KEYPOINTS_COCO,)
