"""deeplake.VectorStore: a Deep Lake dataset used as a vector database (3.8 API), offline."""

from __future__ import annotations

import logging
import pathlib
from typing import Any, Callable, Dict, List, Optional, Union

import numpy as np

import deeplake
from deeplake.core.dataset import Dataset
from deeplake.errors import ReadOnlyModeError
from deeplake.vectorstore import args as A
from deeplake.vectorstore import ingest, search, store_setup
from deeplake.vectorstore.defaults import (
    DEFAULT_RATE_LIMITER,
    DEFAULT_VECTORSTORE_DISTANCE_METRIC,
    DEFAULT_VECTORSTORE_TENSORS,
)
from deeplake.vectorstore.embedder import as_embedder, embeddings_matrix

logger = logging.getLogger(__name__)


class DeepMemory:
    """Deep Memory trains a model on the vendor's service; here every call says so."""

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        def unavailable(*args, **kwargs):
            raise A.cloud_unavailable(f"deep_memory.{name}")

        return unavailable


class VectorStore:
    """A vector store on a Deep Lake dataset: text, metadata (json), embedding and id tensors by default."""

    def __init__(self, path: Optional[Union[str, pathlib.Path]] = None, dataset: Optional[Dataset] = None,
                 tensor_params: List[Dict[str, object]] = DEFAULT_VECTORSTORE_TENSORS,
                 embedding_function: Optional[Any] = None, read_only: Optional[bool] = None,
                 ingestion_batch_size: int = 1000, index_params: Optional[Dict[str, Union[int, str]]] = None,
                 exec_option: str = "auto", token: Optional[str] = None, overwrite: bool = False,
                 verbose: bool = True, runtime: Optional[Dict] = None, creds: Optional[Union[Dict, str]] = None,
                 org_id: Optional[str] = None, logger: logging.Logger = logger, branch: str = "main",
                 **kwargs: Any) -> None:
        kwargs.pop("num_workers", None)
        path = A.path_string(path)
        A.check_offline(path, token, org_id, runtime, exec_option)
        if dataset is not None and path:
            raise ValueError("Only one of `dataset` or path should be provided to the dataset handler.")
        if dataset is None and not path:
            raise ValueError("Either `dataset` or path should be provided.")
        self._exec_option = A.check_init_exec_option(exec_option)
        self.index_params = A.parse_index_params(index_params)
        self.ingestion_batch_size = ingestion_batch_size
        self.embedding_function = as_embedder(embedding_function)
        self.verbose = verbose
        self.logger = logger
        self.creds = creds or {}
        self.tensor_params = tensor_params
        if dataset is not None:
            self._dataset = store_setup.attach(dataset, branch)
        else:
            self._dataset = store_setup.create_or_load(
                path, tensor_params, embedding_function, read_only, overwrite, creds, branch, logger, **kwargs
            )
        self.path = self._dataset.path
        self.deep_memory = DeepMemory()

    # ------------------------------------------------------------------ properties
    @property
    def dataset(self) -> Dataset:
        """The dataset under the store."""
        return self._dataset

    @property
    def exec_option(self) -> str:
        return A.resolve_exec_option(None, self._exec_option)

    def __len__(self) -> int:
        return len(self._dataset)

    def __repr__(self) -> str:
        return f"VectorStore(path={self.path!r}, tensors={list(self._dataset.tensors)}, length={len(self)})"

    def tensors(self):
        """The tensors of the store (name -> Tensor)."""
        return self._dataset.tensors

    def summary(self):
        """Print a summary of the dataset."""
        return self._dataset.summary()

    # ------------------------------------------------------------------ add
    def add(self, embedding_function: Optional[Union[Callable, List[Callable]]] = None,
            embedding_data: Optional[Union[List, List[List]]] = None,
            embedding_tensor: Optional[Union[str, List[str]]] = None, return_ids: bool = False,
            rate_limiter: Dict = DEFAULT_RATE_LIMITER, **tensors) -> Optional[List[str]]:
        """Add rows: tensor names as keyword arguments, one list of samples each (all of one length)."""
        self._check_writable("add to")
        rate_limiter = A.populate_rate_limiter(rate_limiter)
        embedding_function, embedding_data, embedding_tensor, tensors = ingest.split_tuple_kwargs(
            tensors, embedding_function, embedding_data, embedding_tensor
        )
        embedders, data, targets = ingest.resolve_embedding_targets(
            self._dataset, tensors, embedding_function, self.embedding_function, embedding_data, embedding_tensor
        )
        columns, ids = ingest.build_columns(self._dataset, tensors, embedders, data, targets, rate_limiter)
        ingest.extend(self._dataset, columns)
        if self.verbose:
            self._dataset.summary()
        return ids if return_ids else None

    # ------------------------------------------------------------------ search
    def search(self, embedding_data: Union[str, List[str], None] = None, embedding_function: Optional[Callable] = None,
               embedding: Optional[Union[List[float], np.ndarray]] = None, k: int = 4,
               distance_metric: Optional[str] = None, query: Optional[str] = None,
               filter: Optional[Union[Dict, Callable]] = None, exec_option: Optional[str] = None,
               embedding_tensor: str = "embedding", return_tensors: Optional[List[str]] = None,
               return_view: bool = False, deep_memory: bool = False, return_tql: bool = False) -> Union[Dict, Dataset]:
        """Embedding search (top k by distance_metric), optionally after a filter, or a TQL query."""
        if deep_memory:
            raise ValueError(
                "Deep Memory is only available for datasets stored in the Deep Lake Managed Database for paid "
                "accounts; it cannot be used offline."
            )
        if exec_option is None and self._exec_option == "compute_engine" and callable(filter):
            self.logger.warning(
                'Switching exec_option to "python" (runs on client) because filter is specified as a function.'
            )
            exec_option = "python"
        option = A.resolve_exec_option(exec_option, self._exec_option, query=query)
        A.check_search_args(
            embedding_data=embedding_data, embedding_function=embedding_function,
            initial_embedding_function=self.embedding_function, embedding=embedding, k=k, query=query,
            filter=filter, exec_option=option, return_tensors=return_tensors,
        )
        ds = self._dataset
        A.check_filter_tensors(ds, filter)
        tensors = A.parse_return_tensors(ds, return_tensors, embedding_tensor, return_view)
        query_emb = None
        if query is None:
            query_emb = self._query_embedding(embedding, embedding_data, embedding_function)
            if query_emb is not None and embedding_tensor not in ds.tensors:
                raise ValueError(f"Embedding tensor '{embedding_tensor}' does not exist in the Vector Store.")
        metric = A.parse_distance_metric(distance_metric or self._default_metric())
        if option == "python":
            if return_tql:
                raise NotImplementedError(f"return_tql is not supported for exec_option={option}")
            return search.python_search(ds, query_emb, int(k), metric, filter, embedding_tensor, tensors, return_view)
        return search.engine_search(ds, query_emb, int(k), metric, filter, query, embedding_tensor, tensors,
                                    return_view, return_tql)

    def _default_metric(self) -> str:
        threshold = self.index_params.get("threshold", -1)
        if threshold is not None and threshold >= 0 and len(self._dataset) > threshold:
            return A.index_metric(self.index_params)
        return DEFAULT_VECTORSTORE_DISTANCE_METRIC

    def _query_embedding(self, embedding, embedding_data, embedding_function) -> Optional[np.ndarray]:
        if embedding is None and embedding_data is not None:
            embedder = as_embedder(embedding_function) or self.embedding_function
            if isinstance(embedding_data, list):
                if len(embedding_data) > 1:
                    raise NotImplementedError("Batched quering is not supported yet.")
                if not embedding_data:
                    raise ValueError("embedding_data must not be empty.")
                embedding_data = embedding_data[0]
            if not isinstance(embedding_data, str):
                raise ValueError("embedding_data must be a string.")
            embedding = embedder.embed_query(embedding_data)
        return None if embedding is None else A.query_embedding_array(embedding)

    # ------------------------------------------------------------------ delete / update
    def delete(self, row_ids: Optional[List[int]] = None, ids: Optional[List[str]] = None,
               filter: Optional[Union[Dict, Callable]] = None, query: Optional[str] = None,
               exec_option: Optional[str] = None, delete_all: Optional[bool] = None) -> bool:
        """Delete the rows chosen by row_ids, ids, filter or query (or all of them); tensors stay."""
        A.check_selection_args(ids, row_ids, filter, query, delete_all)
        option = A.resolve_exec_option(exec_option, self._exec_option, query=query)
        self._check_writable("delete from")
        if delete_all:
            self._delete_all()
            return True
        rows = self._rows(row_ids, ids, filter, query, option)
        if len(rows):
            self._dataset.pop([int(r) for r in rows])
        return True

    def _delete_all(self) -> None:
        ds = self._dataset
        if ds.is_view:
            raise ValueError("delete_all needs the Vector Store's whole dataset, not a view of it.")
        self._dataset = deeplake.like(ds.path, ds, overwrite=True, creds=self.creds or None)

    def _rows(self, row_ids, ids, filter, query, option) -> np.ndarray:
        if row_ids is not None:  # an empty list selects nothing (never "everything")
            rows = np.unique(np.asarray(row_ids, dtype=np.int64))
            if len(rows) and (rows[0] < 0 or rows[-1] >= len(self._dataset)):
                raise IndexError(f"row_ids out of range for a Vector Store of {len(self._dataset)} rows.")
            return rows
        A.check_filter_tensors(self._dataset, filter)
        return search.select_rows(self._dataset, ids=ids, filter=filter, query=query, exec_option=option,
                                  id_tensor=store_setup.id_tensor(self._dataset))

    def update_embedding(self, row_ids: Optional[List[str]] = None, ids: Optional[List[str]] = None,
                         filter: Optional[Union[Dict, Callable]] = None, query: Optional[str] = None,
                         exec_option: Optional[str] = None,
                         embedding_function: Optional[Union[Callable, List[Callable]]] = None,
                         embedding_source_tensor: Union[str, List[str]] = "text",
                         embedding_tensor: Optional[Union[str, List[str]]] = None):
        """Recompute the embeddings of the chosen rows from their source tensor(s)."""
        if row_ids and ids:
            raise ValueError("Only one of row_ids and ids can be specified.")
        if row_ids and filter:
            raise ValueError("Only one of row_ids and filter can be specified.")
        if filter and query:
            raise ValueError("Only one of filter and query can be specified.")
        A.check_selection_args(ids, row_ids, filter, query, None)
        option = A.resolve_exec_option(exec_option, self._exec_option, query=query)
        self._check_writable("update")
        sources, targets, functions = self._update_plan(embedding_function, embedding_source_tensor, embedding_tensor)
        rows = self._rows(row_ids, ids, filter, query, option)
        if not len(rows):
            return
        ds = self._dataset
        view = ds[[int(r) for r in rows]]
        new_values = {}
        for source, target, fn in zip(sources, targets, functions):
            new_values[target] = embeddings_matrix(fn.embed_documents(search.tensor_values(view, source)))
            if len(new_values[target]) != len(rows):
                raise ValueError(f"The embedding function returned {len(new_values[target])} embeddings for "
                                 f"{len(rows)} rows.")
        with ds:
            for target, values in new_values.items():
                ds[target][[int(r) for r in rows]] = values

    def _update_plan(self, embedding_function, source, target):
        if embedding_function is None and self.embedding_function is None:
            raise ValueError(
                "`embedding_function` was not specified during initialization of vector store or the update call"
            )
        if source is None:
            raise ValueError("`embedding_source_tensor` was not specified")
        if not target:
            target = ingest._single_embedding_tensor(self._dataset)
        if isinstance(target, list) and len(target) == 1:
            target = target[0]
        if isinstance(source, str) and isinstance(target, list):
            raise ValueError(
                "Multiple `embedding_tensor` were specified while a single `embedding_source_tensor` was given."
            )
        if isinstance(source, list) and len(source) > 1 and isinstance(target, str):
            raise ValueError(
                "Multiple `embedding_source_tensor` were specified while a single `embedding_tensor` was given."
            )
        sources = [source] if isinstance(source, str) else list(source)
        targets = [target] if isinstance(target, str) else list(target)
        if len(sources) != len(targets):
            raise ValueError("The length of the `embedding_tensor` does not match the length of `embedding_source_tensor`")
        for name in sources + targets:
            if name not in self._dataset.tensors:
                raise ValueError(f"Tensor {name} does not exist in dataset")
        fns = embedding_function if embedding_function is not None else self.embedding_function
        fns = [as_embedder(f) for f in fns] if isinstance(fns, list) else [as_embedder(fns)] * len(targets)
        if len(fns) != len(targets):
            raise ValueError("The number of embedding functions does not match the number of `embedding_tensor`")
        return sources, targets, fns

    # ------------------------------------------------------------------ version control
    def commit(self, allow_empty: bool = True) -> None:
        """Commit the store's dataset."""
        self._dataset.commit(allow_empty=allow_empty)

    def checkout(self, branch: str = "main", create=False) -> None:
        """Check out ``branch`` (created when ``create``)."""
        self._dataset.checkout(branch, create=create)

    @staticmethod
    def delete_by_path(path: Union[str, pathlib.Path], token: Optional[str] = None, force: bool = False,
                       creds: Optional[Union[Dict, str]] = None) -> None:
        """Delete the Vector Store at ``path`` permanently."""
        path = A.path_string(path)
        A.check_offline(path, token, None, None, None)
        deeplake.delete(path, large_ok=True, force=force, creds=creds or None)

    def _check_writable(self, what: str) -> None:
        if self._dataset.read_only:
            raise ReadOnlyModeError(f"Cannot {what} a read-only Vector Store; open it with read_only=False.")


DeepLakeVectorStore = VectorStore
