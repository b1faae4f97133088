"""weighted_sample, random_split lengths and the deeplake random seed."""

import warnings

import numpy as np
import pytest

from deeplake.query import (
    DictColumnSource, evaluate_weights, random_split_indices, random_split_lengths, weighted_sample,
)
from deeplake.query import random_state


def test_weighted_sample_with_replacement_follows_weights():
    w = np.array([0.0, 1.0, 3.0])
    picks = weighted_sample(w, True, 40000, np.random.default_rng(0))
    assert picks.dtype == np.int64 and len(picks) == 40000
    counts = np.bincount(picks, minlength=3)
    assert counts[0] == 0
    assert abs(counts[2] / counts[1] - 3) < 0.2


def test_weighted_sample_without_replacement():
    w = np.array([1.0, 0.0, 2.0, 5.0, 1.0])
    picks = weighted_sample(w, False, 4, np.random.default_rng(1))
    assert sorted(picks.tolist()) == [0, 2, 3, 4]
    with pytest.raises(ValueError, match="only 4 samples"):
        weighted_sample(w, False, 5, np.random.default_rng(1))
    first = [weighted_sample(w, False, 1, np.random.default_rng(s))[0] for s in range(3000)]
    share = np.bincount(first, minlength=5) / 3000
    np.testing.assert_allclose(share, w / w.sum(), atol=0.03)


def test_weighted_sample_defaults_and_validation():
    assert len(weighted_sample([1, 1, 1], rng=np.random.default_rng(0))) == 3
    assert len(weighted_sample(np.ones((4, 1)), rng=np.random.default_rng(0))) == 4
    assert len(weighted_sample([1, 2], size=0)) == 0
    for bad in ([-1, 2], [np.nan, 1], [0, 0]):
        with pytest.raises(ValueError):
            weighted_sample(bad, True, 2, np.random.default_rng(0))
    with pytest.raises(ValueError):
        weighted_sample(np.ones((2, 2)))
    with pytest.raises(ValueError):
        weighted_sample([1, 2], size=-1)


def test_sample_reproducible_with_seed():
    w = np.arange(1, 50, dtype=float)
    random_state.seed(42)
    try:
        a = weighted_sample(w, False, 10)
        b = weighted_sample(w, False, 10)
        assert a.tolist() == b.tolist()
    finally:
        random_state.seed(None)
    assert random_state.get_seed() is None


def test_seed_semantics():
    with pytest.raises(TypeError):
        random_state.seed("1")
    random_state.seed(3)
    try:
        assert random_state.get_seed() == 3
        assert random_state.DeeplakeRandom().get_seed() == 3
        assert random_state.get_rng().random() == np.random.default_rng(3).random()
        before = np.random.get_state()[1][:5].copy()
        random_state.get_rng().random(10)
        assert (np.random.get_state()[1][:5] == before).all()  # numpy's global state untouched
        random_state.DeeplakeRandom().seed(None)
        assert random_state.get_seed() is None
    finally:
        random_state.seed(None)
    assert random_state.DeeplakeRandom() is random_state.DeeplakeRandom()


@pytest.mark.parametrize(
    "n, lengths, expected",
    [
        (5, [0.8, 0.2], [4, 1]),  # the documented example
        (5, [3, 2], [3, 2]),
        (10, [0.7, 0.2, 0.1], [7, 2, 1]),
        (10, [0.33, 0.33, 0.34], [4, 3, 3]),  # floor 3,3,3 then the remainder round robin
        (7, [0.5, 0.5], [4, 3]),
        (11, [0.25, 0.25, 0.25, 0.25], [3, 3, 3, 2]),
        (1, [1], [1]),
    ],
)
def test_random_split_lengths(n, lengths, expected):
    assert random_split_lengths(n, lengths) == expected


def test_random_split_errors_and_warnings():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split_lengths(5, [3, 3])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split_lengths(5, [0.5, 0.6])
    with pytest.raises(ValueError, match="Fraction at index 0"):
        random_split_lengths(5, [1.5, -0.5])
    with pytest.raises(ValueError):
        random_split_lengths(5, [])
    with pytest.raises(ValueError):
        random_split_lengths(5, [2.5, 2.5])
    with pytest.raises(TypeError):
        random_split_lengths(5, ["a"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert random_split_lengths(2, [0.9, 0.05, 0.05]) == [2, 0, 0]
    assert any("index 1 is 0" in str(w.message) for w in caught)


def test_random_split_indices_partition_and_seed():
    parts = random_split_indices(10, [0.5, 0.3, 0.2], np.random.default_rng(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    assert sorted(np.concatenate(parts).tolist()) == list(range(10))
    again = random_split_indices(10, [0.5, 0.3, 0.2], np.random.default_rng(0))
    assert all((a == b).all() for a, b in zip(parts, again))
    chunked = random_split_indices(10, [6, 4], np.random.default_rng(2), chunk_ends=[4, 8, 10])
    flat = np.concatenate(chunked)
    assert sorted(flat.tolist()) == list(range(10))
    # Rows of a chunk stay together.
    chunk_of = np.searchsorted([4, 8, 10], flat, side="right")
    assert (np.diff(chunk_of) != 0).sum() == 2


def test_evaluate_weights_for_dataset_sample_by():
    labels = np.array([5, 6, 5, 1, 6]).reshape(-1, 1)
    src = DictColumnSource({"labels": labels})
    w = evaluate_weights(src, "max_weight(labels == 5: 10, labels == 6: 5)")
    assert w.tolist() == [10, 5, 10, 0, 5]
    w = evaluate_weights(src, "sum_weight(labels == 5: 10, labels >= 5: 1)")
    assert w.tolist() == [11, 1, 11, 0, 1]
    assert evaluate_weights(src, "labels").tolist() == [5, 6, 5, 1, 6]
