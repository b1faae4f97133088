"""deeplake.ingest_yolo: images with YOLO .txt annotations -> images, labels, boxes (or polygons).

Each annotation line is ``class x y w h`` (fractional centre-based box) or ``class x1 y1 x2 y2 ...``
(polygon). Boxes are stored with coords {"type": "fractional", "mode": "CCWH"}.
"""
from __future__ import annotations

import os
import warnings
from typing import Dict, List, Optional, Tuple

import numpy as np

from deeplake.ingest import _common as c
from deeplake.ingest._common import IngestionError

DEFAULT_IMAGE_PARAMS = {"name": "images", "htype": "image"}
DEFAULT_LABEL_PARAMS = {"name": "labels", "htype": "class_label", "sample_compression": None}
DEFAULT_COORDINATE_PARAMS = {"sample_compression": None}


def _read_annotation(path: str) -> List[Tuple[int, np.ndarray]]:
    """(class id, coordinates) for every non-empty line of a YOLO annotation file."""
    rows = []
    with open(path, "r", encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            try:
                rows.append((int(float(parts[0])), np.array([float(v) for v in parts[1:]], dtype=np.float64)))
            except ValueError as e:
                raise IngestionError(f"Error in annotation {path}, line {number}: {e}") from e
    return rows


def _scan(data_dir: str, annotations_dir: Optional[str]):
    """(image paths, {image path: annotation path or None}) from the data (and annotations) folders."""
    data_files = c.walk_files(data_dir)
    if annotations_dir is None:
        annotation_files = [f for f in data_files if f.lower().endswith(".txt")]
        others = [f for f in data_files if not f.lower().endswith(".txt")]
        ann_root = data_dir
    else:
        annotation_files = [f for f in c.walk_files(annotations_dir) if f.lower().endswith(".txt")]
        others = data_files
        ann_root = annotations_dir
    images = [f for f in others if c.is_image_file(f)]
    invalid = [f for f in others if not c.is_image_file(f)]
    if invalid:
        warnings.warn(f"Encountered {len(invalid)} unsupported files in the data folders "
                      f"(first ones: {', '.join(os.path.basename(p) for p in invalid[:10])}).")
    by_relative = {os.path.splitext(os.path.relpath(a, ann_root))[0]: a for a in annotation_files}
    by_stem: Dict[str, str] = {}
    for a in annotation_files:
        by_stem.setdefault(os.path.splitext(os.path.basename(a))[0], a)
    pairs = {}
    for im in images:
        rel = os.path.splitext(os.path.relpath(im, data_dir))[0]
        pairs[im] = by_relative.get(rel) or by_stem.get(os.path.basename(rel))
    return images, annotation_files, pairs


def _coordinates_kind(parsed: Dict[str, list], order: List[str], inspect_limit: int) -> str:
    for im in order[:max(inspect_limit, 1)]:
        for _, coords in parsed.get(im) or []:
            if coords.size > 0 and coords.size != 4:
                return "polygon"
    return "bbox"


def _samples(rows, kind: str, label_dtype: str, coord_dtype: str):
    labels = np.array([label for label, _ in rows], dtype=label_dtype)
    if kind == "bbox":
        coords = np.zeros((len(rows), 4), dtype=coord_dtype)
        for i, (_, values) in enumerate(rows):
            if values.size < 4:
                raise IngestionError(f"A bounding box needs 4 values, got {values.size}.")
            coords[i] = values[:4]
        return labels, coords
    return labels, [values.reshape(-1, 2).astype(coord_dtype) for _, values in rows]


def ingest_yolo(data_directory, dest, class_names_file=None, annotations_directory=None,
                allow_no_annotation: bool = False, image_params: Optional[Dict] = None,
                label_params: Optional[Dict] = None, coordinates_params: Optional[Dict] = None, src_creds=None,
                dest_creds=None, image_creds_key: Optional[str] = None, inspect_limit: int = 1000,
                progressbar: bool = True, shuffle: bool = False, num_workers: int = 0, token: Optional[str] = None,
                connect_kwargs: Optional[Dict] = None, **dataset_kwargs):
    """Ingest images and YOLO annotations (boxes or polygons) into a new dataset."""
    c.check_not_cloud(dest, token, connect_kwargs)
    data_dir = c.local_dir(data_directory, "data_directory")
    ann_dir = c.local_dir(annotations_directory, "annotations_directory") if annotations_directory else None
    class_names = None
    if class_names_file is not None:
        names_path = os.path.expanduser(c.to_str(class_names_file))
        if not os.path.isfile(names_path):
            raise IngestionError(f"class_names_file '{class_names_file}' does not exist.")
        with open(names_path, "r", encoding="utf-8") as f:
            class_names = [line.strip() for line in f.read().splitlines() if line.strip()]

    images, annotation_files, pairs = _scan(data_dir, ann_dir)
    if not images:
        raise IngestionError("There are no supported images in the input data. Please verify the source directory.")
    if len(images) != len(annotation_files) and not allow_no_annotation:
        raise IngestionError(
            "The number of supported images and annotations in the input data is not equal. Please ensure that "
            "each image has a corresponding annotation, or set allow_no_annotation = True"
        )
    missing = [im for im in images if pairs[im] is None]
    if missing and not allow_no_annotation:
        raise IngestionError(f"Annotation was not found for {os.path.basename(missing[0])}. Add an annotation for "
                             f"every image, or pass allow_no_annotation=True to store empty annotations.")
    if missing:
        warnings.warn(f"No annotation found for {len(missing)} images; empty annotations are stored for them.")

    c.maybe_shuffle(images, shuffle)
    parsed = {im: (_read_annotation(pairs[im]) if pairs[im] else []) for im in images}

    coord_params = {**DEFAULT_COORDINATE_PARAMS, **(coordinates_params or {})}
    if "htype" not in coord_params:
        coord_params["htype"] = _coordinates_kind(parsed, images, inspect_limit)
    coord_params.setdefault("name", "boxes" if coord_params["htype"] == "bbox" else "polygons")
    kind = "bbox" if coord_params["htype"] == "bbox" else "polygon"
    for im, rows in parsed.items():
        for label, coords in rows:
            if kind == "polygon" and coords.size % 2:
                raise IngestionError(f"Error in annotation {pairs[im]}. Polygons must have an even number of points.")
            if class_names is not None and not 0 <= label < len(class_names):
                raise IngestionError(f"Label {label} in {pairs[im]} is outside the {len(class_names)} classes of "
                                     f"{class_names_file}.")
    label_tensor, label_kwargs = c.split_name({**DEFAULT_LABEL_PARAMS, **(label_params or {})}, "labels")
    coord_tensor, coord_kwargs = c.split_name(coord_params, "boxes")
    image_tensor, image_kwargs = c.split_name({**DEFAULT_IMAGE_PARAMS, **(image_params or {})}, "images")
    if not image_kwargs.get("sample_compression"):
        image_kwargs["sample_compression"] = c.most_common_compression(images)
    image_kwargs["sample_compression"] = c.normalize_compression(image_kwargs["sample_compression"])
    linked = str(image_kwargs.get("htype", "")).startswith("link[")

    with c.new_dataset(dest, dest_creds, token, **dataset_kwargs) as ds:
        with ds:
            ds.create_tensor(label_tensor, **label_kwargs)
            ds.create_tensor(coord_tensor, **coord_kwargs)
            ds.create_tensor(image_tensor, **image_kwargs)
            if class_names:
                ds[label_tensor].info.update(class_names=class_names)
            if kind == "bbox":
                ds[coord_tensor].info.update(coords={"type": "fractional", "mode": "CCWH"})
        if linked:
            c.prepare_creds_key(ds, image_creds_key, src_creds)
        label_dtype = str(ds[label_tensor].meta.dtype or "uint32")
        coord_dtype = str(ds[coord_tensor].meta.dtype or "float32")
        names = (image_tensor, label_tensor, coord_tensor)
        if num_workers and num_workers > 0:
            import deeplake

            @deeplake.compute
            def write_batch(batch, out):
                _write(out, batch, parsed, names, kind, label_dtype, coord_dtype, linked, image_creds_key, None)

            write_batch().eval(list(c.batches(images, 32)), ds, num_workers=num_workers, progressbar=progressbar)
        else:
            skipped: List[str] = []
            with c.progress(len(images), progressbar, "Ingesting YOLO") as bar, ds:
                for batch in c.batches(images, 256):
                    _write(ds, batch, parsed, names, kind, label_dtype, coord_dtype, linked, image_creds_key, skipped)
                    if bar is not None:
                        bar.update(len(batch))
            if skipped:
                warnings.warn(f"{len(skipped)} images could not be read and were stored empty: {skipped[:10]}")
    return ds


def _write(out, batch, parsed, names, kind, label_dtype, coord_dtype, linked, creds_key, skipped) -> None:
    import deeplake

    image_tensor, label_tensor, coord_tensor = names
    if linked:
        out[image_tensor].extend([deeplake.link(p, creds_key=creds_key) for p in batch])
    elif skipped is None:
        out[image_tensor].extend([deeplake.read(p) for p in batch])
    else:
        c.extend_images(out[image_tensor], list(batch), skipped)
    labels, coords = zip(*(_samples(parsed[im], kind, label_dtype, coord_dtype) for im in batch))
    out[label_tensor].extend(list(labels))
    out[coord_tensor].extend(list(coords))
