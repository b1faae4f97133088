"""Hidden companion tensors created with a tensor (FORMAT.md §1.6).

``_<t>_info`` (json: source file metadata), ``_<t>_shape`` (int64 shape of
each sample) and ``_<t>_id`` (random uint64 per sample), created in that
order, in the tensor's group, and linked from the main tensor's
``links``. ``_<t>_downsampled_<f>`` tensors come from ``downsampling``.
"""

from __future__ import annotations

import posixpath
from typing import Dict, List, NamedTuple, Optional, Tuple, Union

from deeplake.constants import COMPANION_MAX_CHUNK_SIZE
from deeplake.htypes.base import HtypeSpec
from deeplake.htypes.registry import get_htype

INFO, SHAPE, ID = "info", "shape", "id"


def companion_key(tensor_key: str, kind: str) -> str:
    """``a/b/x`` -> ``a/b/_x_<kind>`` (kind: "id", "shape" or "info")."""
    group, leaf = posixpath.split(tensor_key)
    return posixpath.join(group, f"_{leaf}_{kind}")


def downsampled_key(tensor_key: str, factor: int) -> str:
    """Key of the downsampled copy; a downsampled key's factor multiplies on."""
    group, leaf = posixpath.split(tensor_key)
    if leaf.startswith("_") and "downsampled" in leaf:
        parts = leaf.split("_")
        parts[-1] = str(int(parts[-1]) * factor)
        return posixpath.join(group, "_".join(parts))
    return posixpath.join(group, f"_{leaf}_downsampled_{factor}")


class Companion(NamedTuple):
    """kind: INFO / SHAPE / ID. key: the companion's tensor key.
    meta_args: build_tensor_meta keyword arguments for it (besides name).
    link: the main tensor's ``links[key]`` record."""

    kind: str
    key: str
    meta_args: Dict
    link: Dict


def _link(extend: str, update: Optional[str], flatten_sequence: bool) -> Dict:
    link: Dict = {"extend": extend, "flatten_sequence": flatten_sequence}
    if update is not None:
        link["update"] = update
    return link


def companions(
    tensor_key: str,
    htype: Union[str, HtypeSpec, None],
    is_link: bool = False,
    verify: bool = True,
    create_shape_tensor: bool = True,
    create_id_tensor: bool = True,
    create_sample_info_tensor: bool = True,
) -> List[Companion]:
    """Companions to create for a new tensor, in the reference's order.

    ``htype`` is the base htype (None for an htype-less tensor). A link
    tensor created with verify=False gets no shape and no info companion.
    """
    spec = htype if isinstance(htype, HtypeSpec) else get_htype(htype)
    if is_link and not verify:
        create_shape_tensor = create_sample_info_tensor = False
    out: List[Companion] = []
    if create_sample_info_tensor and spec.has_sample_info:
        out.append(Companion(
            INFO,
            companion_key(tensor_key, INFO),
            {"htype": "json", "max_chunk_size": COMPANION_MAX_CHUNK_SIZE, "hidden": True},
            _link("extend_info", "update_info", True),
        ))
    if create_shape_tensor and spec.has_shape_tensor:
        extend, update = spec.shape_link
        out.append(Companion(
            SHAPE,
            companion_key(tensor_key, SHAPE),
            {"dtype": "int64", "max_chunk_size": COMPANION_MAX_CHUNK_SIZE, "hidden": True},
            _link(extend, update, True),
        ))
    if create_id_tensor:
        out.append(Companion(ID, companion_key(tensor_key, ID), {"hidden": True},
                             _link("extend_id", None, False)))
    return out


def links_of(items: List[Companion]) -> Dict[str, Dict]:
    """The ``links`` dict of the main tensor for its companions."""
    return {c.key: dict(c.link) for c in items}


def validate_downsampling(downsampling) -> Tuple[Optional[int], Optional[int]]:
    """(factor, number of layers) of create_tensor(downsampling=...)."""
    if downsampling is None:
        return None, None
    if len(downsampling) != 2:
        raise ValueError(
            "Downsampling must be a tuple of the form (downsampling_factor, number_of_layers), "
            f"got {downsampling}"
        )
    factor, layers = downsampling
    if not isinstance(factor, int) or factor < 1:
        raise ValueError("Downsampling factor must be an integer >= 1")
    if not isinstance(layers, int) or layers < 1:
        raise ValueError("Number of layers must be an integer >= 1")
    return factor, layers


def downsampled_link() -> Dict:
    return _link("extend_downsample", "update_downsample", True)
