"""intrinsics htype: (3, 3) float32 camera matrices (or a stack of them)."""

from deeplake.htypes.base import HtypeSpec
from deeplake.htypes.generic import coerce_numeric

INTRINSICS = HtypeSpec(name="intrinsics", default_dtype="float32", coerce=coerce_numeric)

SPECS = (INTRINSICS,)
