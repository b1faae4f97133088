"""ShapeInterval: documented bounds, string forms and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deeplake.errors import InvalidShapeIntervalError
from deeplake.util.shape_interval import ShapeInterval


def test_documented_example():
    si = ShapeInterval((2, 10, 10), (2, 10, 15))
    assert repr(si) == "ShapeInterval(lower=(2, 10, 10), upper=(2, 10, 15))"
    assert str(si) == "(2, 10, 10:15)"
    assert si.lower == (2, 10, 10) and si.upper == (2, 10, 15)
    assert si.is_dynamic
    assert si.astuple() == (2, 10, None)
    assert len(si) == 3


def test_fixed_shape():
    si = ShapeInterval([4, 3])
    assert si.lower == si.upper == (4, 3)
    assert not si.is_dynamic
    assert si.astuple() == (4, 3)
    assert str(si) == "(4, 3)"
    assert str(ShapeInterval([7])) == "(7,)"
    assert str(ShapeInterval([0, 5], [3, 5])) == "(0:3, 5)"
    assert str(ShapeInterval(())) == "()"


def test_numpy_and_none_components():
    si = ShapeInterval(np.array([2, 3]), (np.int64(2), 9))
    assert si.lower == (2, 3) and si.upper == (2, 9)
    assert all(type(d) is int for d in si.lower + si.upper)
    assert ShapeInterval((None, 3)).astuple() == (None, 3)


def test_equality_and_hash():
    assert ShapeInterval((1, 2), (1, 3)) == ShapeInterval([1, 2], [1, 3])
    assert ShapeInterval((1, 2)) != ShapeInterval((1, 2), (1, 3))
    assert ShapeInterval((1, 2)) != (1, 2)
    assert len({ShapeInterval((1, 2)), ShapeInterval([1, 2])}) == 1


@pytest.mark.parametrize(
    "lower, upper",
    [
        ((1, 2), (1,)),  # length mismatch
        ((3,), (2,)),  # lower > upper
        ((-1, 2), None),  # negative lower
        ((1, 2), (1, -2)),  # negative upper
        ((1.5,), None),  # not an integer
        (("a",), None),
        ((True,), None),
        (5, None),  # not a sequence
    ],
)
def test_bad_input(lower, upper):
    with pytest.raises(InvalidShapeIntervalError):
        ShapeInterval(lower, upper)


def test_error_is_value_error():
    with pytest.raises(ValueError):
        ShapeInterval((3,), (2,))


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=5))
def test_properties(pairs):
    lower = [min(p) for p in pairs]
    upper = [max(p) for p in pairs]
    si = ShapeInterval(lower, upper)
    assert len(si) == len(pairs)
    assert si.is_dynamic == (lower != upper)
    assert si.astuple() == tuple(lo if lo == hi else None for lo, hi in zip(lower, upper))
    inner = str(si)[1:-1].rstrip(",")
    parts = [p for p in inner.split(", ") if p]
    for part, lo, hi in zip(parts, lower, upper):
        assert part == (str(lo) if lo == hi else f"{lo}:{hi}")
    assert eval(repr(si), {"ShapeInterval": ShapeInterval}) == si
