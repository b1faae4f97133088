"""The 3.8 VectorStore (``deeplake.VectorStore``) on local, mem:// and object-store datasets."""

from deeplake.vectorstore.vector_store import DeepLakeVectorStore, VectorStore

__all__ = ["VectorStore", "DeepLakeVectorStore"]
