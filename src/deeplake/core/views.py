"""Special dataset views: a subset of tensors, and the padded max_view."""
from __future__ import annotations


def tensor_subset_view(ds, names):
    from deeplake.core.dataset import Dataset

    for n in names:
        ds[n]  # raises TensorDoesNotExistError for unknown names
    view = Dataset(ds._state, ds._group, ds._index)
    object.__setattr__(view, "_only", tuple(ds._full(n) for n in names))
    return view


def padded_view(ds):
    from deeplake.core.dataset import Dataset

    view = Dataset(ds._state, ds._group, ds._index)
    object.__setattr__(view, "_pad", True)
    return view
