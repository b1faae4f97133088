"""point htype: (points, 2 | 3) int32 coordinates."""

from deeplake.htypes.base import HtypeSpec
from deeplake.htypes.generic import coerce_numeric

POINT = HtypeSpec(name="point", default_dtype="int32", coerce=coerce_numeric)

SPECS = (POINT,)
