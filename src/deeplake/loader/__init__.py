"""The dataloader: ds.dataloader(), ds.pytorch(), ds.tensorflow()."""


def dataloader(ds, ignore_errors=False, verbose=False):
    raise NotImplementedError("the dataloader is being built (issue 5)")


def pytorch(ds, **kwargs):
    raise NotImplementedError("the dataloader is being built (issue 5)")


def tensorflow(ds, **kwargs):
    raise NotImplementedError("the dataloader is being built (issue 5)")
