"""``deeplake.compute`` functions, ``deeplake.compose`` pipelines and ``eval``.

eval checks its arguments, splits the input into rounds (one round, or one
per ``checkpoint_interval`` inputs) and each round into one contiguous range
per worker. Workers write chunks into the output's storage; the driver then
appends each worker's chunk index to the output tensors in range order, so
the output order is the input order and no sample is encoded twice.
"""
from __future__ import annotations

import functools
from typing import Callable, List, Optional

from deeplake.errors import HubComposeEmptyListError, HubComposeIncompatibleFunction


class ComputeFunction:
    """A compute function bound to its extra arguments: ``fn(*args, **kwargs)``."""

    def __init__(self, func: Callable, args: tuple, kwargs: dict, name: Optional[str] = None):
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.name = name or getattr(func, "__name__", "transform")

    def run(self, sample_in, samples_out) -> None:
        self.func(sample_in, samples_out, *self.args, **self.kwargs)

    def eval(self, data_in, ds_out=None, num_workers: int = 0, scheduler: str = "threaded",
             progressbar: bool = True, skip_ok: bool = False, check_lengths: bool = True,
             pad_data_in: bool = False, read_only_ok: bool = False, cache_size: int = 16,
             checkpoint_interval: int = 0, ignore_errors: bool = False, verbose: bool = True, **kwargs):
        """Evaluate this function alone; same arguments as :meth:`Pipeline.eval`."""
        return Pipeline([self]).eval(
            data_in, ds_out, num_workers=num_workers, scheduler=scheduler, progressbar=progressbar,
            skip_ok=skip_ok, check_lengths=check_lengths, pad_data_in=pad_data_in,
            read_only_ok=read_only_ok, cache_size=cache_size, checkpoint_interval=checkpoint_interval,
            ignore_errors=ignore_errors, verbose=verbose, **kwargs,
        )

    def __repr__(self) -> str:
        return f"ComputeFunction({self.name})"


class Pipeline:
    """Compute functions applied one after the other to every input sample."""

    def __init__(self, functions: List[ComputeFunction]):
        self.functions = list(functions)

    def __len__(self) -> int:
        return len(self.functions)

    def eval(self, data_in, ds_out=None, num_workers: int = 0, scheduler: str = "threaded",
             progressbar: bool = True, skip_ok: bool = False, check_lengths: bool = True,
             pad_data_in: bool = False, read_only_ok: bool = False, cache_size: int = 16,
             checkpoint_interval: int = 0, ignore_errors: bool = False, verbose: bool = True, **kwargs):
        """Run the pipeline over ``data_in`` and append the results to ``ds_out``
        (or replace ``data_in``'s samples in place when ``ds_out`` is omitted)."""
        from deeplake.transform.evaluation import Evaluation

        Evaluation(self, data_in, ds_out, num_workers=num_workers, scheduler=scheduler,
                   progressbar=progressbar, skip_ok=skip_ok, check_lengths=check_lengths,
                   pad_data_in=pad_data_in, read_only_ok=read_only_ok, cache_size=cache_size,
                   checkpoint_interval=checkpoint_interval, ignore_errors=ignore_errors,
                   verbose=verbose, **kwargs).run()

    @property
    def name(self) -> str:
        return "+".join(f.name for f in self.functions)


def compute(fn: Callable, name: Optional[str] = None) -> Callable[..., ComputeFunction]:
    """Decorator: ``fn(sample_in, samples_out, *args, **kwargs)`` becomes a factory
    ``fn(*args, **kwargs) -> ComputeFunction`` that can be evaluated or composed."""

    @functools.wraps(fn)
    def inner(*args, **kwargs) -> ComputeFunction:
        return ComputeFunction(fn, args, kwargs, name)

    return inner


def compose(functions: List[ComputeFunction]) -> Pipeline:
    """A pipeline of compute functions (each already called with its arguments)."""
    if not functions:
        raise HubComposeEmptyListError("Cannot deeplake.compose an empty list.")
    for i, f in enumerate(functions):
        if not isinstance(f, ComputeFunction):
            raise HubComposeIncompatibleFunction(
                f"Item {i} given to deeplake.compose is not a compute function call; decorate the "
                f"function with @deeplake.compute and call it with its extra arguments, e.g. fn(arg)."
            )
    return Pipeline(functions)
