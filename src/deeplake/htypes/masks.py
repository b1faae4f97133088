"""binary_mask (H, W, objects) bool and segment_mask (H, W) uint32 htypes."""

from deeplake.htypes.base import HtypeSpec, info_meta_defaults
from deeplake.htypes.class_label import _validate_class_names_kwarg, validate_index_dtype
from deeplake.htypes.generic import coerce_numeric

BINARY_MASK = HtypeSpec(
    name="binary_mask",
    default_dtype="bool",
    coerce=coerce_numeric,
    supports_downsampling=True,
)

SEGMENT_MASK = HtypeSpec(
    name="segment_mask",
    default_dtype="uint32",
    coerce=coerce_numeric,
    meta_defaults=info_meta_defaults(class_names=[]),
    info_keys=("class_names",),
    allowed_user_keys=frozenset({"class_names"}),
    validate_kwargs=_validate_class_names_kwarg,
    validate_dtype=validate_index_dtype,
    supports_downsampling=True,
)

SPECS = (BINARY_MASK, SEGMENT_MASK)
