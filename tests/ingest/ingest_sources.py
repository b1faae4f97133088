"""Small synthetic sources for the ingestion tests: image folders, COCO json, YOLO folders."""
import json
import os

import numpy as np
from PIL import Image


def write_image(path, h=8, w=10, gray=False, seed=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, (h, w) if gray else (h, w, 3), dtype=np.uint8)
    Image.fromarray(arr).save(path)
    return arr


def make_class_tree(root, classes=("dog", "cat", "bird"), per_class=3, ext="jpg", sets=None):
    n = 0
    for s in sets or [None]:
        for cls in classes:
            for i in range(per_class):
                base = os.path.join(root, s, cls) if s else os.path.join(root, cls)
                write_image(os.path.join(base, f"{i}.{ext}"), seed=n)
                n += 1
    return root


def make_coco(root, n_images=4, name="ann.json"):
    images_dir = os.path.join(root, "images")
    for i in range(n_images):
        write_image(os.path.join(images_dir, f"im{i}.jpg"), seed=100 + i)
    coco = {
        "images": [{"id": i + 1, "file_name": f"im{i}.jpg", "height": 8, "width": 10} for i in range(n_images)],
        "categories": [{"id": 1, "name": "person"}, {"id": 3, "name": "car"}, {"id": 7, "name": "dog"}],
        "annotations": [],
    }
    aid = 1
    for i in range(n_images):
        for k in range(i % 4):
            coco["annotations"].append({
                "id": aid, "image_id": i + 1, "category_id": [7, 1, 3][k % 3], "bbox": [1.5, 2, 3, 4 + k],
                "segmentation": [[1, 1, 5, 1, 5, 5, 1, 5]], "area": 12.0 + k, "iscrowd": 0,
            })
            aid += 1
    path = os.path.join(root, name)
    with open(path, "w") as f:
        json.dump(coco, f)
    return images_dir, path


def make_yolo(root, n_images=3, polygons=False):
    os.makedirs(root, exist_ok=True)
    for i in range(n_images):
        write_image(os.path.join(root, f"im{i}.jpg"), seed=200 + i)
        with open(os.path.join(root, f"im{i}.txt"), "w") as f:
            for k in range(i + 1):
                if polygons:
                    f.write(f"{k % 3} 0.1 0.1 0.5 0.1 0.5 0.{k + 5}\n")
                else:
                    f.write(f"{k % 3} 0.5 0.4 0.2 0.{k + 1}\n")
    names = os.path.join(os.path.dirname(root.rstrip("/")), "classes.names")
    with open(names, "w") as f:
        f.write("a\nb\nc\n")
    return root, names
