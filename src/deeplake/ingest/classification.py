"""deeplake.ingest_classification: a folder of class sub-folders (optionally split into sets) -> images + labels."""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

import numpy as np

from deeplake import errors
from deeplake.ingest import _common as c

IMAGES_TENSOR = "images"
LABELS_TENSOR = "labels"


class _Layout:
    """Image files under a root, with their class (parent folder) and set (grand-parent folder)."""

    def __init__(self, root: str):
        self.root = root
        files = c.walk_files(root)
        if not files:
            raise errors.InvalidPathException(
                f"No files found in '{root}'. Please ensure that the source path is correct."
            )
        self.images = [f for f in files if c.is_image_file(f)]
        self.ignored = [f for f in files if not c.is_image_file(f)]
        if not self.images:
            raise errors.AutoCompressionError(
                f"No image files (png/jpeg/jpg/...) found in '{root}'; nothing to ingest."
            )
        parts = [os.path.abspath(p).split(os.sep) for p in self.images]
        self.class_of = [p[-2] for p in parts]
        self.set_of = [p[-3] if len(p) >= 3 else "" for p in parts]
        self.class_names = sorted(set(self.class_of))
        self.set_names = sorted(set(self.set_of))

    @property
    def uses_groups(self) -> bool:
        return len(self.set_names) > 1


def _tensor_names(layout: _Layout, image_name: str, label_name: str) -> Dict[str, Tuple[str, str]]:
    if not layout.uses_groups:
        return {s: (image_name, label_name) for s in layout.set_names}
    return {s: (f"{s}/{image_name}", f"{s}/{label_name}") for s in layout.set_names}


def _image_params(user: Optional[Dict], layout: _Layout) -> Tuple[str, Dict]:
    name, params = c.split_name(user, IMAGES_TENSOR)
    params.setdefault("htype", "image")
    compression = params.get("sample_compression")
    # "auto" is what ingest_kaggle passes by default: infer it like an unset compression
    if not compression or compression == "auto":
        compression = c.most_common_compression(layout.images)
        if compression is None:
            raise errors.InvalidFileExtension(f"Cannot infer an image compression for '{layout.root}'.")
    params["sample_compression"] = c.normalize_compression(compression)
    return name, params


def _ingest_serial(ds, plan, names, linked, bar, skipped) -> None:
    import deeplake

    for set_name, rows in plan.items():
        image_tensor = ds[names[set_name][0]]
        label_tensor = ds[names[set_name][1]]
        for chunk in c.batches(rows):
            paths = [p for p, _ in chunk]
            if linked:
                image_tensor.extend([deeplake.link(p) for p in paths])
            else:
                c.extend_images(image_tensor, paths, skipped)
            label_tensor.extend(np.array([label for _, label in chunk], dtype=np.uint32).reshape(-1, 1))
            if bar is not None:
                bar.update(len(chunk))


def _ingest_parallel(ds, plan, names, linked, num_workers, progressbar) -> None:
    import deeplake

    @deeplake.compute
    def write_batch(rows, out, image_key, label_key):
        samples = []
        for path, _ in rows:
            if linked:
                samples.append(deeplake.link(path))
                continue
            sample = deeplake.read(path)
            try:
                sample.shape  # header read: a corrupt file becomes an empty image here
            except Exception:
                sample = np.zeros((0, 0, 0), dtype=np.uint8)
            samples.append(sample)
        out[image_key].extend(samples)
        out[label_key].extend(np.array([label for _, label in rows], dtype=np.uint32).reshape(-1, 1))

    for set_name, rows in plan.items():
        image_key, label_key = names[set_name]
        group = set_name if "/" in image_key else None
        target = ds[group] if group else ds
        short = (image_key.split("/", 1)[1], label_key.split("/", 1)[1]) if group else (image_key, label_key)
        chunks = list(c.batches(rows, 64))
        write_batch(short[0], short[1]).eval(chunks, target, num_workers=num_workers, progressbar=progressbar)


def ingest_classification(src, dest, image_params: Optional[Dict] = None, label_params: Optional[Dict] = None,
                          dest_creds=None, progressbar: bool = True, summary: bool = True, num_workers: int = 0,
                          shuffle: bool = True, token: Optional[str] = None, connect_kwargs: Optional[Dict] = None,
                          **dataset_kwargs):
    """Ingest a folder of images stored in sub-folders by class name (or a csv file) into a new dataset.

    ``src/<class>/<img>`` gives tensors ``images`` and ``labels`` (class_label, class names = sorted
    folder names); ``src/<set>/<class>/<img>`` with several sets gives ``<set>/images`` and
    ``<set>/labels``. Files without an image extension are ignored and listed in the summary.
    """
    c.check_not_cloud(dest, token, connect_kwargs)
    src, dest = c.to_str(src), c.to_str(dest)
    if isinstance(src, str) and src.lower().endswith((".csv", ".txt")):
        return _ingest_csv(src, dest, dest_creds, progressbar, token, dataset_kwargs)
    root = c.local_dir(src, "src")
    if c.same_path(root, dest):
        raise errors.SamePathException(f"src and dest are the same folder: '{src}'.")
    layout = _Layout(c.find_root(root))
    image_name, image_kwargs = _image_params(image_params, layout)
    label_name, label_kwargs = c.split_name(label_params, LABELS_TENSOR)
    label_kwargs.setdefault("htype", "class_label")
    names = _tensor_names(layout, image_name, label_name)
    linked = str(image_kwargs.get("htype", "")).startswith("link[")

    order = list(range(len(layout.images)))
    c.maybe_shuffle(order, shuffle)
    class_index = {n: i for i, n in enumerate(layout.class_names)}
    plan: Dict[str, List[Tuple[str, int]]] = {s: [] for s in layout.set_names}
    for i in order:
        plan[layout.set_of[i]].append((layout.images[i], class_index[layout.class_of[i]]))

    skipped: List[str] = []
    with c.new_dataset(dest, dest_creds, token, **dataset_kwargs) as ds:
        with ds:
            for image_key, label_key in names.values():
                ds.create_tensor(image_key, **image_kwargs)
                ds.create_tensor(label_key, class_names=list(layout.class_names), **label_kwargs)
        if num_workers and num_workers > 0:
            _ingest_parallel(ds, plan, names, linked, num_workers, progressbar)
        else:
            with c.progress(len(order), progressbar, "Ingesting images") as bar, ds:
                _ingest_serial(ds, plan, names, linked, bar, skipped)
    if summary:
        c.print_summary(layout.root, skipped + layout.ignored)
    return ds


def _ingest_csv(src: str, dest, dest_creds, progressbar, token, dataset_kwargs):
    if not os.path.isfile(os.path.expanduser(src)):
        raise errors.InvalidPathException(f"csv file '{src}' does not exist.")
    import pandas as pd

    from deeplake.ingest.dataframe import ingest_dataframe

    frame = pd.read_csv(os.path.expanduser(src), quotechar='"', skipinitialspace=True)
    return ingest_dataframe(frame, dest, dest_creds=dest_creds, progressbar=progressbar, token=token,
                            **dataset_kwargs)
