"""embedding htype: (d,) float32 vectors; meta keeps the vector index records."""

from deeplake.errors import TensorMetaInvalidHtypeOverwriteValue
from deeplake.htypes._compressions import BYTE_ONLY
from deeplake.htypes.base import HtypeSpec
from deeplake.htypes.generic import coerce_numeric


def _validate(spec: HtypeSpec, kwargs: dict) -> dict:
    indexes = kwargs.get("vdb_indexes", [])
    if not isinstance(indexes, list) or not all(isinstance(i, dict) for i in indexes):
        raise TensorMetaInvalidHtypeOverwriteValue(
            f"Invalid value '{indexes}' for tensor meta key 'vdb_indexes'. "
            "vdb_indexes must be a list of dicts."
        )
    return kwargs


EMBEDDING = HtypeSpec(
    name="embedding",
    default_dtype="float32",
    coerce=coerce_numeric,
    meta_defaults={"vdb_indexes": []},
    allowed_user_keys=frozenset({"vdb_indexes"}),
    allowed_compressions=BYTE_ONLY,
    validate_kwargs=_validate,
)

SPECS = (EMBEDDING,)
