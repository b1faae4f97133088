"""point_cloud htype: (points, 3) float32; las files or raw arrays."""

from deeplake.htypes._compressions import POINT_CLOUD_ONLY
from deeplake.htypes.base import COMPRESSION_SAMPLE_REQUIRED, HtypeSpec
from deeplake.htypes.generic import coerce_numeric

POINT_CLOUD = HtypeSpec(
    name="point_cloud",
    default_dtype="float32",
    coerce=coerce_numeric,
    compression_rule=COMPRESSION_SAMPLE_REQUIRED,
    allowed_compressions=POINT_CLOUD_ONLY,
    has_sample_info=True,
)

SPECS = (POINT_CLOUD,)
