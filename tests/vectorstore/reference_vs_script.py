"""Run by the REFERENCE interpreter (deeplake 3.8.22): VectorStore operations -> JSON on stdout.

usage: python reference_vs_script.py <mode> <path> <data.npz>
  mode "create": make a store at path from the data, then search
  mode "open":   open the store at path (written by the library under test), then search
The reference's DeepMemory client calls the vendor's server on construction;
it is stubbed out, and telemetry is switched off, so this runs offline.
"""
import json
import os
import sys

os.environ["BUGGER_OFF"] = "true"

import numpy as np  # noqa: E402

import deeplake.core.vectorstore.deeplake_vectorstore as vs_module  # noqa: E402

vs_module.DeepMemory = lambda *a, **k: None
from deeplake import VectorStore  # noqa: E402


def main():
    mode, path, data_path = sys.argv[1:4]
    data = np.load(data_path, allow_pickle=False)
    emb, queries = data["embedding"], data["queries"]
    texts = [str(t) for t in data["text"]]
    metadata = [json.loads(m) for m in data["metadata"]]
    ids = [str(i) for i in data["ids"]]
    if mode == "create":
        vs = VectorStore(path, verbose=False, overwrite=True)
        vs.add(text=texts, metadata=metadata, embedding=emb, id=ids)
    else:
        vs = VectorStore(path, verbose=False, read_only=True)
    out = {"len": len(vs), "tensors": list(vs.tensors()),
           "htypes": {k: t.htype for k, t in vs.dataset.tensors.items()}, "searches": []}
    for q in queries:
        for metric in ("COS", "L2", "L1", "MAX"):
            res = vs.search(embedding=q, k=5, distance_metric=metric, exec_option="python")
            out["searches"].append({"metric": metric, "filter": None, "score": res["score"], "id": res["id"],
                                    "text": res["text"], "metadata": res["metadata"]})
            res = vs.search(embedding=q, k=5, distance_metric=metric, exec_option="python",
                            filter={"metadata": {"group": 1}})
            out["searches"].append({"metric": metric, "filter": {"metadata": {"group": 1}}, "score": res["score"],
                                    "id": res["id"], "text": res["text"], "metadata": res["metadata"]})
    print("JSON:" + json.dumps(out))


if __name__ == "__main__":
    main()
