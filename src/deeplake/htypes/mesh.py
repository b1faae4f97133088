"""mesh htype: ply files (points, 3)."""

from deeplake.htypes._compressions import MESH_ONLY
from deeplake.htypes.base import COMPRESSION_SAMPLE_REQUIRED, HtypeSpec
from deeplake.htypes.generic import coerce_numeric

MESH = HtypeSpec(
    name="mesh",
    default_dtype=None,
    coerce=coerce_numeric,
    compression_rule=COMPRESSION_SAMPLE_REQUIRED,
    allowed_compressions=MESH_ONLY,
    default_sample_compression="ply",
    has_sample_info=True,
)

SPECS = (MESH,)
