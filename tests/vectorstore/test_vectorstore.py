"""deeplake.VectorStore: the documented API, offline, with both exec options agreeing."""
import uuid

import numpy as np
import pytest

import deeplake
from deeplake.errors import CloudServiceUnavailableError, ReadOnlyModeError, TensorDoesNotExistError
from deeplake.vectorstore.defaults import DEFAULT_VECTORSTORE_TENSORS

RNG = np.random.default_rng(7)
N, DIM = 40, 8
EMB = RNG.standard_normal((N, DIM)).astype(np.float32)
TEXT = [f"doc {i}" for i in range(N)]
META = [{"group": i % 3, "name": f"n{i}"} for i in range(N)]
EXECS = ["python", "compute_engine"]


def make_store(path="mem://vs", **kw):
    kw.setdefault("verbose", False)
    vs = deeplake.VectorStore(path, overwrite=True, **kw)
    vs.add(text=TEXT, metadata=META, embedding=EMB)
    return vs


def expected_top(q, metric, k, rows=None):
    rows = np.arange(N) if rows is None else np.asarray(rows)
    x = EMB[rows].astype(np.float64)
    q = np.asarray(q, np.float64)
    if metric == "COS":
        s = x @ q / (np.linalg.norm(x, axis=1) * np.linalg.norm(q))
        order = np.argsort(-s, kind="stable")
    else:
        ord_ = {"L2": 2, "L1": 1, "MAX": np.inf}[metric]
        s = np.linalg.norm(x - q, ord=ord_, axis=1)
        order = np.argsort(s, kind="stable")
    return rows[order[:k]], s[order[:k]]


# ---------------------------------------------------------------- layout
def test_default_tensors_and_paths():
    vs = deeplake.VectorStore("mem://layout", verbose=False, overwrite=True)
    assert list(vs.tensors()) == ["text", "metadata", "embedding", "id"]
    htypes = {k: t.htype for k, t in vs.dataset.tensors.items()}
    assert htypes == {"text": "text", "metadata": "json", "embedding": "embedding", "id": "text"}
    assert vs.dataset.embedding.dtype == np.float32
    assert len(vs) == 0
    from deeplake.core.vectorstore.deeplake_vectorstore import VectorStore as Documented
    from deeplake.core.vectorstore import VectorStore as Documented2

    assert Documented is deeplake.VectorStore is Documented2
    # the caller's tensor_params are not changed
    assert [p["name"] for p in DEFAULT_VECTORSTORE_TENSORS] == ["text", "metadata", "embedding", "id"]


def test_custom_tensor_params_get_an_id_tensor():
    params = [{"name": "text", "htype": "text"}, {"name": "embedding_1", "htype": "embedding"},
              {"name": "source", "htype": "text"}]
    vs = deeplake.VectorStore("mem://custom", tensor_params=params, verbose=False, overwrite=True)
    assert list(vs.tensors()) == ["text", "embedding_1", "source", "id"]
    assert len(params) == 3
    fn = lambda xs: [[float(len(x)), 1.0] for x in xs]  # noqa: E731
    vs.add(text=["a", "bb"], source=["s", "t"], embedding_function=fn, embedding_data=["a", "bb"])
    np.testing.assert_array_equal(vs.dataset.embedding_1.numpy(), [[1, 1], [2, 1]])


def test_persists_and_reopens(tmp_path):
    path = str(tmp_path / "store")
    vs = make_store(path)
    ids = vs.dataset.id.data(aslist=True)["value"]
    again = deeplake.VectorStore(path, verbose=False)
    assert len(again) == N and again.dataset.id.data(aslist=True)["value"] == ids
    with pytest.raises(ValueError, match="tensor_params"):
        deeplake.VectorStore(path, tensor_params=[{"name": "x", "htype": "text"}], verbose=False)
    ro = deeplake.VectorStore(path, read_only=True, verbose=False)
    assert ro.search(embedding=EMB[0], k=1)["text"] == ["doc 0"]
    with pytest.raises(ReadOnlyModeError):
        ro.add(text=["x"], metadata=[{}], embedding=EMB[:1])
    with pytest.raises(ReadOnlyModeError):
        ro.delete(row_ids=[0])
    assert len(deeplake.load(path)) == N
    deeplake.VectorStore.delete_by_path(path)
    assert not deeplake.exists(path)


def test_dataset_argument():
    ds = make_store("mem://handed").dataset
    vs = deeplake.VectorStore(dataset=ds, verbose=False)
    assert vs.dataset is ds and len(vs) == N
    with pytest.raises(ValueError, match="Only one"):
        deeplake.VectorStore("mem://x", dataset=ds)
    with pytest.raises(ValueError, match="Either"):
        deeplake.VectorStore()


def test_opening_a_non_vector_dataset_fails():
    ds = deeplake.empty("mem://plain", overwrite=True)
    ds.create_tensor("text", htype="text")
    with pytest.raises(ValueError, match="embedding tensor"):
        deeplake.VectorStore("mem://plain", verbose=False)


@pytest.mark.parametrize("kwargs", [
    dict(path="hub://org/ds"), dict(path="mem://c", token="abc"), dict(path="mem://c", org_id="org"),
    dict(path="mem://c", runtime={"tensor_db": True}), dict(path="mem://c", exec_option="tensor_db"),
])
def test_cloud_only_arguments_fail_clearly(kwargs):
    with pytest.raises(CloudServiceUnavailableError, match="offline"):
        deeplake.VectorStore(verbose=False, **kwargs)


def test_bad_init_arguments():
    with pytest.raises(ValueError, match="exec_option"):
        deeplake.VectorStore("mem://b", exec_option="gpu", verbose=False)
    with pytest.raises(ValueError, match="index_params"):
        deeplake.VectorStore("mem://b", index_params={"nope": 1}, verbose=False)


# ---------------------------------------------------------------- add
def test_add_ids_and_return():
    vs = deeplake.VectorStore("mem://ids", verbose=False, overwrite=True)
    assert vs.add(text=TEXT[:2], metadata=META[:2], embedding=EMB[:2]) is None
    ids = vs.add(text=TEXT[:2], metadata=META[:2], embedding=EMB[:2], return_ids=True)
    assert len(ids) == 2 and all(uuid.UUID(i) for i in ids)
    mine = vs.add(text=TEXT[:2], metadata=META[:2], embedding=EMB[:2], id=["a", uuid.UUID(int=1)], return_ids=True)
    assert mine == ["a", str(uuid.UUID(int=1))]
    assert vs.dataset.id.data(aslist=True)["value"][-2:] == mine
    assert len(vs) == 6


def test_add_with_embedding_functions():
    fn = lambda xs: [[float(len(x))] * DIM for x in xs]  # noqa: E731
    vs = deeplake.VectorStore("mem://fn", embedding_function=fn, verbose=False, overwrite=True)
    vs.add(text=["a", "bbb"], metadata=[{}, {}], embedding_data=["a", "bbb"])
    vs.add(text=["cc"], metadata=[{}], embedding_function=lambda xs: [[2.0] * DIM for _ in xs],
           embedding_data=["cc"], embedding_tensor="embedding")
    vs.add(text=["dddd"], metadata=[{}], embedding=(fn, ["dddd"]))
    np.testing.assert_array_equal(vs.dataset.embedding.numpy()[:, 0], [1, 3, 2, 4])
    assert vs.dataset.embedding.info["embedding"]["model"] is None  # recorded, as the reference


class LangChainLike:
    model = "toy"

    def embed_documents(self, texts):
        return [[float(len(t)), 0.0] for t in texts]

    def embed_query(self, text):
        return [float(len(text)), 0.0]


def test_embedding_object_with_methods():
    vs = deeplake.VectorStore("mem://obj", embedding_function=LangChainLike(), verbose=False, overwrite=True)
    vs.add(text=["a", "abcd"], metadata=[{}, {}], embedding_data=["a", "abcd"])
    out = vs.search(embedding_data="abc", k=1, distance_metric="L2")
    assert out["text"] == ["abcd"]
    out = vs.search(embedding_data=["a"], k=1, distance_metric="L2")
    assert out["text"] == ["a"]


def test_add_many_rows_in_batches():
    calls = []

    def fn(xs):
        calls.append(len(xs))
        return np.ones((len(xs), 3), np.float32)

    vs = deeplake.VectorStore("mem://batches", verbose=False, overwrite=True)
    n = 1203
    vs.add(text=[str(i) for i in range(n)], metadata=[{}] * n, embedding_function=fn, embedding_data=[str(i) for i in range(n)])
    assert calls == [500, 500, 203] and len(vs) == n


@pytest.mark.parametrize("kwargs,match", [
    (dict(text=TEXT[:3], metadata=META[:2], embedding=EMB[:3]), "equal lengths"),
    (dict(text=TEXT[:1], metadata=META[:1], embedding=EMB[:1], foo=["x"]), "Tensor foo does not exist"),
    (dict(text=TEXT[:1], embedding=EMB[:1]), "`metadata` tensor"),
    (dict(text=TEXT[:1], metadata=META[:1], embedding_data=TEXT[:1]), "embedding_function"),
    (dict(text=TEXT[:1], metadata=META[:1], embedding=EMB[:1], embedding_tensor="embedding"), "embedding_function"),
    (dict(text=TEXT[:1], metadata=META[:1], embedding=EMB[:1, :3]), "dimension"),
    (dict(text=TEXT[:1], metadata=META[:1], embedding_function=lambda x: [], embedding_data=TEXT[:1]), "shapes"),
    (dict(text=TEXT[:2], metadata=META[:2], embedding_function=lambda x: [[1, 2], [1, 2, 3]],
          embedding_data=TEXT[:2]), "shapes"),
    (dict(text=TEXT[:1], metadata=META[:1], embedding=EMB[:1], rate_limiter={"bad": 1}), "rate_limiter"),
])
def test_add_bad_input_changes_nothing(kwargs, match):
    vs = make_store("mem://bad_add")
    with pytest.raises(ValueError, match=match):
        vs.add(**kwargs)
    assert len(vs) == N and all(len(t) == N for t in vs.dataset.tensors.values())


# ---------------------------------------------------------------- search
@pytest.mark.parametrize("metric", ["COS", "L2", "L1", "MAX", "cos", "l2"])
@pytest.mark.parametrize("exec_option", EXECS)
def test_search_matches_numpy(metric, exec_option):
    vs = make_store()
    q = RNG.standard_normal(DIM).astype(np.float32)
    out = vs.search(embedding=q, k=5, distance_metric=metric, exec_option=exec_option)
    rows, scores = expected_top(q, metric.upper(), 5)
    assert out["text"] == [TEXT[r] for r in rows]
    assert out["metadata"] == [META[r] for r in rows]
    np.testing.assert_allclose(out["score"], scores, rtol=1e-5, atol=1e-5)
    assert set(out) == {"score", "text", "metadata", "id"}
    assert all(isinstance(s, float) for s in out["score"])


def test_python_and_engine_agree_with_filters_and_views():
    vs = make_store()
    q = EMB[5] + 0.01
    for metric in ["COS", "L2"]:
        a = vs.search(embedding=q, k=4, distance_metric=metric, filter={"metadata": {"group": 1}}, exec_option="python")
        b = vs.search(embedding=q, k=4, distance_metric=metric, filter={"metadata": {"group": 1}},
                      exec_option="compute_engine")
        assert a["text"] == b["text"] and all(m["group"] == 1 for m in a["metadata"])
        np.testing.assert_allclose(a["score"], b["score"], rtol=1e-5, atol=1e-6)
        rows, _ = expected_top(q, metric, 4, rows=[i for i in range(N) if i % 3 == 1])
        assert a["text"] == [TEXT[r] for r in rows]
    va = vs.search(embedding=q, k=3, exec_option="python", return_view=True)
    vb = vs.search(embedding=q, k=3, exec_option="compute_engine", return_view=True)
    assert list(va.sample_indices) == list(vb.sample_indices) and len(va) == 3
    assert isinstance(va, deeplake.Dataset)


def test_search_defaults_and_return_tensors():
    vs = make_store()
    out = vs.search(embedding=EMB[2])
    assert len(out["score"]) == 4 and out["text"][0] == "doc 2"  # default k=4, COS
    assert out["score"][0] == pytest.approx(1.0, abs=1e-6)
    out = vs.search(embedding=EMB[2], return_tensors="*", k=1)
    np.testing.assert_array_equal(out["embedding"][0], EMB[2])
    out = vs.search(embedding=EMB[2], return_tensors=["id"], k=2)
    assert set(out) == {"score", "id"}
    out = vs.search(embedding=EMB[2].reshape(1, -1).tolist(), k=1)
    assert out["text"] == ["doc 2"]
    assert len(vs.search(embedding=EMB[2], k=1000)["text"]) == N


def test_filter_only_callable_and_query():
    vs = make_store()
    for ex in EXECS:
        out = vs.search(filter={"metadata": {"group": 2, "name": "n5"}}, exec_option=ex)
        assert out["text"] == ["doc 5"] and "score" not in out
    out = vs.search(embedding=EMB[0], filter=lambda s: s.metadata.data()["value"]["group"] == 0, k=2)
    assert out["text"][0] == "doc 0" and all(m["group"] == 0 for m in out["metadata"])
    out = vs.search(query="select * where contains(text, 'doc 1') limit 3")
    assert out["text"] == ["doc 1", "doc 10", "doc 11"]
    assert "tql" in vs.search(embedding=EMB[0], k=1, exec_option="compute_engine", return_tql=True)


def test_filter_on_text_tensor_and_quotes():
    vs = deeplake.VectorStore("mem://quotes", verbose=False, overwrite=True)
    vs.add(text=["it's", "plain"], metadata=[{"k": "it's"}, {"k": "x"}], embedding=EMB[:2])
    for ex in EXECS:
        assert vs.search(embedding=EMB[0], filter={"text": "it's"}, exec_option=ex)["text"] == ["it's"]
        assert vs.search(embedding=EMB[0], filter={"metadata": {"k": "it's"}}, exec_option=ex)["text"] == ["it's"]


def test_search_empty_store_and_no_match():
    vs = deeplake.VectorStore("mem://empty", verbose=False, overwrite=True)
    for ex in EXECS:
        out = vs.search(embedding=EMB[0], exec_option=ex)
        assert out["score"] == [] and out["text"] == []
    vs = make_store()
    for ex in EXECS:
        out = vs.search(embedding=EMB[0], filter={"metadata": {"group": 99}}, exec_option=ex)
        assert out["score"] == [] and out["text"] == []


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(), ValueError, "must be specified"),
    (dict(embedding=EMB[0], k=0), ValueError, "positive"),
    (dict(embedding=EMB[0], k=-1), ValueError, "positive"),
    (dict(embedding=EMB[0], k=1.5), ValueError, "positive"),
    (dict(embedding=EMB[0, :3]), ValueError, "dimensions"),
    (dict(embedding=EMB[0, :3], exec_option="compute_engine"), ValueError, "dimensions"),
    (dict(embedding=EMB[:2]), ValueError, "1-dimensional"),
    (dict(embedding=EMB[0], query="select *"), ValueError, "Both"),
    (dict(embedding=EMB[0], exec_option="foo"), ValueError, "exec_option"),
    (dict(embedding=EMB[0], exec_option="tensor_db"), CloudServiceUnavailableError, "offline"),
    (dict(embedding=EMB[0], return_tensors=["nope"]), TensorDoesNotExistError, "nope"),
    (dict(embedding=EMB[0], distance_metric="dot"), ValueError, "distance_metric"),
    (dict(embedding=EMB[0], filter={"nope": {"a": 1}}), ValueError, "not present"),
    (dict(embedding_data="hi"), ValueError, "embedding_function"),
    (dict(embedding_function=lambda x: x), ValueError, "embedding_data"),
    (dict(query="select *", exec_option="python"), ValueError, "not support"),
    (dict(query="select *", filter={"metadata": {"group": 1}}, exec_option="compute_engine"), ValueError,
     "simultaneously"),
    (dict(embedding=EMB[0], filter=lambda s: True, exec_option="compute_engine"), ValueError, "UDF"),
    (dict(embedding=EMB[0], deep_memory=True), ValueError, "Deep Memory"),
    (dict(embedding=EMB[0], return_tql=True, exec_option="python"), NotImplementedError, "return_tql"),
    (dict(embedding_data=["a", "b"], embedding_function=lambda x: [1.0] * DIM), NotImplementedError, "Batched"),
    (dict(embedding_data=5, embedding_function=lambda x: [1.0] * DIM), ValueError, "string"),
])
def test_search_bad_input(kwargs, exc, match):
    vs = make_store("mem://bad_search")
    with pytest.raises(exc, match=match):
        vs.search(**kwargs)


def test_search_sees_writes():
    """The cached embedding column is dropped after every kind of write."""
    vs = make_store()
    assert vs.search(embedding=EMB[0], k=1, exec_option="python")["text"] == ["doc 0"]
    vs.add(text=["new"], metadata=[{}], embedding=(EMB[0] * 2)[None])
    assert vs.search(embedding=EMB[0] * 2, k=1, distance_metric="L2")["text"] == ["new"]
    vs.delete(filter={"text": "new"})
    assert vs.search(embedding=EMB[0] * 2, k=1, distance_metric="L2")["text"] == ["doc 0"]
    vs.dataset.embedding[1] = EMB[0] * 2  # written behind the store's back
    assert vs.search(embedding=EMB[0] * 2, k=1, distance_metric="L2")["text"] == ["doc 1"]


# ---------------------------------------------------------------- delete / update
def test_delete_variants():
    vs = make_store()
    ids = vs.dataset.id.data(aslist=True)["value"]
    assert vs.delete(ids=[ids[0], ids[1], "missing"]) is True
    assert len(vs) == N - 2 and vs.dataset.text[0].data()["value"] == "doc 2"
    vs.delete(row_ids=[0, 1])
    assert vs.dataset.text[0].data()["value"] == "doc 4"
    vs.delete(filter={"metadata": {"group": 0}})
    assert all(m["group"] != 0 for m in vs.dataset.metadata.data(aslist=True)["value"])
    before = len(vs)
    vs.delete(query="select * where contains(text, 'doc 1')")
    assert len(vs) < before and not any(t.startswith("doc 1") for t in vs.dataset.text.data(aslist=True)["value"])
    vs.delete(filter=lambda s: s.text.data()["value"] == "doc 5", exec_option="python")
    assert "doc 5" not in vs.dataset.text.data(aslist=True)["value"]
    with pytest.raises(ValueError, match="must be specified"):
        vs.delete()
    with pytest.raises(ValueError, match="exec_option"):
        vs.delete(ids=["x"], exec_option="foo")
    with pytest.raises(IndexError):
        vs.delete(row_ids=[10_000])
    vs.delete(delete_all=True)
    assert len(vs) == 0 and list(vs.tensors()) == ["text", "metadata", "embedding", "id"]
    vs.add(text=TEXT[:1], metadata=META[:1], embedding=EMB[:1])
    assert len(vs) == 1


def test_delete_with_engine_filter_matches_python():
    a, b = make_store("mem://da"), make_store("mem://db")
    a.delete(filter={"metadata": {"group": 1}}, exec_option="python")
    b.delete(filter={"metadata": {"group": 1}}, exec_option="compute_engine")
    assert a.dataset.text.data(aslist=True) == b.dataset.text.data(aslist=True)


def test_update_embedding():
    vs = make_store()
    ids = vs.dataset.id.data(aslist=True)["value"]
    fn = lambda xs: [[float(len(x))] * DIM for x in xs]  # noqa: E731
    vs.update_embedding(row_ids=[0, 2], embedding_function=fn)
    np.testing.assert_array_equal(vs.dataset.embedding[[0, 2]].numpy(), np.full((2, DIM), 5.0))
    np.testing.assert_array_equal(vs.dataset.embedding[1].numpy(), EMB[1])
    vs.update_embedding(ids=[ids[3]], embedding_function=lambda xs: [[9.0] * DIM] * len(xs))
    np.testing.assert_array_equal(vs.dataset.embedding[3].numpy(), np.full(DIM, 9.0))
    vs.update_embedding(filter={"metadata": {"group": 2}}, embedding_function=lambda xs: [[7.0] * DIM] * len(xs))
    assert (vs.dataset.embedding.numpy()[2::3] == 7).all()
    assert vs.search(embedding=np.full(DIM, 9.0), k=1, distance_metric="L2")["text"] == ["doc 3"]
    with pytest.raises(ValueError, match="embedding_function"):
        vs.update_embedding(row_ids=[0])
    with pytest.raises(ValueError, match="Only one"):
        vs.update_embedding(row_ids=[0], ids=["a"], embedding_function=fn)
    with pytest.raises(ValueError, match="Only one"):
        vs.update_embedding(filter={"metadata": {}}, query="select *", embedding_function=fn)
    with pytest.raises(ValueError, match="Multiple"):
        vs.update_embedding(row_ids=[0], embedding_function=fn, embedding_tensor=["embedding", "x"])


# ---------------------------------------------------------------- version control etc.
def test_commit_checkout_and_summary(capsys):
    vs = make_store()
    vs.commit()
    vs.checkout("alt", create=True)
    vs.add(text=["alt"], metadata=[{}], embedding=EMB[:1])
    assert len(vs) == N + 1
    vs.checkout("main")
    assert len(vs) == N
    assert vs.search(embedding=EMB[0], k=1)["text"] == ["doc 0"]
    vs.summary()
    assert "embedding" in capsys.readouterr().out
    store = deeplake.VectorStore("mem://branch", branch="dev", verbose=False, overwrite=True)
    assert store.dataset.branch == "dev"


def test_verbose_add_prints_summary(capsys):
    vs = deeplake.VectorStore("mem://verbose", overwrite=True)
    vs.add(text=TEXT[:1], metadata=META[:1], embedding=EMB[:1])
    assert "embedding" in capsys.readouterr().out


def test_deep_memory_is_unavailable():
    vs = make_store()
    with pytest.raises(CloudServiceUnavailableError):
        vs.deep_memory.train(queries=[], relevance=[])


def test_ties_are_ordered_by_row_in_both_exec_options():
    emb = np.array([[1, 0], [0, 1], [1, 0], [1, 0], [0, 1]], np.float32)
    vs = deeplake.VectorStore("mem://ties", verbose=False, overwrite=True)
    vs.add(text=list("abcde"), metadata=[{}] * 5, embedding=emb)
    for metric in ["COS", "L2", "L1", "MAX"]:
        for ex in EXECS:
            assert vs.search(embedding=[1, 0], k=2, distance_metric=metric, exec_option=ex)["text"] == ["a", "c"]
            assert vs.search(embedding=[0, 1], k=4, distance_metric=metric, exec_option=ex)["text"] == list("beac")


def test_large_store_l2_shortcut_is_exact():
    """L2 picks candidates with one matrix-vector product; near-duplicates must still rank exactly."""
    rng = np.random.default_rng(3)
    base = rng.standard_normal((5000, 32)).astype(np.float32) * 100
    base[10:20] = base[5] + rng.standard_normal((10, 32)).astype(np.float32) * 1e-3
    vs = deeplake.VectorStore("mem://l2big", verbose=False, overwrite=True)
    vs.add(text=[str(i) for i in range(len(base))], metadata=[{}] * len(base), embedding=base)
    q = base[5] + np.float32(1e-4)
    out = vs.search(embedding=q, k=8, distance_metric="L2", exec_option="python")
    d = np.linalg.norm(base.astype(np.float64) - q.astype(np.float64), axis=1)
    assert out["text"] == [str(i) for i in np.argsort(d, kind="stable")[:8]]
    engine = vs.search(embedding=q, k=8, distance_metric="L2", exec_option="compute_engine")
    assert engine["text"] == out["text"]


def test_import_deeplake_leaves_the_vector_store_unloaded():
    import subprocess
    import sys

    code = "import sys, deeplake; assert 'deeplake.vectorstore' not in sys.modules; deeplake.VectorStore"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_empty_selections_change_nothing():
    vs = make_store()
    vs.delete(row_ids=[])
    vs.delete(ids=[])
    vs.update_embedding(row_ids=[], embedding_function=lambda xs: [[0.0] * DIM] * len(xs))
    assert len(vs) == N
    np.testing.assert_array_equal(vs.dataset.embedding.numpy(), EMB)
