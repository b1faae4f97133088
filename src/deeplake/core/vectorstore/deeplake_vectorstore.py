"""Documented class path deeplake.core.vectorstore.deeplake_vectorstore.VectorStore."""

from deeplake.vectorstore.vector_store import DeepLakeVectorStore, VectorStore

__all__ = ["VectorStore", "DeepLakeVectorStore"]
