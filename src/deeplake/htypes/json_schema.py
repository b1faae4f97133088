"""Typing-style schemas a json / list / tag tensor may declare as its dtype.

Grammar: a scalar (int, float, bool, str, list, dict, ndarray, Sample) or
Any, Dict[K, V], Dict, List[T], List, Optional[T], Union[T1, ...]; a
``typing.`` prefix is ignored, so ``dtype=typing.Dict[str, int]`` works (the
meta then stores ``"typing.Dict[str, int]"``, as the reference does).
Samples are validated only when truthy (an empty dict/list always passes).
"""

from __future__ import annotations

from typing import Any, List, Tuple

import numpy as np

from deeplake.errors import TensorMetaInvalidHtypeOverwriteValue

SCALARS = ("int", "float", "bool", "str", "list", "dict", "ndarray", "Sample")
GENERICS = ("Any", "Dict", "List", "Optional", "Union")
_ALIASES = {
    "numpy.ndarray": "ndarray",
    "np.ndarray": "ndarray",
    "deeplake.core.sample.Sample": "Sample",
    "deeplake.Sample": "Sample",
}
# max (or exact, for Dict) parameter counts
_ARITY = {"Any": (0, 0), "Optional": (0, 1), "Union": (1, None), "List": (0, 1), "Dict": (0, 2)}


def _bad(schema, why: str) -> TensorMetaInvalidHtypeOverwriteValue:
    return TensorMetaInvalidHtypeOverwriteValue(
        f"Invalid value '{schema}' for tensor meta key 'dtype'. {why}"
    )


def schema_to_str(schema: Any) -> str:
    """The string stored in tensor_meta ``dtype`` for a json/list/tag schema."""
    if getattr(schema, "__module__", None) == "typing":
        return str(schema)
    if isinstance(schema, type) and schema.__name__ in SCALARS:
        return schema.__name__
    if not isinstance(schema, str):
        raise _bad(schema, "A json schema must be a string or a typing annotation.")
    return schema


def _split_params(text: str, schema: str) -> List[str]:
    params, depth, buf = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise _bad(schema, "Unbalanced brackets.")
        if ch == "," and depth == 0:
            params.append(buf)
            buf = ""
        elif ch != " ":
            buf += ch
    if depth:
        raise _bad(schema, "Unbalanced brackets.")
    if buf:
        params.append(buf)
    return params


def parse_schema(schema: str) -> Tuple[str, List[str]]:
    """(type name, parameter schemas); TensorMetaInvalidHtypeOverwriteValue if invalid."""
    text = schema.replace("typing.", "").strip()
    if "[" in text:
        if not text.endswith("]"):
            raise _bad(schema, "Unbalanced brackets.")
        typ, inner = text.split("[", 1)
        params = _split_params(inner[:-1], schema)
    else:
        typ, params = text, []
    typ = _ALIASES.get(typ, typ)
    if typ in SCALARS:
        if params:
            raise _bad(schema, f"{typ} takes no parameters.")
        return typ, params
    if typ not in GENERICS:
        raise _bad(schema, f"Unsupported type: {typ}")
    low, high = _ARITY[typ]
    if typ == "Dict" and len(params) not in (0, 2):
        raise _bad(schema, "Dict takes exactly 2 parameters.")
    if len(params) < low or (high is not None and len(params) > high):
        raise _bad(schema, f"Wrong number of parameters for {typ}: {len(params)}.")
    for param in params:
        parse_schema(param)
    return typ, params


def validate_schema(schema: Any) -> str:
    """Check a schema given as create_tensor dtype; return the string to store."""
    text = schema_to_str(schema)
    parse_schema(text)
    return text


def _is_sample(obj) -> bool:
    return hasattr(obj, "compression") and (hasattr(obj, "buffer") or hasattr(obj, "array"))


def matches(obj: Any, schema: str) -> bool:
    """True if ``obj`` conforms to ``schema``."""
    typ, params = parse_schema(schema)
    if typ == "Any":
        return True
    if typ == "int":
        return isinstance(obj, (int, np.integer)) and not isinstance(obj, (bool, np.bool_))
    if typ == "float":
        return isinstance(obj, (float, np.floating))
    if typ == "bool":
        return isinstance(obj, (bool, np.bool_))
    if typ == "str":
        return isinstance(obj, str)
    if typ == "list":
        return isinstance(obj, list)
    if typ == "dict":
        return isinstance(obj, dict)
    if typ == "ndarray":
        return isinstance(obj, np.ndarray)
    if typ == "Sample":
        return _is_sample(obj)
    if typ == "Optional":
        return obj is None or not params or matches(obj, params[0])
    if typ == "Union":
        return any(matches(obj, p) for p in params)
    if typ == "List":
        if not isinstance(obj, (list, tuple)):
            return False
        return not params or all(matches(item, params[0]) for item in obj)
    if typ == "Dict":
        if not isinstance(obj, dict):
            return False
        if not params:
            return True
        return all(isinstance(k, str) for k in obj) and all(
            matches(v, params[1]) for v in obj.values()
        )
    return False


def conforms(obj: Any, schema: str) -> bool:
    """The reference's rule: falsy samples always pass, others must match."""
    return not obj or schema == "Any" or matches(obj, schema)
