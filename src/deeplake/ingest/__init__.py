"""Ingestion of common dataset layouts (image folders, COCO, YOLO, dataframes, Hugging Face, Kaggle).

Each adapter validates its source before creating the destination, and builds the dataset
with the public API (create_tensor, extend, deeplake.read/link, deeplake.compute).
"""
from deeplake.ingest.classification import ingest_classification
from deeplake.ingest.coco import ingest_coco
from deeplake.ingest.dataframe import ingest_dataframe
from deeplake.ingest.huggingface import ingest_huggingface
from deeplake.ingest.kaggle import ingest_kaggle
from deeplake.ingest.yolo import ingest_yolo

__all__ = [
    "ingest_classification",
    "ingest_coco",
    "ingest_yolo",
    "ingest_kaggle",
    "ingest_dataframe",
    "ingest_huggingface",
]
