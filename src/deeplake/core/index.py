"""Index algebra: which rows, and which elements of each row, a view selects.

An :class:`IndexEntry` indexes one axis with an int, a slice or a tuple of
ints (a "list" index); a list of many rows (a query result) can be held as a
read-only int64 array instead (``IndexEntry.from_positions``), with the same
behaviour and no per-row Python objects. An :class:`Index` is one entry per axis: the first is
the sample axis, the rest apply inside each sample (``ds.x[0, 10:20, :, 1]``).

Subscripting composes without reading any data, so views of views stay
cheap: ``Index()[1:10][2:5][0]`` is ``Index([3])``. Composition that does not
need the parent's length is exact for every parent length; the few cases that
do need it (a negative int into ``x[5:]``, a reversed slice of ``x[2:9]``)
raise ``NotImplementedError`` from ``[]`` and are handled by
:meth:`Index.compose` / :meth:`IndexEntry.compose` given the length.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from deeplake.errors import InvalidKeyTypeError

IndexValue = Union[int, slice, Tuple[int, ...]]

__all__ = [
    "Index",
    "IndexEntry",
    "IndexValue",
    "has_negatives",
    "merge_slices",
    "normalize_item",
    "replace_ellipsis_with_slices",
    "slice_at_int",
    "slice_length",
]

_TRIVIAL = slice(None)


# --------------------------------------------------------------------------
# value canonicalisation


def _as_int(x: Any) -> Optional[int]:
    """Python int for ints and numpy integers; None for anything else (bools too)."""
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, (int, np.integer)):
        return int(x)
    return None


def _slice_field(x: Any, name: str) -> Optional[int]:
    if x is None:
        return None
    i = _as_int(x)
    if i is None:
        raise TypeError(f"slice {name} must be an integer or None, got {x!r}")
    return i


def _canonical_slice(s: slice) -> slice:
    start = _slice_field(s.start, "start")
    stop = _slice_field(s.stop, "stop")
    step = _slice_field(s.step, "step")
    if step == 0:
        raise ValueError("slice step cannot be zero")
    return slice(start, stop, step)


def _int_tuple(seq: Any) -> Tuple[int, ...]:
    """Tuple of python ints from a list index; boolean masks become positions."""
    arr = np.asarray(seq)
    if arr.size == 0:
        return ()
    if arr.ndim != 1:
        raise TypeError(f"A list index must be one-dimensional, got shape {arr.shape}")
    if arr.dtype == np.bool_:
        return tuple(np.flatnonzero(arr).tolist())
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"A list index must hold integers, got {arr.dtype} values: {seq!r}")
    return tuple(arr.tolist())


def _canonical_value(value: Any) -> IndexValue:
    """One axis' index as int, slice (int fields) or tuple of ints."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    i = _as_int(value)
    if i is not None:
        return i
    if isinstance(value, slice):
        return _canonical_slice(value)
    if isinstance(value, range):
        if value.start >= 0 and value.stop >= 0 and value.step > 0:
            return slice(value.start, value.stop, value.step)
        return tuple(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return _int_tuple(value)
    raise TypeError(f"Value {value!r} is of unrecognized type {type(value).__name__}.")


# --------------------------------------------------------------------------
# slice helpers


def has_negatives(s: slice) -> bool:
    """Whether any field of the slice is negative."""
    return any(v is not None and v < 0 for v in (s.start, s.stop, s.step))


def _is_trivial_slice(s: slice) -> bool:
    return not s.start and s.stop is None and (s.step or 1) == 1


def _is_forward(s: slice) -> bool:
    """Non-negative fields and a positive step: its positions never depend on
    the parent's length, only its end is cut by it."""
    return not has_negatives(s)


def _is_reverse_from_end(s: slice) -> bool:
    """Negative step, start and stop counted from the end (or None): every
    selected element is a fixed negative offset, whatever the length."""
    return (
        s.step is not None
        and s.step < 0
        and (s.start is None or s.start < 0)
        and (s.stop is None or s.stop < 0)
    )


def _max_length(s: slice) -> Optional[int]:
    """Upper bound on the slice's length valid for every parent; None if unbounded."""
    if _is_forward(s) and s.stop is not None:
        start, step = s.start or 0, s.step or 1
        return max(0, -(-(s.stop - start) // step))
    if _is_reverse_from_end(s) and s.stop is not None:
        start = -1 if s.start is None else s.start
        return max(0, -(-(start - s.stop) // -s.step))
    return None


def slice_length(s: slice, parent_length: int) -> int:
    """Number of elements ``s`` selects from a parent of ``parent_length``."""
    return len(range(*s.indices(parent_length)))


def _length_dependent(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"{what} depends on the length of the indexed object; compose with "
        "Index.compose(item, parent_length) instead."
    )


def _out_of_range(i: int, length: int) -> IndexError:
    return IndexError(f"Index {i} is out of range for a view with length {length}")


def slice_at_int(s: slice, i: int) -> int:
    """The ``i``-th element selected by ``s``, without knowing the parent's length.

    Raises NotImplementedError when the answer depends on the parent's length
    (e.g. a negative ``i`` into a non-trivial slice) and IndexError when ``i``
    is past the end of the slice for every possible parent.
    """
    if _is_trivial_slice(s):
        return i
    return _slice_take(s, (i,))[0]


def _slice_take(s: slice, positions: Tuple[int, ...]) -> Tuple[int, ...]:
    """Vectorised ``slice_at_int`` over many positions."""
    if not positions:
        return ()
    pos = np.asarray(positions, dtype=np.int64)
    lowest = int(pos.min())
    if lowest < 0:
        raise _length_dependent(f"Negative index {lowest} into {s}")
    bound = _max_length(s)
    highest = int(pos.max())
    if bound is not None and highest >= bound:
        raise _out_of_range(highest, bound)
    if _is_forward(s):
        return tuple(((s.start or 0) + pos * (s.step or 1)).tolist())
    if _is_reverse_from_end(s):
        return tuple(((-1 if s.start is None else s.start) + pos * s.step).tolist())
    raise _length_dependent(f"Elements of {s}")


def merge_slices(existing_slice: slice, new_slice: slice) -> slice:
    """The slice equal to applying ``existing_slice`` then ``new_slice``.

    ``x[existing_slice][new_slice] == x[merge_slices(existing_slice, new_slice)]``
    for every sequence ``x``. Raises NotImplementedError when no single slice
    does that for every length (negative values after a non-trivial slice).
    """
    if _is_trivial_slice(existing_slice):
        return new_slice
    if _is_trivial_slice(new_slice):
        return existing_slice
    if has_negatives(new_slice):
        raise _length_dependent(f"Composing {existing_slice} with {new_slice}")
    c, d, t = new_slice.start or 0, new_slice.stop, new_slice.step or 1
    if _is_forward(existing_slice):
        a, b, s = existing_slice.start or 0, existing_slice.stop, existing_slice.step or 1
        stop = None if d is None else a + d * s
        if b is not None:
            stop = b if stop is None else min(stop, b)
        return slice(a + c * s, stop, s * t)
    if _is_reverse_from_end(existing_slice):
        a = -1 if existing_slice.start is None else existing_slice.start
        b, s = existing_slice.stop, existing_slice.step
        stop = None if d is None else a + d * s
        if b is not None:
            stop = b if stop is None else max(stop, b)
        return slice(a + c * s, stop, s * t)
    raise _length_dependent(f"Composing {existing_slice} with {new_slice}")


def _range_to_slice(r: range) -> slice:
    """A slice selecting exactly ``r`` from a parent whose indices ``r`` came from."""
    if len(r) == 0:
        return slice(0, 0, 1)
    # a negative stop after slicing range(n) means "through index 0"
    return slice(r.start, r.stop if r.stop >= 0 else None, r.step)


def replace_ellipsis_with_slices(items: Any, ndim: int) -> Any:
    """Expand one ``...`` in a subscript tuple into full slices for ``ndim`` axes."""
    if items is Ellipsis:
        return (_TRIVIAL,) * ndim
    if not isinstance(items, tuple):
        return items
    positions = [k for k, x in enumerate(items) if x is Ellipsis]
    if not positions:
        return items
    if len(positions) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    k = positions[0]
    fill = max(0, ndim - (len(items) - 1))
    return items[:k] + (_TRIVIAL,) * fill + items[k + 1 :]


# --------------------------------------------------------------------------
# IndexEntry


class IndexEntry:
    """Index into one axis: an int (drops the axis), a slice, or a tuple of ints."""

    # A list entry may be held as a read-only int64 array of non-negative
    # positions (``_array``) instead of a tuple: query results select millions
    # of rows, and the tuple is only built if someone reads ``value``.
    __slots__ = ("_value", "_array", "_max", "__weakref__")

    def __init__(self, value: IndexValue = _TRIVIAL):
        self._array = self._max = None
        if isinstance(value, IndexEntry):
            # an IndexEntry's value is already canonical: no need to re-check it
            self._value, self._array, self._max = value._value, value._array, value._max
        else:
            self._value = _canonical_value(value)

    @classmethod
    def from_positions(cls, positions: np.ndarray) -> "IndexEntry":
        """A list entry over non-negative int positions, kept as an array
        (taken over, not copied: the caller must not change it)."""
        arr = np.asarray(positions, dtype=np.int64).reshape(-1)
        if len(arr) and int(arr.min()) < 0:
            raise IndexError(f"from_positions needs non-negative positions, got {int(arr.min())}")
        return _array_entry(arr, int(arr.max()) if len(arr) else -1)

    @property
    def value(self) -> IndexValue:
        v = self._value
        if v is None:
            v = self._value = tuple(self._array.tolist())
        return v

    @value.setter
    def value(self, v: IndexValue) -> None:
        self._value, self._array = v, None

    @property
    def simple_value(self) -> Union[int, slice, None]:
        """The int or slice this entry holds; None for a list entry (without
        building the tuple of an array-backed one)."""
        v = self._value
        return v if isinstance(v, (int, slice)) else None

    @property
    def positions_array(self) -> Optional[np.ndarray]:
        """The read-only position array of an array-backed list entry, else None."""
        return self._array

    # ---- composition -------------------------------------------------

    def __getitem__(self, item: Any) -> "IndexEntry":
        """Compose ``item`` into this entry: ``x[self][item] == x[result]``.

        Raises TypeError for an int entry (it has no axis left), IndexError
        when ``item`` is past the end of this entry for every parent length,
        NotImplementedError when the result would depend on the parent length.
        """
        return self._compose(_canonical_value(item), None)

    def compose(self, item: Any, parent_length: Optional[int] = None) -> "IndexEntry":
        """Like ``self[item]``; given the parent's length, also composes the
        cases that depend on it (the result is then tied to that length)."""
        return self._compose(_canonical_value(item), parent_length)

    def _compose(self, item: IndexValue, parent_length: Optional[int]) -> "IndexEntry":
        if not self.subscriptable():
            raise TypeError("Subscripting IndexEntry after 'int' is not allowed. Use Index instead.")
        if self._array is not None:
            return _compose_array(self._array, item)
        value = self.value
        if isinstance(value, tuple):
            return _entry(_compose_sequence(value, item, len(value)))
        if _is_trivial_slice(value):
            return _entry(item)
        try:
            if isinstance(item, int):
                return _entry(slice_at_int(value, item))
            if isinstance(item, slice):
                return _entry(merge_slices(value, item))
            return _entry(_slice_take(value, item))
        except NotImplementedError:
            if parent_length is None:
                raise
        base = self._resolved(parent_length)
        return _entry(_compose_sequence(base, item, len(base)))

    def _resolved(self, parent_length: int) -> Union[range, Tuple[int, ...]]:
        """Non-negative positions in a parent of the given length (validated)."""
        value = self.value
        if isinstance(value, slice):
            return range(parent_length)[value]
        self.validate(parent_length)
        if isinstance(value, int):
            return (value % parent_length,)
        return tuple(v + parent_length if v < 0 else v for v in value)

    # ---- queries -------------------------------------------------------

    def subscriptable(self) -> bool:
        """Whether the entry keeps its axis (an int entry drops it)."""
        return not isinstance(self._value, int)

    def is_trivial(self) -> bool:
        """Whether the entry selects the whole axis unchanged (``[:]``)."""
        return isinstance(self._value, slice) and _is_trivial_slice(self._value)

    def length(self, parent_length: int) -> int:
        """Number of elements selected from a parent of ``parent_length``."""
        if parent_length == 0:
            return 0
        if self._array is not None:
            return len(self._array)
        value = self.value
        if isinstance(value, int):
            return 1
        if isinstance(value, slice):
            return slice_length(value, parent_length)
        return len(value)

    def validate(self, parent_length: int) -> None:
        """Raise IndexError if an int (or list element) is outside the parent."""
        if self._array is not None:
            if self._max >= parent_length:
                raise IndexError(
                    f"Index {self._max} is out of range for tensors with length {parent_length}"
                )
            return
        value = self.value
        if isinstance(value, slice):
            return  # out-of-range slices just select fewer elements
        values = (value,) if isinstance(value, int) else value
        if not values:
            return
        arr = np.asarray(values, dtype=np.int64)
        if ((arr >= parent_length) | (arr < -parent_length)).any():
            raise IndexError(
                f"Index {values} is out of range for tensors with length {parent_length}"
            )

    def indices(self, length: int) -> Iterator[int]:
        """Yield the selected positions (non-negative) in a parent of ``length``."""
        if self._array is not None:
            yield from self._array.tolist()
            return
        value = self.value
        if isinstance(value, slice):
            yield from range(*value.indices(length))
        elif isinstance(value, int):
            yield value + length if value < 0 else value
        else:
            for v in value:
                yield v + length if v < 0 else v

    def numpy_indices(self, length: int) -> np.ndarray:
        """Selected positions as an int64 array, validated against ``length``
        (read-only for an array-backed entry)."""
        if self._array is not None:
            self.validate(length)
            return self._array
        value = self.value
        if isinstance(value, slice):
            return np.arange(*value.indices(length), dtype=np.int64)
        self.validate(length)
        arr = np.asarray((value,) if isinstance(value, int) else value, dtype=np.int64)
        return np.where(arr < 0, arr + length, arr)

    def downsample(self, factor: int, length: int) -> "IndexEntry":
        """The entry for the same region at 1/``factor`` resolution, ``length`` long.

        Raises TypeError unless the entry is a slice with step 1.
        """
        value = self.value
        if not isinstance(value, slice) or (value.step or 1) != 1 or has_negatives(value):
            raise TypeError(f"Cannot downsample IndexEntry with value {value!r}")
        start = (value.start or 0) // factor
        stop = None if value.stop is None else value.stop // factor
        if stop is None or stop - start != length:
            stop = start + length
        return IndexEntry(slice(start, stop, 1))

    # ---- serialisation and dunders -------------------------------------

    def to_json(self) -> Union[int, List[int], dict]:
        """FORMAT.md 1.7 entry: int, list of ints, or {"start", "stop", "step"}."""
        if self._array is not None:
            return self._array.tolist()
        value = self.value
        if isinstance(value, slice):
            return {"start": value.start, "stop": value.stop, "step": value.step}
        if isinstance(value, tuple):
            return list(value)
        return value

    @classmethod
    def from_json(cls, data: Union[int, List[int], dict]) -> "IndexEntry":
        if isinstance(data, dict):
            return cls(slice(data.get("start"), data.get("stop"), data.get("step")))
        return cls(data)

    def _key(self) -> Tuple:
        v = self.value
        return ("slice", v.start, v.stop, v.step) if isinstance(v, slice) else (type(v).__name__, v)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IndexEntry):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        if self._array is not None and len(self._array) > 20:
            head = ", ".join(str(v) for v in self._array[:10].tolist())
            return f"IndexEntry(({head}, ... {len(self._array)} positions))"
        return f"IndexEntry({self.value!r})"

    __repr__ = __str__

    def __getstate__(self):
        return (self._value, self._array, self._max)

    def __setstate__(self, state) -> None:
        self._value, self._array, self._max = state
        if self._array is not None:
            self._array.setflags(write=False)


def _entry(value: IndexValue) -> IndexEntry:
    """IndexEntry from a value that is already canonical (skips re-checking
    long lists)."""
    entry = IndexEntry.__new__(IndexEntry)
    entry._value, entry._array, entry._max = value, None, None
    return entry


def _array_entry(arr: np.ndarray, highest: int) -> IndexEntry:
    """Array-backed list entry; ``arr`` holds non-negative int64 positions."""
    arr.setflags(write=False)
    entry = IndexEntry.__new__(IndexEntry)
    entry._value, entry._array, entry._max = None, arr, highest
    return entry


def _compose_array(base: np.ndarray, item: IndexValue) -> IndexEntry:
    """Apply a canonical ``item`` to an array-backed list entry."""
    length = len(base)
    if isinstance(item, int):
        if not -length <= item < length:
            raise _out_of_range(item, length)
        return _entry(int(base[item]))
    if isinstance(item, slice):
        if item.indices(length) == (0, length, 1):
            return _array_entry(base, int(base.max()) if length else -1)
        picked = base[item]
    else:
        if not item:
            return _entry(())
        positions = np.asarray(item, dtype=np.int64)
        bad = (positions >= length) | (positions < -length)
        if bad.any():
            raise _out_of_range(int(positions[bad.argmax()]), length)
        picked = base[positions]
    picked = np.array(picked, dtype=np.int64)  # own copy: a slice must not pin a huge parent
    return _array_entry(picked, int(picked.max()) if len(picked) else -1)


def _compose_sequence(base: Sequence[int], item: IndexValue, length: int) -> IndexValue:
    """Apply a canonical ``item`` to an explicit sequence of positions."""
    if isinstance(item, int):
        try:
            return base[item]
        except IndexError:
            raise _out_of_range(item, length) from None
    if isinstance(item, slice):
        picked = base[item]
        return _range_to_slice(picked) if isinstance(picked, range) else tuple(picked)
    if not item:
        return ()
    positions = np.asarray(item, dtype=np.int64)
    bad = (positions >= length) | (positions < -length)
    if bad.any():
        raise _out_of_range(int(positions[bad.argmax()]), length)
    if isinstance(base, range):
        return tuple((base.start + (positions % max(length, 1)) * base.step).tolist())
    return tuple(np.asarray(base, dtype=np.int64)[positions].tolist())


# --------------------------------------------------------------------------
# Index


class Index:
    """One :class:`IndexEntry` per axis; the first selects samples."""

    __slots__ = ("values", "__weakref__")

    def __init__(self, item: Union[IndexValue, "Index", List[IndexEntry], None] = _TRIVIAL):
        if isinstance(item, Index):
            values = list(item.values)
        elif item is None or (isinstance(item, (tuple, list)) and len(item) == 0):
            values = [IndexEntry()]
        elif isinstance(item, (list, tuple)):
            # per-axis values, as printed by str(Index); a list selection of
            # samples is Index([(1, 3, 5)]) or normalize_item([1, 3, 5])
            values = [IndexEntry(v) for v in item]
        else:
            values = [IndexEntry(item)]
        self.values: List[IndexEntry] = values

    # ---- composition -------------------------------------------------

    def find_axis(self, offset: int = 0) -> Optional[int]:
        """Position of the ``offset``-th subscriptable entry, or None."""
        seen = 0
        for k, entry in enumerate(self.values):
            if entry.subscriptable():
                if seen == offset:
                    return k
                seen += 1
        return None

    def compose_at(
        self, item: IndexValue, i: Optional[int] = None, parent_length: Optional[int] = None
    ) -> "Index":
        """Compose ``item`` into axis ``i``, or append it as a new axis when
        ``i`` is None or past the last entry."""
        if i is None or i >= len(self.values):
            return Index(self.values + [IndexEntry(item)])
        entry = self.values[i]._compose(_canonical_value(item), parent_length)
        return Index(self.values[:i] + [entry] + self.values[i + 1 :])

    def __getitem__(self, item: Any) -> "Index":
        """Subscript the view this Index describes (numpy-style, per axis).

        ``Index([5, slice(None)])[5] == Index([5, 5])``,
        ``Index()[0, 1, 2:5, 3] == Index([0, 1, slice(2, 5), 3])``.
        Raises TypeError for unsupported item types.
        """
        return self.compose(item)

    def compose(self, item: Any, parent_length: Optional[int] = None) -> "Index":
        """``self[item]``; ``parent_length`` (the unindexed number of samples)
        lets the sample axis compose length-dependent items too."""
        items = _subscript_items(item)
        # The k-th item addresses the k-th axis still present in this view,
        # i.e. the k-th subscriptable entry; extra items open new axes.
        axes = [k for k, e in enumerate(self.values) if e.subscriptable()]
        values = list(self.values)
        for k, sub in enumerate(items):
            if k < len(axes):
                ax = axes[k]
                length = parent_length if ax == 0 else None
                values[ax] = values[ax]._compose(sub, length)
            else:
                values.append(_entry(sub))
        return Index(values)

    # ---- application ---------------------------------------------------

    def apply(self, samples: List[np.ndarray]) -> List[np.ndarray]:
        """Apply the per-sample entries (all but the first) to each sample.

        List entries select orthogonally per axis (``x[[0, 1], [0, 1]]`` is a
        2x2 block), matching the lengths the index algebra reports.
        """
        inner = self.values[1:]
        if not inner:
            return list(samples)
        if not any(isinstance(e.value, tuple) for e in inner):
            key = tuple(e.value for e in inner)
            return [np.asarray(arr)[key] for arr in samples]
        return [_apply_orthogonal(np.asarray(arr), inner) for arr in samples]

    def apply_squeeze(self, samples: List[Any]) -> Any:
        """The list as given, or its only sample when the sample axis is an int."""
        return samples if self.values[0].subscriptable() else samples[0]

    def sample_indices(self, length: int) -> np.ndarray:
        """Global sample positions (int64) selected from ``length`` samples."""
        return self.values[0].numpy_indices(length)

    def sub_index(self) -> Optional["Index"]:
        """The per-sample entries as an Index (dropping trivial trailing ones), or None."""
        inner = list(self.values[1:])
        while inner and inner[-1].is_trivial():
            inner.pop()
        return Index(inner) if inner else None

    # ---- queries -------------------------------------------------------

    def is_trivial(self) -> bool:
        """Whether this is the whole dataset unchanged (``[:]``)."""
        return len(self.values) == 1 and self.values[0].is_trivial()

    def length(self, parent_length: int) -> int:
        """Number of samples selected from ``parent_length`` samples."""
        return self.values[0].length(parent_length)

    def validate(self, parent_length: int) -> None:
        """Raise IndexError if the sample axis reaches outside ``parent_length``."""
        self.values[0].validate(parent_length)

    def subscriptable_at(self, i: int) -> bool:
        return self.values[i].subscriptable() if i < len(self.values) else True

    def length_at(self, i: int, parent_length: int) -> int:
        return self.values[i].length(parent_length) if i < len(self.values) else parent_length

    def trivial_at(self, i: int) -> bool:
        return self.values[i].is_trivial() if i < len(self.values) else True

    def downsample(self, factor: int, shape: Tuple[int, ...]) -> "Index":
        """The index of the same region at 1/``factor`` resolution; the first two
        entries are rescaled to the lengths in ``shape``."""
        scaled = [v.downsample(factor, n) for v, n in zip(self.values[:2], shape)]
        return Index(scaled + self.values[2:])

    # ---- serialisation and dunders -------------------------------------

    def to_json(self) -> list:
        """FORMAT.md 1.7: list of entries (int, list of ints, {"start","stop","step"})."""
        return [e.to_json() for e in self.values]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> "Index":
        return cls([IndexEntry.from_json(d) for d in data])

    def __len__(self) -> int:
        return len(self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Index):
            return NotImplemented
        return self.values == other.values

    def __hash__(self) -> int:
        return hash(tuple(self.values))

    def __str__(self) -> str:
        return f"Index({[e.value for e in self.values]})"

    __repr__ = __str__


def _apply_orthogonal(arr: np.ndarray, entries: Sequence[IndexEntry]) -> np.ndarray:
    axis = 0
    for e in entries:
        value = e.value
        if isinstance(value, tuple):
            arr = np.take(arr, np.asarray(value, dtype=np.intp), axis=axis)
            axis += 1
        else:
            arr = arr[(slice(None),) * axis + (value,)]
            axis += isinstance(value, slice)
    return arr


def _subscript_items(item: Any) -> Tuple[IndexValue, ...]:
    """Per-axis canonical values of a subscript (``x[a, b]`` -> ``(a, b)``)."""
    if isinstance(item, Index):
        return tuple(e.value for e in item.values)
    if isinstance(item, tuple):
        if item and item[-1] is Ellipsis:
            item = item[:-1]  # a trailing ... selects nothing more
        if any(x is Ellipsis for x in item):
            raise IndexError("An ellipsis needs the number of dimensions; use normalize_item(item, ndim).")
        try:
            return tuple(_canonical_value(x) for x in item)
        except TypeError as e:
            raise TypeError(f"Value {item!r} is not a valid index: {e}") from None
    if item is Ellipsis:
        return ()
    return (_canonical_value(item),)


def normalize_item(item: Any, ndim: Optional[int] = None) -> Index:
    """Turn a user subscript into an :class:`Index` ready to compose.

    Accepts ints (and numpy integers), slices, lists / ranges / 1-d integer or
    boolean numpy arrays (one axis), ``Index`` objects and tuples of those,
    with at most one ``...`` (expanded using ``ndim`` when given). Raises
    InvalidKeyTypeError for anything else and IndexError for a bad ellipsis.
    """
    if isinstance(item, Index):
        return Index(item)
    if ndim is not None and (item is Ellipsis or isinstance(item, tuple)):
        item = replace_ellipsis_with_slices(item, ndim)
    try:
        items = _subscript_items(item)
    except TypeError as e:
        raise InvalidKeyTypeError(
            f"Item '{item}' of type '{type(item).__name__}' is not a valid key. {e}"
        ) from None
    if not items:
        return Index()
    return Index([_entry(v) for v in items])

