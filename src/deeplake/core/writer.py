"""Sample writes that span a tensor and its hidden companions.

Every write is planned first (all samples validated and serialised for the
main tensor and each companion) and applied second, so bad input raises
before a single byte changes.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from deeplake.core.engine.codec import EncodedBatch
from deeplake.errors import SampleAppendError, SampleExtendError, TensorDoesNotExistError


class _Plan:
    """What one extend will do: encoded batches per engine, plus side effects."""

    def __init__(self):
        self.steps: List[Tuple[Any, EncodedBatch]] = []
        self.seq_lengths: Dict[Any, List[int]] = {}
        self.after: List = []  # callables run once all batches are appended
        self.undo: List = []  # callables restoring state if planning fails

    def apply(self) -> None:
        for engine, batch in self.steps:
            engine.append_encoded(batch)
        for engine, lengths in self.seq_lengths.items():
            for n in lengths:
                engine.sequences.register(n)
            engine._encoders_dirty = True
        for fn in self.after:
            fn()


def _as_sample_list(samples) -> Any:
    if isinstance(samples, np.ndarray):
        return samples
    if hasattr(samples, "numpy") and hasattr(samples, "meta"):  # a Tensor
        return samples.numpy(aslist=True)
    if isinstance(samples, (str, bytes, dict)):
        raise TypeError("extend expects a sequence of samples; use append for a single sample.")
    return list(samples)


class DatasetWriter:
    """Write operations of one dataset (used by Tensor and Dataset facades)."""

    def __init__(self, dataset):
        self.ds = dataset

    # ------------------------------------------------------------ planning
    def plan_extend(self, tensor, samples, plan: _Plan = None) -> _Plan:
        plan = plan or _Plan()
        eng = tensor._engine
        samples = _as_sample_list(samples)
        if eng.meta.get("htype") is None and len(samples):
            self._decide_htype(eng, samples, plan)
        numeric_array = isinstance(samples, np.ndarray) and samples.dtype.kind in "biuf"
        htype_hook = None if numeric_array else self._coercer(tensor, plan)
        eng.coerce = htype_hook
        if eng.meta.is_sequence:
            items, lengths = [], []
            for seq in samples:
                seq = _as_sample_list(seq) if seq is not None else []
                lengths.append(len(seq))
                items.extend(seq if not isinstance(seq, np.ndarray) else list(seq))
            batch = self._encode(tensor, items, plan)
            plan.seq_lengths[eng] = lengths
            n_top = len(lengths)
        else:
            batch = self._encode(tensor, samples, plan)
            n_top = batch.count
        plan.steps.append((eng, batch))
        self._plan_companions(tensor, batch, n_top, plan, samples)
        return plan

    @staticmethod
    def _encode(tensor, samples, plan: _Plan) -> EncodedBatch:
        if tensor._engine.meta.is_link:
            from deeplake.core.linked import encode_links

            return encode_links(tensor, list(samples), plan)
        return tensor._engine.encode(samples)

    @staticmethod
    def _decide_htype(eng, samples, plan: _Plan) -> None:
        """A tensor created without htype takes one from its first samples
        (text for strings, json for dicts, generic otherwise), as the reference."""
        from deeplake import htypes
        from deeplake.core.engine.codec import make_codec

        items = samples if not eng.meta.is_sequence else [x for seq in samples for x in (seq or [])]
        if not len(items) or all(x is None for x in items):
            return
        htype = htypes.infer_htype(items)
        if eng.meta.get("dtype") is not None and htype != "generic":
            htype = "generic"
        before = dict(eng.meta.d)
        eng.meta.d.update(htypes.htype_meta_updates(eng.meta.d, htype))
        eng.meta.is_dirty = True
        eng.codec = make_codec(eng.meta)
        plan.undo.append(lambda: (eng.meta.d.clear(), eng.meta.d.update(before),
                                  setattr(eng, "codec", make_codec(eng.meta))))

    def _coercer(self, tensor, plan: _Plan):
        htype = tensor.meta.htype
        if htype != "class_label":
            return None
        info = tensor._engine.info
        names = list(info.get("class_names") or [])
        added: List[str] = []

        def to_index(label):
            if isinstance(label, str):
                if label not in names:
                    names.append(label)
                    added.append(label)
                return names.index(label)
            return label

        def coerce(sample):
            if isinstance(sample, str):
                return np.asarray([to_index(sample)], dtype=np.uint32)
            if isinstance(sample, (list, tuple)) and any(isinstance(x, str) for x in sample):
                return np.asarray([to_index(x) for x in sample], dtype=np.uint32)
            if isinstance(sample, np.ndarray) and sample.dtype.kind in "US":
                return np.asarray([to_index(str(x)) for x in sample.reshape(-1)], dtype=np.uint32)
            return sample

        def persist():
            if added:
                new_info = dict(tensor._engine.info)
                new_info["class_names"] = names
                tensor._engine.set_info(new_info)

        plan.after.append(persist)
        return coerce

    def _plan_companions(self, tensor, batch: EncodedBatch, n_top: int, plan: _Plan, samples) -> None:
        eng = tensor._engine
        for ckey, link in eng.meta.links.items():
            ceng = self.ds._engine_for_key(ckey)
            fn = link.get("extend")
            flat = link.get("flatten_sequence", True)
            n = batch.count if (flat or not eng.meta.is_sequence) else n_top
            if fn == "extend_id":
                ids = np.frombuffer(os.urandom(8 * n), dtype=np.uint64).reshape(n, 1)
                cb = ceng.encode(ids)
            elif fn in ("extend_shape", "extend_len"):
                ndim = self._ndim_for_shape_companion(eng, batch)
                cb = ceng.encode(batch.shape_array(ndim).astype(np.int64))
            elif fn == "extend_info":
                fb = batch.extra.get("file_batch")
                if fb is not None and not eng.meta.is_sequence:
                    cb = EncodedBatch(fb.sample_info_json(), [(1,)] * batch.count, count=batch.count)
                else:
                    flat = batch.extra.get("resolved") or self._flat_samples(eng, samples, batch)
                    cb = ceng.encode([self._sample_info(s) for s in flat])
            else:
                # downsampling and other links arrive with their htypes
                continue
            plan.steps.append((ceng, cb))

    @staticmethod
    def _ndim_for_shape_companion(eng, batch: EncodedBatch) -> int:
        if batch.uniform is not None:
            return len(batch.uniform[2])
        return len(batch.shapes[0]) if batch.shapes else 1

    @staticmethod
    def _flat_samples(eng, samples, batch):
        if eng.meta.is_sequence:
            out = []
            for seq in samples:
                out.extend(list(seq) if seq is not None else [])
            return out
        if isinstance(samples, np.ndarray):
            return [None] * batch.count
        return list(samples)

    @staticmethod
    def _sample_info(sample) -> dict:
        info = getattr(sample, "sample_info", None)
        if callable(info):
            info = info()
        return dict(info) if isinstance(info, dict) else {}

    # ------------------------------------------------------------ tensors
    def extend_tensor(self, tensor, samples, ignore_errors: bool = False) -> None:
        if ignore_errors:
            for s in _as_sample_list(samples):
                try:
                    self.plan_extend(tensor, [s]).apply()
                except Exception:
                    continue
            return
        plan = _Plan()
        try:
            self.plan_extend(tensor, samples, plan)
        except Exception as e:
            for fn in plan.undo:
                fn()
            raise _wrap_append_error(e, tensor.name) from e
        plan.apply()

    def extend_dataset(self, tensors: Dict[str, Any], samples: Dict[str, Any], ignore_errors=False) -> None:
        """Extend several tensors with rows of equal count, all or nothing."""
        if ignore_errors:
            n = len(next(iter(samples.values()))) if samples else 0
            for i in range(n):
                try:
                    plan = _Plan()
                    for name, vals in samples.items():
                        self.plan_extend(tensors[name], [vals[i]], plan)
                    plan.apply()
                except Exception:
                    continue
            return
        plan = _Plan()
        for name, vals in samples.items():
            try:
                self.plan_extend(tensors[name], vals, plan)
            except Exception as e:
                for fn in plan.undo:
                    fn()
                raise _wrap_append_error(e, name) from e
        plan.apply()

    def update_tensor(self, tensor, value) -> None:
        eng = tensor._engine
        indices = tensor._sample_indices()
        single = tensor._is_single()
        sub = tensor.index.values[1:]
        if eng.meta.is_sequence:
            self._update_sequences(tensor, indices, value, single)
            return
        if single:
            values = [value]
        elif isinstance(value, np.ndarray) and not sub:
            values = value if len(value) == len(indices) else None
        else:
            values = list(value) if isinstance(value, (list, tuple)) else value
        if values is None or (not single and len(values) != len(indices)):
            raise ValueError(
                f"Cannot assign {len(values) if values is not None else 'a value'} samples to "
                f"{len(indices)} positions of tensor '{tensor.name}'."
            )
        if sub and not eng.meta.is_link and all(int(i) in eng.tiles for i in indices):
            inner = tuple(e.value for e in sub)
            for idx, v in zip(indices, values):  # only the touched tiles are rewritten
                eng.write_tiled_region(int(idx), inner, v)
            return
        if sub:
            values = self._merge_partial(tensor, indices, values)
        eng.coerce = self._coercer(tensor, plan := _Plan())
        batch = self._encode(tensor, values, plan)
        # companions of updated samples
        comp_updates = []
        for ckey, link in eng.meta.links.items():
            fn = link.get("update")
            if fn in ("update_shape", "update_len"):
                ceng = self.ds._engine_for_key(ckey)
                ndim = self._ndim_for_shape_companion(eng, batch)
                comp_updates.append((ceng, ceng.encode(batch.shape_array(ndim).astype(np.int64))))
            elif fn == "update_info":
                ceng = self.ds._engine_for_key(ckey)
                infos = batch.extra.get("resolved") or values
                comp_updates.append((ceng, ceng.encode([self._sample_info(v) for v in infos])))
        eng.update_encoded(indices, batch)
        for ceng, cb in comp_updates:
            ceng.update_encoded(indices, cb)
        for fn in plan.after:
            fn()
        self.refresh_shape_stats(tensor)

    def refresh_shape_stats(self, tensor) -> None:
        """Recompute min/max shape after updates or pops (they can shrink)."""
        eng = tensor._engine
        n = eng.num_samples
        if n == 0:
            eng.meta["min_shape"], eng.meta["max_shape"] = [], []
            return
        if eng.is_fixed_shape():
            return  # every sample already has the one shape: nothing can shrink
        shape_key = next((k for k, l in eng.meta.links.items() if l.get("extend") in ("extend_shape",)), None)
        shapes = None
        if shape_key is not None:
            seng = self.ds._engine_for_key(shape_key)
            if seng.num_samples == n and seng.can_read_fast():
                shapes = seng.read_fixed(np.arange(n, dtype=np.int64))
        if shapes is None:
            shapes = eng.read_shapes(np.arange(n, dtype=np.int64))
        if len(shapes) and shapes.shape[1]:
            eng.meta["min_shape"] = [int(x) for x in shapes.min(axis=0)]
            eng.meta["max_shape"] = [int(x) for x in shapes.max(axis=0)]

    def _merge_partial(self, tensor, indices, values):
        """Per-dimension assignment: read each whole sample, patch, write back."""
        eng = tensor._engine
        inner = tuple(e.value for e in tensor.index.values[1:])
        out = []
        for idx, v in zip(indices, values):
            sample = np.array(eng.read_sample(int(idx)))
            try:
                sample[inner] = v
            except (ValueError, TypeError) as e:
                from deeplake.errors import TensorInvalidSampleShapeError

                raise TensorInvalidSampleShapeError(
                    f"Cannot write this value into {inner} of a sample of shape {sample.shape} "
                    f"in tensor '{tensor.name}': {e}"
                ) from None
            out.append(sample)
        return out

    def _update_sequences(self, tensor, indices, value, single):
        eng = tensor._engine
        seqs = [value] if single else list(value)
        if len(seqs) != len(indices):
            raise ValueError(f"Cannot assign {len(seqs)} sequences to {len(indices)} positions.")
        for s, seq in zip(indices, seqs):
            start, end = eng.sequences.item_range(int(s))
            items = list(seq)
            if len(items) != end - start:
                raise ValueError(
                    "Updating a sequence with a different number of items is not supported; "
                    "pop it and append the new sequence."
                )
            batch = eng.encode(items)
            eng.update_encoded(list(range(start, end)), batch)

    def pop_tensor(self, tensor, indices: List[int]) -> None:
        eng = tensor._engine
        ids = None
        id_key = next((k for k, l in eng.meta.links.items() if l.get("extend") == "extend_id"), None)
        if id_key is not None:
            id_eng = self.ds._engine_for_key(id_key)
            if id_eng.num_samples:
                ids = [int(np.asarray(id_eng.read_sample(i)).reshape(-1)[0]) for i in indices if i < id_eng.num_samples]
        if eng.meta.is_sequence:
            items = []
            for s in indices:
                a, b = eng.sequences.item_range(s)
                items.extend(range(a, b))
            lengths = eng.sequences.lengths()
            eng.pop(items)
            eng.sequences.set_lengths(np.delete(lengths, indices))
        else:
            items = indices
            eng.pop(items, ids)
        for ckey, link in eng.meta.links.items():
            ceng = self.ds._engine_for_key(ckey)
            flat = link.get("flatten_sequence", True)
            targets = items if (flat or not eng.meta.is_sequence) else indices
            targets = [t for t in targets if t < ceng.num_samples]
            if targets:
                ceng.pop(targets)
        self.refresh_shape_stats(tensor)

    def clear_tensor(self, tensor) -> None:
        eng = tensor._engine
        eng.clear()
        for ckey in eng.meta.links:
            self.ds._engine_for_key(ckey).clear()


def _wrap_append_error(e: Exception, name: str) -> Exception:
    from deeplake.errors import DeepLakeError

    if isinstance(e, DeepLakeError):
        return e
    return SampleExtendError(f"Failed to append to tensor '{name}': {e}")
