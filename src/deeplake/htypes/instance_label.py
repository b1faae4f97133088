"""instance_label htype: uint32 instance ids (no class names)."""

from deeplake.htypes.base import HtypeSpec
from deeplake.htypes.generic import coerce_numeric

INSTANCE_LABEL = HtypeSpec(name="instance_label", default_dtype="uint32", coerce=coerce_numeric)

SPECS = (INSTANCE_LABEL,)
