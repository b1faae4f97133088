"""Dataset methods whose work lives in other layers.

Each method is a thin, documented entry point that imports its layer lazily,
so ``import deeplake`` stays light and each layer stays testable on its own.
"""
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Union


class DatasetOpsMixin:
    # ------------------------------------------------------------ version control
    def diff(self, id_1: Optional[str] = None, id_2: Optional[str] = None, as_dict: bool = False):
        """Changes between commits (spec 2.9); prints them, or returns a dict when ``as_dict``."""
        from deeplake.version_control.diff import dataset_diff

        return dataset_diff(self, id_1, id_2, as_dict)

    def merge(self, target_id: str, conflict_resolution: Optional[str] = None,
              delete_removed_tensors: bool = False, force: bool = False) -> None:
        """Merge the branch or commit ``target_id`` into the current head."""
        from deeplake.version_control.merge import merge

        merge(self, target_id, conflict_resolution=conflict_resolution,
              delete_removed_tensors=delete_removed_tensors, force=force)

    def reset(self, force: bool = False) -> None:
        """Throw away uncommitted changes, back to the last commit."""
        from deeplake.version_control.history import reset

        reset(self, force)

    def delete_branch(self, name: str) -> None:
        """Delete a branch that has no children and is not checked out."""
        from deeplake.version_control.history import delete_branch

        delete_branch(self, name)

    def fix_vc(self) -> None:
        """Repair version-control info left inconsistent by an interrupted operation."""
        from deeplake.version_control.history import fix_vc

        fix_vc(self)

    # ------------------------------------------------------------ saved views
    def save_view(self, message: Optional[str] = None, path=None, id: Optional[str] = None,
                  optimize: bool = False, tensors: Optional[List[str]] = None, num_workers: int = 0,
                  scheduler: str = "threaded", verbose: bool = True, ignore_errors: bool = False,
                  **ds_args) -> str:
        """Save this view (inside the dataset, or at ``path``); returns where it was saved."""
        from deeplake.core.saved_views import save_view

        return save_view(self, message=message, path=path, id=id, optimize=optimize, tensors=tensors,
                         num_workers=num_workers, scheduler=scheduler, verbose=verbose,
                         ignore_errors=ignore_errors, **ds_args)

    def get_view(self, id: str):
        """The saved view ``id`` as a ViewEntry."""
        from deeplake.core.saved_views import get_view

        return get_view(self, id)

    def load_view(self, id: str, optimize: Optional[bool] = False, tensors: Optional[List[str]] = None,
                  num_workers: int = 0, scheduler: str = "threaded", progressbar: Optional[bool] = True):
        """Open the saved view ``id``."""
        from deeplake.core.saved_views import load_view

        return load_view(self, id, optimize=optimize, tensors=tensors, num_workers=num_workers,
                         scheduler=scheduler, progressbar=progressbar)

    def delete_view(self, id: str) -> None:
        """Delete the saved view ``id``."""
        from deeplake.core.saved_views import delete_view

        delete_view(self, id)

    def get_views(self, commit_id: Optional[str] = None) -> list:
        """Saved views of ``commit_id`` (default: of every commit)."""
        from deeplake.core.saved_views import get_views

        return get_views(self, commit_id)

    # ------------------------------------------------------------ streaming
    def dataloader(self, ignore_errors: bool = False, verbose: bool = False):
        """A loader builder (spec 11.1): chain batch/shuffle/transform/... then numpy/pytorch/tensorflow."""
        from deeplake.loader import dataloader

        return dataloader(self, ignore_errors=ignore_errors, verbose=verbose)

    def pytorch(self, transform: Optional[Callable] = None, tensors: Optional[Sequence[str]] = None,
                num_workers: int = 1, batch_size: int = 1, drop_last: bool = False,
                collate_fn: Optional[Callable] = None, pin_memory: bool = False, shuffle: bool = False,
                buffer_size: int = 2048, use_local_cache: bool = False, progressbar: bool = False,
                return_index: bool = True, pad_tensors: bool = False,
                transform_kwargs: Optional[Dict[str, Any]] = None,
                decode_method: Optional[Dict[str, str]] = None, cache_size: int = 32 * 10**6,
                *args, **kwargs):
        """An iterable over batches for PyTorch training."""
        from deeplake.loader import pytorch

        return pytorch(self, transform=transform, tensors=tensors, num_workers=num_workers,
                       batch_size=batch_size, drop_last=drop_last, collate_fn=collate_fn,
                       pin_memory=pin_memory, shuffle=shuffle, buffer_size=buffer_size,
                       use_local_cache=use_local_cache, progressbar=progressbar, return_index=return_index,
                       pad_tensors=pad_tensors, transform_kwargs=transform_kwargs,
                       decode_method=decode_method, cache_size=cache_size, *args, **kwargs)

    def tensorflow(self, tensors: Optional[Sequence[str]] = None, tobytes: Union[bool, Sequence[str]] = False,
                   fetch_chunks: bool = True):
        """This dataset as a ``tf.data.Dataset``."""
        from deeplake.loader import tensorflow

        return tensorflow(self, tensors=tensors, tobytes=tobytes, fetch_chunks=fetch_chunks)

    # ------------------------------------------------------------ link credentials
    def add_creds_key(self, creds_key: str, managed: bool = False) -> None:
        """Register a credentials key for linked tensors."""
        from deeplake.core.creds import add_creds_key

        add_creds_key(self, creds_key, managed)

    def populate_creds(self, creds_key: str, creds: Optional[dict] = None, from_environment: bool = False) -> None:
        """Give the credentials for ``creds_key`` (kept in memory, never stored)."""
        from deeplake.core.creds import populate_creds

        populate_creds(self, creds_key, creds, from_environment)

    def update_creds_key(self, creds_key: str, new_creds_key: Optional[str] = None,
                         managed: Optional[bool] = None) -> None:
        """Rename a credentials key (or change whether it is managed)."""
        from deeplake.core.creds import update_creds_key

        update_creds_key(self, creds_key, new_creds_key, managed)

    def get_creds_keys(self) -> Set[str]:
        from deeplake.core.creds import get_creds_keys

        return get_creds_keys(self)

    def get_managed_creds_keys(self) -> List[str]:
        from deeplake.core.creds import get_managed_creds_keys

        return get_managed_creds_keys(self)

    # ------------------------------------------------------------ the cloud platform
    def connect(self, creds_key: Optional[str] = None, dest_path: Optional[str] = None, org_id: Optional[str] = None,
                ds_name: Optional[str] = None, token: Optional[str] = None, **kwargs):
        """Connect this dataset to the Activeloop platform: not available offline."""
        from deeplake.api.dataset import _platform_unavailable

        raise _platform_unavailable(f"Connecting the dataset at '{self.path}' to an organization")

    def visualize(self, width=None, height=None):
        """The Activeloop visualizer embeds its web app, which cannot be reached offline."""
        from deeplake.api.dataset import _platform_unavailable

        raise _platform_unavailable(
            "Dataset.visualize (it embeds the Activeloop web app; use ds.summary(), "
            "tensor.numpy() or tensor[i].pil instead)"
        )
