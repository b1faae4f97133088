"""Entry points the chunk engine calls to turn user samples into stored values.

The engine handles deeplake.read() Samples, link() paths, Tensor samples and
tiling itself; these functions cover Python / numpy values of every htype.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from deeplake.htypes.base import Coerced, CoercedBatch, HtypeSpec
from deeplake.htypes.meta import htype_meta_updates
from deeplake.htypes.registry import get_htype


def infer_htype(samples: Sequence[Any]) -> str:
    """htype an htype-less tensor takes from its first non-empty batch.

    dicts -> "json"; only strings -> "text"; items that only numpy's object
    dtype can hold -> "json"; anything else -> "generic".
    """
    if isinstance(samples, np.ndarray) or hasattr(samples, "shape"):
        return "generic"
    items = [s for s in samples if s is not None]
    if not items or any(hasattr(s, "shape") for s in items):
        return "generic"
    types = {type(s) for s in items}
    if dict in types:
        return "json"
    if all(isinstance(s, str) for s in items):
        return "text"
    for item in items:
        try:
            if np.asarray(item).dtype == object:
                return "json"
        except ValueError:  # ragged nesting
            return "json"
    return "generic"


def coerce_samples(
    spec: Optional[HtypeSpec], meta: dict, info: Optional[dict], samples: Sequence[Any]
) -> CoercedBatch:
    """Coerce a batch of samples for the tensor described by ``meta``/``info``.

    ``spec`` may be None: it is then looked up from meta["htype"].
    Nothing is mutated; apply ``meta_updates`` / ``info_updates`` of the
    result once the batch is stored. For an htype-less tensor
    (meta["htype"] is None) the htype is decided from the batch first and
    reported in ``meta_updates``.
    """
    meta_updates: dict = {}
    if meta.get("htype") is None and any(s is not None for s in samples):
        htype = infer_htype(samples)
        if meta.get("dtype") is not None and htype != "generic":
            htype = "generic"  # a numeric dtype was chosen: text/json data is an error
        meta_updates = htype_meta_updates(meta, htype)
        meta = {**meta, **meta_updates}
        spec = None
    if spec is None:
        spec = get_htype(meta.get("htype"))
    batch = spec.coerce(spec, meta, info or {}, samples)
    if meta_updates:
        batch.meta_updates = {**meta_updates, **batch.meta_updates}
    return batch


def coerce_sample(spec: Optional[HtypeSpec], meta: dict, info: Optional[dict],
                  sample: Any) -> CoercedBatch:
    """coerce_samples for one sample; the value is ``result.samples[0]``."""
    return coerce_samples(spec, meta, info, [sample])


__all__ = ["Coerced", "CoercedBatch", "coerce_sample", "coerce_samples", "infer_htype"]
