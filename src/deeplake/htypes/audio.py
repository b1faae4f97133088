"""audio htype: (samples, channels) float64; mp3/flac/wav files or raw arrays (no compression)."""

from deeplake.htypes._compressions import AUDIO_ONLY
from deeplake.htypes.base import COMPRESSION_SAMPLE_REQUIRED, HtypeSpec
from deeplake.htypes.generic import coerce_numeric

AUDIO = HtypeSpec(
    name="audio",
    default_dtype="float64",
    coerce=coerce_numeric,
    compression_rule=COMPRESSION_SAMPLE_REQUIRED,
    allowed_compressions=AUDIO_ONLY,
    has_sample_info=True,
)

SPECS = (AUDIO,)
