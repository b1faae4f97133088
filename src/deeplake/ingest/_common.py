"""Helpers shared by the ingestion adapters: paths, destination datasets, image files."""
from __future__ import annotations

import contextlib
import os
import random
from collections import Counter
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from deeplake import errors

IngestionError = errors.IngestionError


# Extensions (lower case, no dot) of files read as images, and the compression each maps to.
IMAGE_EXTENSIONS: Dict[str, str] = {
    "jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "jfif": "jpeg", "png": "png", "bmp": "bmp",
    "gif": "gif", "tif": "tiff", "tiff": "tiff", "webp": "webp", "jp2": "jpeg2000", "j2k": "jpeg2000",
    "ico": "ico", "dib": "dib", "eps": "eps", "im": "im", "msp": "msp", "pcx": "pcx", "ppm": "ppm",
    "pgm": "ppm", "pbm": "ppm", "sgi": "sgi", "tga": "tga", "xbm": "xbm", "wmf": "wmf", "fli": "fli",
    "dcx": "dcx", "mpo": "mpo", "apng": "apng",
}

# Files read per tensor.extend call: big enough for the bulk read path, small enough for memory.
READ_BATCH = 512


def to_str(path) -> str:
    return os.fspath(path) if isinstance(path, os.PathLike) else path


def extension(path: str) -> str:
    return os.path.splitext(path)[1][1:].lower()


def is_image_file(path: str) -> bool:
    return extension(path) in IMAGE_EXTENSIONS


def compression_of_extension(ext: str) -> Optional[str]:
    return IMAGE_EXTENSIONS.get(ext.lower().lstrip("."))


def most_common_compression(paths: Iterable[str]) -> Optional[str]:
    """The compression of the most frequent image extension among ``paths`` (None if none is an image)."""
    counts = Counter(compression_of_extension(extension(p)) for p in paths if is_image_file(p))
    return counts.most_common(1)[0][0] if counts else None


def normalize_compression(value: Optional[str]) -> Optional[str]:
    """'jpg' and other extension spellings become the compression name create_tensor knows."""
    if value is None:
        return None
    return IMAGE_EXTENSIONS.get(value.lower(), value)


def check_not_cloud(dest, token: Optional[str] = None, connect_kwargs: Optional[Dict] = None) -> None:
    """hub:// destinations and connecting to Deep Lake need the Activeloop service: fail before any work."""
    from deeplake.api.dataset import _check_cloud

    if isinstance(dest, (str, os.PathLike)):
        _check_cloud(to_str(dest))
    if connect_kwargs is not None:
        raise errors.CloudServiceUnavailableError(
            "connect_kwargs connects the dataset to the Activeloop platform, which this offline "
            "implementation cannot reach. Drop connect_kwargs."
        )


def local_dir(path, what: str) -> str:
    """An existing local directory or InvalidPathException naming ``what``."""
    path = to_str(path)
    if not isinstance(path, str):
        raise TypeError(f"{what} must be a path, got {type(path).__name__}.")
    if "://" in path:
        raise InvalidSourceError(
            f"{what} '{path}' is not a local folder; this implementation ingests local sources only."
        )
    full = os.path.expanduser(path)
    if not os.path.isdir(full):
        raise errors.InvalidPathException(f"{what} '{path}' does not exist or is not a directory.")
    return full


class InvalidSourceError(errors.InvalidPathException):
    pass


def find_root(path: str) -> str:
    """Descend through folders that hold exactly one sub-folder (e.g. a download wrapper)."""
    while True:
        subdirs = [e.path for e in os.scandir(path) if e.is_dir()]
        if len(subdirs) != 1:
            return path
        path = subdirs[0]


def walk_files(root: str) -> List[str]:
    """Every file under ``root`` (hidden files and folders left out), sorted for a stable order."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(os.path.join(dirpath, f) for f in sorted(filenames) if not f.startswith("."))
    return found


def same_path(a: str, b) -> bool:
    if not isinstance(b, str) or "://" in b:
        return False
    try:
        return os.path.isdir(b) and os.path.samefile(a, b)
    except OSError:
        return False


def maybe_shuffle(items: list, shuffle: bool) -> list:
    if shuffle:
        random.shuffle(items)
    return items


def batches(items: Sequence, size: int = READ_BATCH) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def progress(total: int, enabled: bool, desc: str):
    if not enabled:
        return contextlib.nullcontext(None)
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=" files")


@contextlib.contextmanager
def new_dataset(dest, dest_creds=None, token=None, **dataset_kwargs):
    """Create the destination dataset; if filling it fails, delete what was made so none is left half-made."""
    import deeplake

    dest = to_str(dest)
    ds = deeplake.empty(dest, creds=dest_creds, token=token, verbose=False, **dataset_kwargs)
    try:
        yield ds
    except BaseException:
        with contextlib.suppress(Exception):
            ds.delete(large_ok=True)
        if isinstance(dest, str) and "://" not in dest and os.path.isdir(dest) and not os.listdir(dest):
            with contextlib.suppress(OSError):
                os.rmdir(dest)
        raise


def prepare_creds_key(ds, creds_key: Optional[str], src_creds=None) -> None:
    """Register ``creds_key`` for linked samples; managed creds are cloud-only, so it is populated here."""
    if creds_key is None:
        return
    if creds_key not in ds.get_creds_keys():
        ds.add_creds_key(creds_key, managed=False)
    if isinstance(src_creds, dict):
        ds.populate_creds(creds_key, src_creds)
    else:
        ds.populate_creds(creds_key, from_environment=True)


def extend_images(tensor, paths: Sequence[str], skipped: List[str]) -> None:
    """Extend an image tensor with files, falling back to one at a time so a bad file becomes an
    empty (0, 0, 0) sample recorded in ``skipped`` instead of failing the whole ingestion."""
    import numpy as np
    import deeplake

    try:
        tensor.extend([deeplake.read(p) for p in paths])
        return
    except Exception:
        pass
    for p in paths:
        try:
            tensor.append(deeplake.read(p))
        except Exception:
            skipped.append(p)
            tensor.append(np.zeros((0, 0, 0), dtype=np.uint8))


def print_summary(root: str, skipped: List[str]) -> None:
    """Tree of ``root`` marking skipped files, as the reference prints after classification ingestion."""
    print("\n")
    if not skipped:
        print("Ingestion Complete. No files were skipped.")
        print("\n")
        return
    skipped_set = {os.path.abspath(s) for s in skipped}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        level = os.path.relpath(dirpath, root).count(os.sep) + (0 if dirpath == root else 1)
        print(f"{' ' * 6 * level}{os.path.basename(dirpath)}/    ")
        for f in sorted(filenames):
            if os.path.abspath(os.path.join(dirpath, f)) in skipped_set:
                print(f"{' ' * 6 * (level + 1)}[Skipped]  {f}")


def split_name(params: Optional[Dict], default: str) -> Tuple[str, Dict]:
    """(tensor name, create_tensor kwargs) from user params that may carry a 'name'."""
    params = dict(params or {})
    return params.pop("name", default), params
