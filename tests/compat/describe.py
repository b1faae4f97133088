"""Describe what our reader returns in the shape of the fixtures' expected.json."""
import hashlib

import numpy as np

SMALL = 64


def sha(b):
    return hashlib.sha256(bytes(b)).hexdigest()


def to_plain(v):
    if isinstance(v, np.ndarray):
        return [to_plain(x) for x in v.tolist()] if v.dtype == object else v.tolist()
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, dict):
        return {k: to_plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_plain(x) for x in v]
    return v


def array_desc(a):
    a = np.asarray(a)
    d = {"shape": list(a.shape), "dtype": a.dtype.name}
    if a.dtype == object or a.size <= SMALL:
        d["value"] = a.tolist()
    else:
        d["sha256_le_c_order"] = sha(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes())
        d["first_values"] = a.reshape(-1)[:8].tolist()
    return d


def sample_desc(t, i):
    ht = t.base_htype
    if t.is_link:
        s = t[i]
        return {"path": s.path(), "decoded": array_desc(s.numpy())}
    if t.is_sequence:
        items = t[i].numpy(aslist=True)
        if ht in ("text", "json", "list", "tag"):
            return [to_plain(x) for x in items]
        return [array_desc(x) for x in items]
    if ht in ("text", "json", "list", "tag"):
        return to_plain(t[i].data()["value"])
    if ht == "polygon":
        return [np.asarray(p).tolist() for p in t[i].numpy()]
    a = t[i].numpy()
    d = array_desc(a)
    if t.meta.sample_compression and i not in t._engine.tiles:  # the reference cannot tobytes() tiles
        d["stored_bytes_sha256"] = sha(t[i].tobytes())
        d["stored_bytes_len"] = len(t[i].tobytes())
    if ht == "class_label":
        text = t[i].data().get("text")
        if text is not None:
            d["text"] = text
    return d
