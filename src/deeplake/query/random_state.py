"""The deeplake-wide random seed (``deeplake.random.seed``).

With a seed set, every random operation (TQL RANDOM() and SAMPLE BY,
random_split, loader shuffling) draws from a fresh generator seeded with it,
so repeating an operation repeats its result. numpy's global state is never
touched, and numpy's seed never affects these operations.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

_seed: Optional[int] = None


def set_seed(value: Optional[int] = None) -> None:
    """Set (an int) or reset (None) the seed of deeplake's random operations."""
    global _seed
    if value is not None and not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"provided seed type `{type(value)}` is incorrect seed must be an integer"
        )
    _seed = None if value is None else int(value)


seed = set_seed  # the documented name: deeplake.random.seed(0)


def get_seed() -> Optional[int]:
    """The seed set with seed(), or None."""
    return _seed


def get_rng() -> np.random.Generator:
    """A generator for one random operation: seeded when a seed is set."""
    return np.random.default_rng(_seed)


class DeeplakeRandom:
    """Singleton facade documented as deeplake.core.seed.DeeplakeRandom."""

    _instance: Optional["DeeplakeRandom"] = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def seed(self, seed: Optional[int] = None) -> None:
        set_seed(seed)

    def get_seed(self) -> Optional[int]:
        return get_seed()
