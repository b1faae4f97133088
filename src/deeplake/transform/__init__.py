"""Transforms: ``deeplake.compute`` functions and ``deeplake.compose`` pipelines."""


def compute(fn, name=None):
    raise NotImplementedError("deeplake.compute is being built (issue 6)")


def compose(functions):
    raise NotImplementedError("deeplake.compose is being built (issue 6)")
