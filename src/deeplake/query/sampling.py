"""Weighted sampling (SAMPLE BY, Dataset.sample_by) and random_split lengths."""

from __future__ import annotations

import math
import warnings
from typing import Optional, Sequence, Union

import numpy as np


def _check_weights(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 2 and w.shape[1] == 1:
        w = w[:, 0]  # a scalar tensor read as (n, 1)
    if w.ndim != 1:
        raise ValueError(f"weights must be one number per sample; got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite numbers")
    if np.any(w < 0):
        raise ValueError("weights must not be negative")
    return w


def weighted_sample(
    weights: np.ndarray,
    replace: bool = True,
    size: Optional[int] = None,
    rng: Optional[np.random.Generator] = None,
) -> np.ndarray:
    """Draw ``size`` (default: len(weights)) row indices, P(row) proportional to its weight.

    Without replacement each row is drawn at most once (successive draws, each
    proportional to the remaining weights), so size may not exceed the number
    of rows with a positive weight. Returns int64 indices in draw order.
    """
    w = _check_weights(weights)
    n = len(w)
    size = n if size is None else int(size)
    if size < 0:
        raise ValueError(f"sample size must not be negative; got {size}")
    if rng is None:
        from deeplake.query.random_state import get_rng

        rng = get_rng()
    if size == 0:
        return np.empty(0, dtype=np.int64)
    total = w.sum()
    if total <= 0:
        raise ValueError("cannot sample: every weight is zero")
    if replace:
        cumulative = np.cumsum(w)
        draws = rng.random(size) * cumulative[-1]
        picked = np.searchsorted(cumulative, draws, side="right")
        # Guards a draw landing exactly on the total through rounding.
        return np.minimum(picked, n - 1).astype(np.int64)
    positive = np.flatnonzero(w > 0)
    if size > len(positive):
        raise ValueError(
            f"cannot draw {size} samples without replacement: only {len(positive)} "
            "samples have a positive weight"
        )
    # Efraimidis-Spirakis: the largest keys log(u)/w are a draw without
    # replacement, and sorting them by key gives the draw order.
    keys = np.log(rng.random(len(positive))) / w[positive]
    if size < len(positive):
        top = np.argpartition(-keys, size - 1)[:size]
    else:
        top = np.arange(len(positive))
    top = top[np.argsort(-keys[top], kind="stable")]
    return positive[top].astype(np.int64)


def random_split_lengths(n: int, lengths: Sequence[Union[int, float]]) -> list[int]:
    """Absolute split lengths for Dataset.random_split.

    Fractions summing to 1 become floor(fraction * n) each, and the remainder
    is handed out one by one, round robin from the first split. Integer
    lengths must add up to n.
    """
    lengths = list(lengths)
    if not lengths:
        raise ValueError("lengths must not be empty")
    for i, value in enumerate(lengths):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"length at index {i} must be an int or a float; got {value!r}")
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        result = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            result.append(int(math.floor(n * fraction)))
        for i in range(n - sum(result)):
            result[i % len(result)] += 1
        for i, length in enumerate(result):
            if length == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset."
                )
        return result
    if total != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    if any(float(v) != int(v) or v < 0 for v in lengths):
        raise ValueError(
            "lengths must be non-negative integers, or fractions between 0 and 1 that sum to 1"
        )
    return [int(v) for v in lengths]


def random_split_indices(
    n: int,
    lengths: Sequence[Union[int, float]],
    rng: Optional[np.random.Generator] = None,
    chunk_ends: Optional[Sequence[int]] = None,
) -> list[np.ndarray]:
    """Row indices of each split of random_split.

    With ``chunk_ends`` (exclusive end row of each chunk of the primary
    tensor) chunks are visited in random order and rows shuffled within each
    chunk, so a loader over a split reads each chunk in one go.
    """
    sizes = random_split_lengths(n, lengths)
    if rng is None:
        from deeplake.query.random_state import get_rng

        rng = get_rng()
    if chunk_ends is None:
        order = rng.permutation(n)
    else:
        ends = np.asarray(chunk_ends, dtype=np.int64)
        starts = np.concatenate([[0], ends[:-1]])
        pieces = []
        for c in rng.permutation(len(ends)):
            rows = np.arange(starts[c], min(ends[c], n))
            rng.shuffle(rows)
            pieces.append(rows)
        order = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.int64)
    bounds = np.cumsum([0] + sizes)
    return [order[bounds[i] : bounds[i + 1]].astype(np.int64) for i in range(len(sizes))]
