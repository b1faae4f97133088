"""Documented location of the VectorStore (deeplake.core.vectorstore); the code lives in deeplake.vectorstore."""

from deeplake.vectorstore import DeepLakeVectorStore, VectorStore

__all__ = ["VectorStore", "DeepLakeVectorStore"]
