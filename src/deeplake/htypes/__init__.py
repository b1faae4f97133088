"""Htypes: one module per htype family, a registry, and what the engine calls.

Public API (see each module for details):
    parse_htype, ParsedHtype, get_htype, HTYPES, format_htype   -- registry
    HtypeSpec, UNSPECIFIED, Coerced, CoercedBatch               -- base
    build_tensor_meta, htype_meta_updates                       -- meta
    companions, companion_key, downsampled_key, links_of        -- companions
    coerce_sample, coerce_samples, infer_htype                  -- coerce
    cast_to_dtype, infer_dtype                                  -- casting
    encode_*/decode_* for text/json/list                        -- text
    Polygons, encode_polygons, decode_polygons                  -- polygon
"""

from deeplake.htypes.base import (
    UNSPECIFIED,
    Coerced,
    CoercedBatch,
    HtypeSpec,
)
from deeplake.htypes.casting import cast_to_dtype, dtype_meta_updates, infer_dtype
from deeplake.htypes.class_label import convert_labels
from deeplake.htypes.coerce import coerce_sample, coerce_samples, infer_htype
from deeplake.htypes.companions import (
    Companion,
    companion_key,
    companions,
    downsampled_key,
    downsampled_link,
    links_of,
    validate_downsampling,
)
from deeplake.htypes.image import convert_image_array
from deeplake.htypes.meta import build_tensor_meta, htype_meta_updates, validate_links
from deeplake.htypes.polygon import Polygons, decode_polygons, encode_polygons
from deeplake.htypes.registry import HTYPES, ParsedHtype, format_htype, get_htype, parse_htype
from deeplake.htypes.text import (
    TEXT_LIKE_HTYPES,
    decode_json,
    decode_list,
    decode_text,
    decode_text_batch,
    decode_text_sample,
    encode_json,
    encode_list,
    encode_text,
    encode_text_batch,
    encode_text_sample,
    json_dumps,
    json_loads,
    register_sample_factory,
    text_sample_to_array,
)

__all__ = [name for name in dir() if not name.startswith("_")]
