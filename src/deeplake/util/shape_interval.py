"""Shape of a possibly dynamic tensor as per-axis lower and upper bounds."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np

from deeplake.errors import InvalidShapeIntervalError

__all__ = ["ShapeInterval"]


def _as_dims(shape: Sequence[Any], name: str) -> Tuple[Optional[int], ...]:
    try:
        dims = tuple(shape)
    except TypeError:
        raise InvalidShapeIntervalError(f"{name} must be a sequence of integers, got {shape!r}.") from None
    out = []
    for d in dims:
        if d is None:
            out.append(None)  # unknown extent, e.g. a tensor with no samples yet
            continue
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise InvalidShapeIntervalError(f"{name} must hold integers, got {shape!r}.")
        value = int(d)
        if value < 0:
            raise InvalidShapeIntervalError(f"{name} cannot contain negative components: {shape!r}.")
        out.append(value)
    return tuple(out)


class ShapeInterval:
    """Lower and upper bound of a shape; fixed where they agree, dynamic elsewhere.

    Raises InvalidShapeIntervalError when the bounds have different lengths,
    hold negative or non-integer values, or a lower bound exceeds its upper.
    """

    __slots__ = ("_lower", "_upper")

    def __init__(self, lower: Sequence[int], upper: Optional[Sequence[int]] = None):
        low = _as_dims(lower, "lower")
        up = low if upper is None else _as_dims(upper, "upper")
        if len(low) != len(up):
            raise InvalidShapeIntervalError(
                f"Lengths must match: lower={low}, upper={up}."
            )
        for lo, hi in zip(low, up):
            if lo is not None and hi is not None and lo > hi:
                raise InvalidShapeIntervalError(
                    f"lower[i] must always be <= upper[i]: lower={low}, upper={up}."
                )
        self._lower = low
        self._upper = up

    @property
    def lower(self) -> Tuple[int, ...]:
        return self._lower

    @property
    def upper(self) -> Tuple[int, ...]:
        return self._upper

    @property
    def is_dynamic(self) -> bool:
        """True when any axis has different lower and upper bounds."""
        return self._lower != self._upper

    def astuple(self) -> Tuple[Optional[int], ...]:
        """The shape with ``None`` on every dynamic axis."""
        return tuple(lo if lo == hi else None for lo, hi in zip(self._lower, self._upper))

    def __len__(self) -> int:
        return len(self._lower)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ShapeInterval):
            return NotImplemented
        return self._lower == other._lower and self._upper == other._upper

    def __hash__(self) -> int:
        return hash((self._lower, self._upper))

    def __str__(self) -> str:
        parts = [str(lo) if lo == hi else f"{lo}:{hi}" for lo, hi in zip(self._lower, self._upper)]
        if len(parts) == 1:
            return f"({parts[0]},)"
        return f"({', '.join(parts)})"

    def __repr__(self) -> str:
        return f"ShapeInterval(lower={self._lower}, upper={self._upper})"
