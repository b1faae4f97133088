"""deeplake.ingest_coco: images + COCO annotation json files -> one row per image.

Every annotation key becomes a tensor whose sample holds that key's values for all the
annotations of the image: bbox -> bbox (n, 4), category_id -> class_label, segmentation ->
polygon (first polygon of each annotation), keypoints -> keypoints_coco (3K, n), other keys
-> generic arrays (json for non-numeric values). With several annotation files each one
fills a group named after the file (or file_to_group_mapping).
"""
from __future__ import annotations

import json
import os
import pathlib
import warnings
from collections import defaultdict
from typing import Dict, List, Optional, Union

import numpy as np

from deeplake.ingest import _common as c
from deeplake.ingest._common import IngestionError

REQUIRED_KEYS = ("categories", "images", "annotations")
DEFAULT_IMAGE_PARAMS = {"name": "images", "htype": "image"}
KNOWN_KEY_PARAMS: Dict[str, Dict] = {
    "segmentation": {"htype": "polygon", "sample_compression": None},
    "category_id": {"htype": "class_label", "sample_compression": None},
    "bbox": {"htype": "bbox", "sample_compression": None},
    "keypoints": {"htype": "keypoints_coco"},
}


class _AnnotationFile:
    """One COCO json: its annotations grouped by image, and category lookups."""

    def __init__(self, path):
        self.path = c.to_str(path)
        if not isinstance(self.path, str) or "://" in self.path:
            raise IngestionError(f"Annotation file '{self.path}' must be a local json file path.")
        full = os.path.expanduser(self.path)
        if not os.path.isfile(full):
            raise IngestionError(f"Could not find a JSON annotation file at {self.path}.")
        try:
            with open(full, "rb") as f:
                data = json.load(f)
        except (ValueError, UnicodeDecodeError) as e:
            raise IngestionError(f"Annotation file {self.path} is not valid JSON: {e}") from e
        if not isinstance(data, dict):
            raise IngestionError(f"Annotation file {self.path} must hold a JSON object.")
        for key in REQUIRED_KEYS:
            if key not in data:
                raise IngestionError(
                    f"Invalid annotation file provided. The required key {key} was not found in {self.path}."
                )
        self.stem = pathlib.Path(self.path).stem
        self.annotations: List[dict] = data["annotations"]
        self.categories: List[dict] = data["categories"]
        self.category_name = {str(cat["id"]): cat["name"] for cat in self.categories}
        self.image_id = {im["file_name"]: im["id"] for im in data["images"]}
        self.image_id_by_base = {os.path.basename(k): v for k, v in self.image_id.items()}
        self.by_image: Dict[object, List[dict]] = defaultdict(list)
        for ann in self.annotations:
            self.by_image[ann.get("image_id")].append(ann)

    def annotations_for(self, image: str) -> List[dict]:
        image_id = self.image_id.get(image, self.image_id_by_base.get(os.path.basename(image)))
        if image_id is None:
            raise IngestionError(f"Could not find corresponding image_id for {image} in {self.stem} file.")
        return self.by_image.get(image_id, [])


def _generic_params(values: list) -> Dict:
    """dtype for a plain key from the values seen (ints -> int64, floats -> float64, else json)."""
    scalars = [v for v in values if v is not None]
    if all(isinstance(v, (bool, int, np.integer)) for v in scalars):
        return {"dtype": "int64"}
    if all(isinstance(v, (bool, int, float, np.number)) for v in scalars):
        return {"dtype": "float64"}
    return {"htype": "json"}


class _Column:
    """One annotation key of one file: the tensor it fills and how its values convert."""

    def __init__(self, key: str, tensor: str, params: Dict, source: _AnnotationFile):
        self.key, self.tensor, self.params, self.source = key, tensor, params, source
        self.kind = key if key in KNOWN_KEY_PARAMS else ("json" if params.get("htype") == "json" else "generic")
        self.category_index: Dict[str, int] = {}

    def sample(self, annotations: List[dict]):
        values = [a[self.key] for a in annotations if self.key in a]
        if self.kind == "bbox":
            for v in values:
                if not isinstance(v, (list, tuple)) or len(v) != 4:
                    raise IngestionError(f"Invalid bbox encountered in key {self.key}. Bbox must have 4 values.")
            return np.asarray(values, dtype=np.float32).reshape(-1, 4)
        if self.kind == "segmentation":
            return [self._polygon(v) for v in values]
        if self.kind == "category_id":
            return np.asarray([self.category_index[str(v)] for v in values], dtype=np.uint32)
        if self.kind == "keypoints":
            if not values:
                return np.zeros((0, 0), dtype=np.int32)
            return np.asarray(values, dtype=np.float64).astype(np.int32).T
        if self.kind == "json":
            return values
        return np.asarray(values, dtype=self.params["dtype"])

    def _polygon(self, value):
        if not isinstance(value, list):
            raise IngestionError(
                f"Invalid value encountered in key {self.key} of {self.source.path}: segmentation must be a "
                f"list of polygons (RLE masks, as used for iscrowd=1, are not supported)."
            )
        if not value:
            return np.zeros((0, 2), dtype=np.float32)
        if len(value) > 1:
            warnings.warn(f"Multiple polygons are not supported in key {self.key}. Only the first one will be used.")
        return np.asarray(value[0], dtype=np.float32).reshape(-1, 2)


def _check_one_to_one(mapping: Dict, what: str) -> None:
    if len(set(mapping.values())) != len(mapping):
        raise IngestionError(f"{what} must be mapped to unique {'tensor' if what == 'Keys' else 'group'} names.")


def _plan_columns(files, key_to_tensor, file_to_group, ignore_keys, inspect_limit, flat) -> List[_Column]:
    columns = []
    for source in files:
        group = file_to_group.get(source.stem, source.stem)
        sample_anns = source.annotations[:max(inspect_limit, 1)]
        keys = sorted({k for a in sample_anns for k in a} - ignore_keys)
        for key in keys:
            name = key_to_tensor.get(key, key)
            if key in KNOWN_KEY_PARAMS:
                params = dict(KNOWN_KEY_PARAMS[key])
            else:
                params = _generic_params([a.get(key) for a in sample_anns])
            tensor = name if flat else f"{group}/{name}"
            columns.append(_Column(key, tensor, params, source))
    return columns


def _assign_categories(columns: List[_Column], images: List[str]) -> Dict[str, List[str]]:
    """Class names per class_label tensor, in the order they first appear over the ingested images."""
    names: Dict[str, List[str]] = {}
    for col in columns:
        if col.kind != "category_id":
            continue
        order: List[str] = []
        label_index: Dict[str, int] = {}
        for image in images:
            for ann in col.source.annotations_for(image):
                if col.key not in ann:
                    continue
                cat = str(ann[col.key])
                if cat in col.category_index:
                    continue
                if cat not in col.source.category_name:
                    raise IngestionError(f"category_id {cat} of {col.source.path} is not in its categories list.")
                label = col.source.category_name[cat]
                if label not in label_index:
                    label_index[label] = len(order)
                    order.append(label)
                col.category_index[cat] = label_index[label]
        names[col.tensor] = order
    return names


def _keypoint_info(col: _Column) -> Dict:
    for cat in col.source.categories:
        if cat.get("keypoints"):
            info = {"keypoints": list(cat["keypoints"])}
            if cat.get("skeleton"):
                info["connections"] = [[a - 1, b - 1] for a, b in cat["skeleton"]]
            return info
    return {}


def _write_rows(out, images, columns, image_tensor, image_root, linked, creds_key, skipped) -> None:
    import deeplake

    paths = [os.path.join(image_root, im) for im in images]
    if linked:
        out[image_tensor].extend([deeplake.link(p, creds_key=creds_key) for p in paths])
    elif skipped is None:
        out[image_tensor].extend([deeplake.read(p) for p in paths])
    else:
        c.extend_images(out[image_tensor], paths, skipped)
    for col in columns:
        out[col.tensor].extend([col.sample(col.source.annotations_for(im)) for im in images])


def ingest_coco(images_directory, annotation_files: Union[str, pathlib.Path, List[str]], dest,
                key_to_tensor_mapping: Optional[Dict] = None, file_to_group_mapping: Optional[Dict] = None,
                ignore_one_group: bool = True, ignore_keys: Optional[List[str]] = None,
                image_params: Optional[Dict] = None, image_creds_key: Optional[str] = None, src_creds=None,
                dest_creds=None, inspect_limit: int = 1000000, progressbar: bool = True, shuffle: bool = False,
                num_workers: int = 0, token: Optional[str] = None, connect_kwargs: Optional[Dict] = None,
                **dataset_kwargs):
    """Ingest images and COCO annotation files into a new dataset (one row per image)."""
    c.check_not_cloud(dest, token, connect_kwargs)
    image_root = c.local_dir(images_directory, "images_directory")
    if not isinstance(annotation_files, (list, tuple)):
        annotation_files = [annotation_files]
    if not annotation_files:
        raise IngestionError("annotation_files is empty; give at least one COCO json file.")
    key_to_tensor = dict(key_to_tensor_mapping or {})
    _check_one_to_one(key_to_tensor, "Keys")
    file_to_group = {pathlib.Path(k).stem: v for k, v in (file_to_group_mapping or {}).items()}
    _check_one_to_one(file_to_group, "File names")
    files = [_AnnotationFile(f) for f in annotation_files]

    all_files = [os.path.relpath(p, image_root) for p in c.walk_files(image_root)]
    images = [p for p in all_files if c.is_image_file(p)]
    invalid = [p for p in all_files if not c.is_image_file(p)]
    if invalid:
        warnings.warn(f"Encountered {len(invalid)} unsupported files in images directory "
                      f"(first ones: {', '.join(invalid[:10])}).")
    if not images:
        raise IngestionError(f"No supported images found in {images_directory}.")
    c.maybe_shuffle(images, shuffle)

    flat = ignore_one_group and len(files) == 1
    columns = _plan_columns(files, key_to_tensor, file_to_group, set(ignore_keys or []), inspect_limit, flat)
    class_names = _assign_categories(columns, images)  # also checks every image is in every file
    for source in files:
        for im in images:
            source.annotations_for(im)

    params = {**DEFAULT_IMAGE_PARAMS, **(image_params or {})}
    image_tensor = params.pop("name")
    if not params.get("sample_compression"):
        params["sample_compression"] = c.most_common_compression(images)
    params["sample_compression"] = c.normalize_compression(params["sample_compression"])
    linked = str(params.get("htype", "")).startswith("link[")

    with c.new_dataset(dest, dest_creds, token, **dataset_kwargs) as ds:
        with ds:
            ds.create_tensor(image_tensor, **params)
            for col in columns:
                extra = {"class_names": class_names[col.tensor]} if col.kind == "category_id" else {}
                ds.create_tensor(col.tensor, **col.params, **extra)
                if col.kind == "keypoints" and _keypoint_info(col):
                    ds[col.tensor].info.update(**_keypoint_info(col))
        if linked:
            c.prepare_creds_key(ds, image_creds_key, src_creds)
        if num_workers and num_workers > 0:
            import deeplake

            @deeplake.compute
            def write_batch(batch, out):
                _write_rows(out, batch, columns, image_tensor, image_root, linked, image_creds_key, None)

            write_batch().eval(list(c.batches(images, 32)), ds, num_workers=num_workers, progressbar=progressbar)
        else:
            skipped: List[str] = []
            with c.progress(len(images), progressbar, "Ingesting COCO") as bar, ds:
                for batch in c.batches(images, 256):
                    _write_rows(ds, batch, columns, image_tensor, image_root, linked, image_creds_key, skipped)
                    if bar is not None:
                        bar.update(len(batch))
            if skipped:
                warnings.warn(f"{len(skipped)} images could not be read and were stored empty: {skipped[:10]}")
    return ds
