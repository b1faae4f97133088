"""video htype: (frames, H, W, C) uint8; mp4/mkv/avi files or raw arrays (no compression)."""

from deeplake.htypes._compressions import VIDEO_ONLY
from deeplake.htypes.base import COMPRESSION_SAMPLE_REQUIRED, HtypeSpec
from deeplake.htypes.generic import coerce_numeric

VIDEO = HtypeSpec(
    name="video",
    default_dtype="uint8",
    coerce=coerce_numeric,
    compression_rule=COMPRESSION_SAMPLE_REQUIRED,
    allowed_compressions=VIDEO_ONLY,
    has_sample_info=True,
)

SPECS = (VIDEO,)
