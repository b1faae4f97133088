"""Top-level sample constructors: deeplake.read, link, link_tiled, tiled."""


def read(path, verify=False, creds=None, compression=None, storage=None, timeout=None):
    raise NotImplementedError("deeplake.read is being built (issue 3)")


def link(path, creds_key=None):
    raise NotImplementedError("deeplake.link is being built (issue 3)")


def link_tiled(path_array, creds_key=None):
    raise NotImplementedError("deeplake.link_tiled is being built (issue 3)")


def tiled(sample_shape, tile_shape=None, dtype="uint8"):
    raise NotImplementedError("deeplake.tiled is being built (issue 3)")
