"""Dataset.query on real datasets: spec section 13 examples, views, virtual columns, errors."""

import uuid

import numpy as np
import pytest

import deeplake
import deeplake.random
from deeplake.errors import InvalidQueryError, UnsupportedParameterException
from deeplake.query import QueryNameError, QuerySyntaxError, QueryTypeError
from deeplake.query.dataset_source import DatasetColumnSource
from deeplake.query.virtual_view import QueryView

NAMES = ["cat", "dog", "car", "truck", "person", "motorcycle"]
N = 24


def _rows(rng):
    labels = rng.integers(0, 5, N).astype(np.uint32)
    categories = [rng.choice(6, size=int(rng.integers(0, 3)), replace=False).astype(np.uint32) for _ in range(N)]
    boxes = [rng.random((int(rng.integers(0, 4)), 4)).astype(np.float32) for _ in range(N)]
    emb = rng.standard_normal((N, 8)).astype(np.float32)
    score = rng.standard_normal(N).astype(np.float32)
    captions = [f"a photo of {NAMES[int(l)]} number {i}" for i, l in enumerate(labels)]
    attrs = [{"id": f"id{i}", "k": i % 4, "source": ["web", "cam"][i % 2]} for i in range(N)]
    tags = [["x", "y"][: i % 3] for i in range(N)]
    return dict(labels=labels, categories=categories, boxes=boxes, emb=emb, score=score,
                captions=captions, attrs=attrs, tags=tags)


def build(ds, seed=0):
    data = _rows(np.random.default_rng(seed))
    with ds:
        ds.create_tensor("labels", htype="class_label", class_names=NAMES)
        ds.create_tensor("categories", htype="class_label", class_names=NAMES)
        ds.create_tensor("boxes", htype="bbox", dtype="float32")
        ds.create_tensor("emb", htype="embedding", dtype="float32")
        ds.create_tensor("captions", htype="text")
        ds.create_tensor("attrs", htype="json")
        ds.create_tensor("tags", htype="tag")
        ds.create_group("grp")
        ds.create_tensor("grp/score", dtype="float32")
        ds.extend({
            "labels": data["labels"], "categories": data["categories"], "boxes": data["boxes"],
            "emb": data["emb"], "captions": data["captions"], "attrs": data["attrs"],
            "tags": data["tags"], "grp/score": data["score"],
        })
    return ds, data


@pytest.fixture
def made():
    return build(deeplake.empty(f"mem://query_{uuid.uuid4().hex}"))


def where(mask):
    return np.flatnonzero(mask).tolist()


def idx(view):
    return [int(i) for i in view.sample_indices]


# ---------------------------------------------------------------- spec examples
def test_spec_select_where_labels(made):
    ds, data = made
    result = ds.query("select * where labels == 0")
    assert isinstance(result, deeplake.core.dataset.Dataset)
    assert result.is_view
    assert len(result) == int((data["labels"] == 0).sum())
    assert idx(result) == where(data["labels"] == 0)
    assert result._tql_query == "select * where labels == 0"
    assert result._source_ds_idx == ds.index.to_json()
    assert result.labels.numpy().reshape(-1).tolist() == [0] * len(result)


def test_spec_union_of_contains(made):
    ds, data = made
    has = lambda name: np.array([NAMES.index(name) in c for c in data["categories"]])
    result = ds.query(
        "(select * where contains(categories, 'car')) union (select * where contains(categories, 'motorcycle'))"
    )
    assert idx(result) == where(has("car") | has("motorcycle"))
    limited = ds.query(
        "(select * where contains(categories, 'car') limit 2) union "
        "(select * where contains(categories, 'motorcycle') limit 2)"
    )
    expected = sorted(set(where(has("car"))[:2]) | set(where(has("motorcycle"))[:2]))
    assert idx(limited) == expected


def test_spec_not_equal_between_in(made):
    ds, data = made
    labels = data["labels"]
    assert idx(ds.query("select * where labels != 4")) == where(labels != 4)
    assert idx(ds.query("select * where labels BETWEEN 1 and 3")) == where((labels >= 1) & (labels <= 3))
    assert idx(ds.query("select * where labels in ARRAY[0, 2, 4]")) == where(np.isin(labels, [0, 2, 4]))
    assert idx(ds.query("labels == 0 OR labels == 1")) == where(labels <= 1)
    assert idx(ds.query("select * where NOT labels == 0 AND labels < 3")) == where((labels != 0) & (labels < 3))


def test_class_names_in_conditions(made):
    ds, data = made
    assert idx(ds.query("select * where labels == 'dog'")) == where(data["labels"] == 1)
    assert idx(ds.query("labels in ('cat', 'truck')")) == where(np.isin(data["labels"], [0, 3]))
    by_name = ds.query("select * where contains(categories, 'person')")
    assert idx(by_name) == [i for i, c in enumerate(data["categories"]) if 4 in c]


def test_unknown_class_name_is_a_type_error_with_caret(made):
    ds, _ = made
    with pytest.raises(QueryTypeError) as info:
        ds.query("select * where labels == 'zebra'")
    message = str(info.value)
    assert "zebra" in message and "^" in message
    assert info.value.line == 1


# ------------------------------------------------------------ text / json / tag
def test_text_conditions(made):
    ds, data = made
    caps = np.array(data["captions"])
    assert idx(ds.query("select * where captions == 'a photo of cat number 0'")) == where(
        caps == "a photo of cat number 0"
    )
    assert idx(ds.query("select * where contains(captions, 'truck')")) == where(
        np.char.find(caps, "truck") >= 0
    )


def test_json_conditions(made):
    ds, data = made
    assert idx(ds.query("select * where attrs['id'] == 'id7'")) == [7]
    assert idx(ds.query("select * where attrs['k'] == 2")) == [i for i in range(N) if i % 4 == 2]
    assert idx(ds.query("select * where attrs['source'] == 'cam' and attrs['k'] > 1")) == [
        i for i in range(N) if i % 2 == 1 and i % 4 > 1
    ]
    assert idx(ds.query("select * where attrs['missing'] == 1")) == []


def test_tag_conditions(made):
    ds, data = made
    assert idx(ds.query("select * where contains(tags, 'y')")) == [i for i in range(N) if i % 3 == 2]
    assert idx(ds.query("select * where shape(tags)[0] == 0")) == [i for i in range(N) if i % 3 == 0]


def test_ragged_bbox_and_shape(made):
    ds, data = made
    counts = np.array([len(b) for b in data["boxes"]])
    assert idx(ds.query("select * where shape(boxes)[0] > 1")) == where(counts > 1)
    assert idx(ds.query("select * where any(boxes[:, 2] > 0.9)")) == where(
        np.array([bool(len(b)) and bool((b[:, 2] > 0.9).any()) for b in data["boxes"]])
    )


# ----------------------------------------------------------- ORDER BY / LIMIT
def test_order_by_limit_offset(made):
    ds, data = made
    score = data["score"]
    view = ds.query("select * order by grp.score desc limit 5")
    assert idx(view) == np.argsort(-score, kind="stable")[:5].tolist()
    assert np.allclose(view["grp/score"].numpy().reshape(-1), np.sort(score)[::-1][:5])
    page = ds.query("select * where labels != 0 order by grp.score limit 3 offset 2")
    keep = np.flatnonzero(data["labels"] != 0)
    assert idx(page) == keep[np.argsort(score[keep], kind="stable")][2:5].tolist()


def test_order_by_cosine_similarity(made):
    ds, data = made
    q = data["emb"][3]
    arr = "ARRAY[" + ", ".join(repr(float(v)) for v in q) + "]"
    view = ds.query(f"select * order by COSINE_SIMILARITY(emb, {arr}) DESC LIMIT 4")
    cos = data["emb"] @ q / (np.linalg.norm(data["emb"], axis=1) * np.linalg.norm(q))
    assert idx(view) == np.argsort(-cos, kind="stable")[:4].tolist()
    assert idx(view)[0] == 3


def test_limit_makes_a_slice_view(made):
    ds, _ = made
    view = ds.query("select * limit 5")
    assert idx(view) == [0, 1, 2, 3, 4]
    assert len(view) == 5 and view.is_view


def test_empty_result(made):
    ds, _ = made
    view = ds.query("select * where labels == 5")  # a class no row has
    assert len(view) == 0 and view.is_view
    assert list(view) == []


# ------------------------------------------------------------------- views
def test_query_on_a_slice_view(made):
    ds, data = made
    view = ds[5:20]
    result = view.query("select * where labels == 2")
    assert idx(result) == [i for i in where(data["labels"] == 2) if 5 <= i < 20]


def test_query_on_a_list_view_keeps_view_order(made):
    ds, data = made
    picked = [20, 3, 11, 7, 0, 15]
    result = ds[picked].query("select * where labels != 4")
    assert idx(result) == [i for i in picked if data["labels"][i] != 4]
    ordered = ds[picked].query("select * order by grp.score")
    assert idx(ordered) == sorted(picked, key=lambda i: (data["score"][i], picked.index(i)))


def test_query_of_a_query_result(made):
    ds, data = made
    first = ds.query("select * where labels != 0")
    second = first.query("select * where grp.score > 0")
    assert idx(second) == where((data["labels"] != 0) & (data["score"] > 0))
    third = second.filter("labels == 'car'")
    assert idx(third) == where((data["labels"] == 2) & (data["score"] > 0))


def test_query_on_a_single_row_view(made):
    ds, data = made
    label = int(data["labels"][4])
    assert idx(ds[4].query(f"select * where labels == {label}")) == [4]
    assert idx(ds[4].query(f"select * where labels != {label}")) == []


def test_query_on_a_group(made):
    ds, data = made
    inside = ds.grp.query("select * where score > 0")
    assert idx(inside) == where(data["score"] > 0)
    assert list(inside.tensors) == ["score"]
    assert idx(ds.query('select * where "grp/score" > 0')) == where(data["score"] > 0)


def test_select_list_keeps_only_those_tensors(made):
    ds, data = made
    view = ds.query("select labels, captions where labels == 1")
    assert sorted(view.tensors) == ["captions", "labels"]
    assert idx(view) == where(data["labels"] == 1)


def test_virtual_columns_are_readable(made):
    ds, data = made
    view = ds.query("select *, grp.score * 2 as doubled where labels != 0")
    keep = where(data["labels"] != 0)
    assert isinstance(view, QueryView) and view.is_view
    assert "doubled" in view.tensors and "labels" in view.tensors
    assert np.allclose(view.doubled.numpy().reshape(-1), data["score"][keep] * 2)
    assert np.allclose(view["doubled"][1:3].numpy().reshape(-1), data["score"][keep][1:3] * 2)
    # indexing the view keeps stored and computed columns aligned
    sub = view[[2, 0]]
    assert idx(sub) == [keep[2], keep[0]]
    assert np.allclose(sub.doubled.numpy().reshape(-1), data["score"][[keep[2], keep[0]]] * 2)
    row = view[1]
    assert np.allclose(row.doubled.numpy(), data["score"][keep[1]] * 2)
    assert row.labels.numpy().tolist() == [int(data["labels"][keep[1]])]


def test_virtual_only_select(made):
    ds, data = made
    view = ds.query("select attrs['id'] as ident where labels == 3")
    assert list(view.tensors) == ["ident"]
    assert view.ident.list() == [f"id{i}" for i in where(data["labels"] == 3)]
    assert len(view) == int((data["labels"] == 3).sum())


def test_random_order_is_seedable(made):
    ds, _ = made
    deeplake.random.seed(7)
    a = idx(ds.query("select * order by random()"))
    deeplake.random.seed(7)
    b = idx(ds.query("select * order by random()"))
    deeplake.random.seed(None)
    assert a == b and sorted(a) == list(range(N))


# ---------------------------------------------------------------- caching
def test_writes_are_seen_by_the_next_query(made):
    ds, data = made
    before = idx(ds.query("select * where labels == 'person'"))
    ds.labels[0] = 4
    after = idx(ds.query("select * where labels == 'person'"))
    assert after == sorted(set(before) | {0})
    ds.append({"labels": 4, "categories": [], "boxes": np.zeros((0, 4), np.float32), "emb": np.zeros(8, np.float32),
               "captions": "new", "attrs": {"id": "new"}, "tags": [], "grp/score": 0.0})
    assert idx(ds.query("select * where labels == 'person'"))[-1] == N
    assert idx(ds.query("select * where attrs['id'] == 'new'")) == [N]
    assert idx(ds.query("select * where captions == 'new'")) == [N]


def test_local_dataset_reopened(tmp_path):
    path = str(tmp_path / "ds")
    _, data = build(deeplake.empty(path))
    ds = deeplake.load(path, read_only=True)
    assert idx(ds.query("select * where labels == 'car' and attrs['k'] == 1")) == [
        i for i in range(N) if data["labels"][i] == 2 and i % 4 == 1
    ]
    assert idx(ds.query("select * where contains(captions, 'dog')")) == where(data["labels"] == 1)


def test_source_reads_columns_in_executor_form(made):
    ds, data = made
    src = DatasetColumnSource(ds[[1, 5, 2]])
    assert len(src) == 3
    assert "grp/score" in src.column_names()
    labels = src.read_column("labels")
    assert isinstance(labels, np.ndarray) and labels.shape == (3, 1)
    assert labels[:, 0].tolist() == data["labels"][[1, 5, 2]].tolist()
    assert src.read_column("captions").tolist() == [data["captions"][i] for i in (1, 5, 2)]
    assert src.read_column("attrs") == [data["attrs"][i] for i in (1, 5, 2)]
    boxes = src.read_column("boxes")
    assert [b.shape for b in boxes] == [data["boxes"][i].shape for i in (1, 5, 2)]
    info = src.column_info("labels")
    assert info.class_names == tuple(NAMES) and info.htype == "class_label" and info.sample_shape == (1,)
    assert src.column_info("emb").sample_shape == (8,) and src.column_info("boxes").is_fixed_shape is False
    assert src.read_shapes("boxes")[:, 0].tolist() == [len(data["boxes"][i]) for i in (1, 5, 2)]
    assert src.read_column("labels") is labels  # cached per source


# ------------------------------------------------------------------ errors
def test_unknown_tensor_error_has_caret(made):
    ds, _ = made
    with pytest.raises(QueryNameError) as info:
        ds.query("select * where lables == 1")
    assert "lables" in str(info.value) and "^" in str(info.value)


def test_syntax_error_has_caret(made):
    ds, _ = made
    with pytest.raises(QuerySyntaxError) as info:
        ds.query("select * where labels == ")
    text = str(info.value)
    assert "^" in text and "line 1" in text
    assert isinstance(info.value, InvalidQueryError) and isinstance(info.value, ValueError)


def test_runtime_tensor_db_and_return_data_are_refused(made):
    ds, _ = made
    with pytest.raises(UnsupportedParameterException, match="Managed Tensor Database"):
        ds.query("select * where labels == 0", runtime={"tensor_db": True})
    with pytest.raises(ValueError, match="return_data"):
        ds.query("select * where labels == 0", return_data=True)
    assert len(ds.query("select * where labels == 0", runtime={"tensor_db": False})) >= 0


def test_query_string_must_be_text(made):
    ds, _ = made
    with pytest.raises(TypeError):
        ds.query(42)


def test_long_query_text_is_kept_whole_on_the_view(made):
    ds, _ = made
    long_query = "select * where " + " or ".join(["labels == 1"] * 200)
    view = ds.query(long_query)
    assert view._tql_query == long_query  # save_view records it; loading re-runs it


def test_query_of_a_view_records_the_queried_index(made):
    ds, data = made
    base = ds[5:40]
    view = base.query("select * where labels == 1")
    assert view._source_ds_idx == [{"start": 5, "stop": 40, "step": None}]
    assert idx(view) == [5 + i for i in where(data["labels"][5:40] == 1)]


def test_updated_text_and_json_are_seen(made):
    ds, _ = made
    assert idx(ds.query("select * where captions == 'changed'")) == []
    ds.captions[1] = "changed"
    ds.attrs[2] = {"id": "changed"}
    assert idx(ds.query("select * where captions == 'changed'")) == [1]
    assert idx(ds.query("select * where attrs['id'] == 'changed'")) == [2]


def test_small_and_shuffled_views_read_the_right_rows(made):
    ds, data = made
    small = [17, 2]  # below the whole-tensor threshold: only these rows are read
    assert idx(ds[small].query("select * where attrs['k'] >= 0")) == small
    shuffled = list(range(N))[::-1]  # every row, reversed: read whole then gathered
    view = ds[shuffled].query("select * where labels == 1")
    assert idx(view) == [i for i in shuffled if data["labels"][i] == 1]
    caps = DatasetColumnSource(ds[shuffled]).read_column("captions")
    assert caps.tolist() == [data["captions"][i] for i in shuffled]


def test_image_and_sequence_columns(tmp_path):
    ds = deeplake.empty(str(tmp_path / "media"))
    ds.create_tensor("images", htype="image", sample_compression="png")
    ds.create_tensor("seq", htype="sequence[generic]", dtype="int64")
    ds.images.extend([np.full((2 + i, 3, 3), i, np.uint8) for i in range(6)])
    ds.seq.extend([np.arange(i + 1) for i in range(6)])
    assert idx(ds.query("select * where shape(images)[0] > 4")) == [3, 4, 5]
    assert idx(ds.query("select * where images[0, 0, 0] == 2")) == [2]
    assert idx(ds.query("select * where shape(seq)[0] >= 5")) == [4, 5]


def test_max_view_pads_short_tensors(made):
    ds = deeplake.empty(f"mem://pad_{uuid.uuid4().hex}")
    ds.create_tensor("a")
    ds.create_tensor("b")
    ds.a.extend([1, 2, 3, 4])
    ds.b.extend([5, 6])
    assert idx(ds.query("select * where a > 0")) == [0, 1]
    assert len(ds.max_view.query("select * where a > 2")) == 2


# ------------------------------------------------- cached columns and fast paths
def test_json_key_compare_matches_python_semantics():
    ds = deeplake.empty(f"mem://jsonfast_{uuid.uuid4().hex}")
    rows = [{"s": "cam", "n": 1}, {"s": "web", "n": 2.5}, {"n": True}, {"s": "cam"}, {"s": 3, "n": None},
            {"s": "scan", "n": 7}]
    with ds:
        ds.create_tensor("attrs", htype="json")
        ds.attrs.extend(rows)
    ask = lambda q: idx(ds.query(q))  # noqa: E731
    for _ in range(2):  # the second run reads the memoised key columns
        assert ask("select * where attrs['s'] == 'cam'") == [0, 3]
        assert ask("select * where attrs['s'] != 'cam'") == [1, 2, 4, 5]  # a missing key is not 'cam'
        assert ask("select * where attrs['s'] < 'd'") == [0, 3]
        assert ask("select * where attrs['n'] == 1") == [0, 2]  # True == 1, as in Python
        assert ask("select * where attrs['n'] > 2") == [1, 5]
        assert ask("select * where attrs['s'] IN ('web', 'scan')") == [1, 5]


def test_json_key_compare_vectorised_on_uniform_values(made):
    ds, data = made
    for _ in range(2):
        assert idx(ds.query("select * where attrs['source'] == 'cam'")) == [
            i for i, a in enumerate(data["attrs"]) if a["source"] == "cam"]
        assert idx(ds.query("select * where attrs['k'] >= 2")) == [
            i for i, a in enumerate(data["attrs"]) if a["k"] >= 2]
        assert idx(ds.query("select * where attrs['k'] IN ARRAY[1, 3]")) == [
            i for i, a in enumerate(data["attrs"]) if a["k"] in (1, 3)]


def test_literal_compares_are_exact_for_the_column_dtype():
    ds = deeplake.empty(f"mem://exact_{uuid.uuid4().hex}")
    with ds:
        ds.create_tensor("u", dtype="uint8")
        ds.create_tensor("f", dtype="float32")
        ds.u.extend(np.array([0, 1, 255], dtype=np.uint8))
        ds.f.extend(np.array([0.1, 0.5, 3.0], dtype=np.float32))
    assert idx(ds.query("select * where u == -1")) == []
    assert idx(ds.query("select * where u < 300")) == [0, 1, 2]
    assert idx(ds.query("select * where u > 0.5")) == [1, 2]
    assert idx(ds.query("select * where f == 0.5")) == [1]
    assert idx(ds.query("select * where f == 0.1")) == []  # float32(0.1) is not the literal 0.1
    assert idx(ds.query("select * where f < 0.1")) == []


def test_large_results_are_array_backed_views(made):
    ds, data = made
    view = ds.query("select * where labels != 1")
    entry = view.index.values[0]
    assert entry.positions_array is not None
    assert idx(view) == where(data["labels"] != 1)
    assert idx(view[2:5]) == where(data["labels"] != 1)[2:5]
    first = where(data["labels"] != 1)[0]
    assert view[0].labels.numpy().tolist() == [int(data["labels"][first])]
    again = view.query("select * where labels == 0")
    assert idx(again) == where(data["labels"] == 0)


def test_cosine_top_k_repeated_and_after_a_write(tmp_path):
    rng = np.random.default_rng(3)
    emb = rng.standard_normal((3000, 16)).astype(np.float32)
    ds = deeplake.empty(str(tmp_path / "emb"))
    with ds:
        ds.create_tensor("embedding", htype="embedding", dtype="float32")
        ds.embedding.extend(emb)
    q = rng.standard_normal(16).astype(np.float32)
    tql = ("select * order by COSINE_SIMILARITY(embedding, ARRAY["
           + ", ".join(repr(float(v)) for v in q) + "]) DESC LIMIT 5")

    def expected(x):
        scores = (x @ q) / (np.linalg.norm(x, axis=1) * np.linalg.norm(q))
        return np.argsort(-scores, kind="stable")[:5].tolist()

    assert idx(ds.query(tql)) == idx(ds.query(tql)) == expected(emb)  # second run uses kept row norms
    ds.embedding[int(expected(emb)[0])] = -emb[expected(emb)[0]]  # the best row becomes the worst
    emb[expected(emb)[0]] *= -1
    assert idx(ds.query(tql)) == expected(emb)


def test_ranking_an_empty_tensor_returns_no_rows():
    import deeplake as _dl

    ds = _dl.empty("mem://rank_empty")
    ds.create_tensor("embedding", htype="embedding", dtype="float32")
    for q in ("select * order by COSINE_SIMILARITY(embedding, ARRAY[1,2,3]) DESC LIMIT 3",
              "select * order by L2_NORM(embedding - ARRAY[1,2,3]) LIMIT 3"):
        assert len(ds.query(q)) == 0


@pytest.mark.parametrize("query_row,offset", [(5, 0.0), (300, 0.0), (7, 1e-3), (42, 0.5)])
@pytest.mark.parametrize("k", [1, 3, 11, 40])
def test_l2_nearest_with_limit_equals_a_full_sort(query_row, offset, k):
    """ORDER BY L2_NORM(...) LIMIT k ranks by an estimate and measures the
    candidates exactly: it must pick and order rows as the exact full sort."""
    import deeplake as _dl

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 24)).astype(np.float32) * 10
    x[100] = x[5]  # an exact duplicate
    x[200:210] = x[300]  # eleven identical rows: ties resolve by row order
    ds = _dl.empty("mem://l2_nearest", overwrite=True)
    ds.create_tensor("embedding", htype="embedding", dtype="float32")
    ds.embedding.extend(x)
    q = x[query_row] + np.float32(offset)
    arr = ",".join(repr(float(v)) for v in q)
    view = ds.query(f"select * order by L2_NORM(embedding - ARRAY[{arr}]) LIMIT {k}")
    full = ds.query(f"select * order by L2_NORM(embedding - ARRAY[{arr}])")
    got = [int(i) for i in view.index.values[0].numpy_indices(len(ds))]
    want = [int(i) for i in full.index.values[0].numpy_indices(len(ds))][:k]
    assert got == want
