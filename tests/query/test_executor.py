"""Query results against plain numpy / Python evaluation of the same data."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeplake.query import ColumnInfo, DictColumnSource, compile_query, run_query
from deeplake.query.errors import QueryExecutionError, QueryTypeError


def rows(source, query, **kw):
    return run_query(source, query, **kw).indices.tolist()


def where(mask):
    return np.flatnonzero(mask).tolist()


def test_spec_filter_labels(data):
    src, cols = data
    labels = cols["labels"][:, 0]
    assert rows(src, "select * where labels == 0") == where(labels == 0)
    assert rows(src, "labels == 0") == where(labels == 0)  # the Dataset.filter form
    assert rows(src, "select * where labels != 5") == where(labels != 5)
    assert rows(src, "labels == 0 OR labels == 1") == where((labels == 0) | (labels == 1))
    assert rows(src, "labels BETWEEN 1 and 3") == where((labels >= 1) & (labels <= 3))
    assert rows(src, "labels in ARRAY[0, 2, 4]") == where(np.isin(labels, [0, 2, 4]))
    assert rows(src, "labels not in (0, 2)") == where(~np.isin(labels, [0, 2]))


def test_class_names_compare_as_label_ids(data):
    src, cols = data
    labels = cols["labels"][:, 0]
    assert rows(src, "labels == 'car'") == where(labels == 2)
    assert rows(src, "'dog' = labels") == where(labels == 1)
    assert rows(src, "labels in ('car', 'truck')") == where(np.isin(labels, [2, 3]))
    expected = [i for i, c in enumerate(cols["categories"]) if 2 in c]
    assert rows(src, "select * where contains(categories, 'car')") == expected


def test_spec_union_of_contains(data):
    src, cols = data
    car = {i for i, c in enumerate(cols["categories"]) if 2 in c}
    truck = {i for i, c in enumerate(cols["categories"]) if 3 in c}
    q = "(select * where contains(categories, 'car')) union (select * where contains(categories, 'truck'))"
    assert rows(src, q) == sorted(car | truck)
    q = q.replace("union", "intersect")
    assert rows(src, q) == sorted(car & truck)
    q = q.replace("intersect", "except")
    assert rows(src, q) == sorted(car - truck)
    q = ("(select * where contains(categories, 'car') limit 3) union "
         "(select * where contains(categories, 'truck') limit 3)")
    assert rows(src, q) == sorted(set(sorted(car)[:3]) | set(sorted(truck)[:3]))


def test_arithmetic_and_unary(data):
    src, cols = data
    s = cols["score"][:, 0]
    g = cols["grp/val"][:, 0]
    assert rows(src, "score * 2 + 1 > 0.5") == where(s * 2 + 1 > 0.5)
    assert rows(src, "-score >= 0.1") == where(-s >= 0.1)
    assert rows(src, '"grp/val" % 3 == 1') == where(g % 3 == 1)
    assert rows(src, "grp.val / 2 < -1") == where(g / 2 < -1)
    assert rows(src, "not (score > 0)") == where(~(s > 0))


def test_indexing_and_slicing(data):
    src, cols = data
    emb = cols["emb"]
    assert rows(src, "emb[0] > 0") == where(emb[:, 0] > 0)
    assert rows(src, "all(emb[2:5] > -1)") == where((emb[:, 2:5] > -1).all(1))
    assert rows(src, "any(emb[::4] > 2)") == where((emb[:, ::4] > 2).any(1))
    boxes = cols["boxes"]
    assert rows(src, "any(boxes[:, 0] > 0.5)") == [i for i, b in enumerate(boxes) if (b[:, 0] > 0.5).any()]
    assert rows(src, "all(boxes[:, 2] > 0.2)") == [i for i, b in enumerate(boxes) if (b[:, 2] > 0.2).all()]
    assert rows(src, "all_strict(boxes[:, 2] > 0.2)") == [
        i for i, b in enumerate(boxes) if len(b) and (b[:, 2] > 0.2).all()]
    assert rows(src, "categories[0] == 1") == [i for i, c in enumerate(cols["categories"]) if len(c) and c[0] == 1]


def test_json_indexing(data):
    src, cols = data
    meta = cols["meta"]
    assert rows(src, "meta['id'] == 'id7'") == [7]
    assert rows(src, "meta['k'] >= 2") == [i for i, m in enumerate(meta) if m["k"] >= 2]
    assert rows(src, "meta['tags'][1] == 'b'") == [i for i, m in enumerate(meta) if len(m["tags"]) > 1]
    assert rows(src, "meta['missing'] == 1") == []
    assert rows(src, "contains(meta['tags'], 'a')") == [i for i, m in enumerate(meta) if "a" in m["tags"]]


def test_text_comparisons(data):
    src, cols = data
    text = cols["text"]
    assert rows(src, "text == 'item 3'") == [i for i, t in enumerate(text) if t == "item 3"]
    assert rows(src, "text > 'item 5'") == [i for i, t in enumerate(text) if t > "item 5"]
    assert rows(src, "contains(text, '1')") == [i for i, t in enumerate(text) if "1" in t]


def test_shape_function(data):
    src, cols = data
    images = cols["images"]
    assert rows(src, "shape(images)[0] == 3") == [i for i, im in enumerate(images) if im.shape[0] == 3]
    assert rows(src, "shape(boxes)[0] > 1") == [i for i, b in enumerate(cols["boxes"]) if len(b) > 1]
    assert rows(src, "shape(emb)[0] == 16") == list(range(len(images)))


def test_shape_uses_read_shapes_when_the_source_has_it():
    class ShapeSource(DictColumnSource):
        def read_shapes(self, name):
            return np.array([[5, 5]] * len(self))

    src = ShapeSource({"im": [np.zeros((1, 1))] * 4}, {"im": ColumnInfo("image", np.dtype("uint8"), False)})
    assert rows(src, "shape(im)[1] == 5") == [0, 1, 2, 3]
    assert src.reads == {}


def test_logical_and_or_functions(data):
    src, cols = data
    boxes = cols["boxes"]
    q = "any(logical_and(boxes[:, 0] > 0.5, boxes[:, 1] < 0.5))"
    assert rows(src, q) == [i for i, b in enumerate(boxes) if ((b[:, 0] > 0.5) & (b[:, 1] < 0.5)).any()]
    q = "any(logical_or(emb[0:2] > 1, emb[2:4] > 1))"
    emb = cols["emb"]
    assert rows(src, q) == where(((emb[:, 0:2] > 1) | (emb[:, 2:4] > 1)).any(1))
    # Different sizes give False.
    assert rows(src, "any(logical_and(emb[0:2] > -9, emb[0:3] > -9))") == []


def test_row_number_and_data(data):
    src, cols = data
    assert rows(src, "select * where row_number() == 10") == [10]
    assert rows(src, "row_number() < 3 or row_number() >= 198") == [0, 1, 2, 198, 199]
    emb = cols["emb"]
    got = rows(src, "select * order by l2_norm(emb - data(emb, 10)) limit 3")
    assert got[0] == 10
    assert got == np.argsort(np.linalg.norm(emb - emb[10], axis=1), kind="stable")[:3].tolist()


def test_order_by_limit_offset(data):
    src, cols = data
    s = cols["score"][:, 0]
    assert rows(src, "select * order by score") == np.argsort(s, kind="stable").tolist()
    assert rows(src, "select * order by score desc limit 5") == np.argsort(-s, kind="stable")[:5].tolist()
    assert rows(src, "select * order by score limit 5 offset 3") == np.argsort(s, kind="stable")[3:8].tolist()
    assert rows(src, "select * limit 4 offset 2") == [2, 3, 4, 5]
    assert rows(src, "select * offset 198") == [198, 199]
    labels = cols["labels"][:, 0]
    expected = np.lexsort((-s, labels)).tolist()
    assert rows(src, "select * order by labels, score desc") == expected
    text = np.array(cols["text"])
    assert rows(src, "select * order by text desc limit 7") == np.lexsort((np.arange(200), -np.unique(text, return_inverse=True)[1]))[:7].tolist()
    meta_k = np.array([m["k"] for m in cols["meta"]])
    assert rows(src, "select * order by meta['k'] desc") == np.argsort(-meta_k, kind="stable").tolist()


def test_virtual_columns_and_projection(data):
    src, cols = data
    result = run_query(src, "select text, score * 2 as double, shape(images)[0] where labels == 1")
    expected_rows = where(cols["labels"][:, 0] == 1)
    assert result.indices.tolist() == expected_rows
    assert result.tensors == ["text"]
    np.testing.assert_allclose(result.virtual_columns["double"], cols["score"][expected_rows] * 2)
    assert result.virtual_columns["shape(images)[0]"].tolist() == [
        cols["images"][i].shape[0] for i in expected_rows]
    result = run_query(src, "select *, any(boxes[:,0] < 0.1) as flag where labels == 1")
    assert result.tensors is None
    assert result.virtual_columns["flag"].tolist() == [bool((cols["boxes"][i][:, 0] < 0.1).any()) for i in expected_rows]


def test_alias_usable_in_order_by(data):
    src, cols = data
    result = run_query(src, "select *, score * -1 as neg order by neg limit 3")
    assert result.indices.tolist() == np.argsort(-cols["score"][:, 0], kind="stable")[:3].tolist()


def test_vector_search_query_shapes(data):
    """The query forms VectorStore and deep memory build."""
    src, cols = data
    emb = cols["emb"]
    q = np.linspace(-1, 1, 16)
    arr = "ARRAY[" + ", ".join(str(v) for v in q) + "]"
    cos = emb @ q / (np.linalg.norm(emb, axis=1) * np.linalg.norm(q))
    tql = (f"select text, score from (select *, COSINE_SIMILARITY(emb, {arr}) as score "
           f"where labels == 1 order by COSINE_SIMILARITY(emb, {arr}) DESC limit 4)")
    result = run_query(src, tql)
    candidates = where(cols["labels"][:, 0] == 1)
    expected = [candidates[i] for i in np.argsort(-cos[candidates], kind="stable")[:4]]
    assert result.indices.tolist() == expected
    assert result.tensors == ["text"]
    np.testing.assert_allclose(result.virtual_columns["score"], cos[expected], rtol=1e-5)

    tql = (f"SELECT * FROM (SELECT text, ROW_NUMBER() as indices, COSINE_SIMILARITY(emb, {arr}) as score "
           f"order by COSINE_SIMILARITY(emb, {arr}) desc limit 10)")
    result = run_query(src, tql)
    assert result.virtual_columns["indices"].tolist() == result.indices.tolist()
    assert result.tensors == ["text"]

    for name, fn in [("L1_NORM", lambda d: np.abs(d).sum(1)), ("L2_NORM", lambda d: np.linalg.norm(d, axis=1)),
                     ("LINF_NORM", lambda d: np.abs(d).max(1))]:
        tql = f"select * from (select *, {name}(emb-{arr}) as score order by {name}(emb-{arr}) ASC limit 5)"
        result = run_query(src, tql)
        dist = fn(emb - q)
        assert result.indices.tolist() == np.argsort(dist, kind="stable")[:5].tolist()
        np.testing.assert_allclose(result.virtual_columns["score"], np.sort(dist)[:5], rtol=1e-5)


def test_norms_without_fusion(data):
    src, cols = data
    result = run_query(src, "select *, l2_norm(emb) as n, l1_norm(boxes) as b limit 5")
    np.testing.assert_allclose(result.virtual_columns["n"], np.linalg.norm(cols["emb"][:5], axis=1), rtol=1e-5)
    np.testing.assert_allclose(result.virtual_columns["b"], [np.abs(b).sum() for b in cols["boxes"][:5]], rtol=1e-5)


def test_top_k_equals_full_sort_with_ties():
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 20, size=(5000, 1)).astype(np.float64)
    src = DictColumnSource({"k": keys})
    for k in (1, 7, 100, 4999, 5000, 6000):
        assert rows(src, f"select * order by k limit {k}") == np.argsort(keys[:, 0], kind="stable")[:k].tolist()
        assert rows(src, f"select * order by k desc limit {k}") == np.argsort(-keys[:, 0], kind="stable")[:k].tolist()
    keys[10] = np.nan
    assert rows(src, "select * order by k limit 5000")[-1] == 10


def test_cosine_top_k_equals_full_sort():
    rng = np.random.default_rng(5)
    emb = rng.standard_normal((3000, 32)).astype(np.float32)
    src = DictColumnSource({"embedding": emb})
    q = rng.standard_normal(32).astype(np.float32)
    arr = "ARRAY[" + ", ".join(repr(float(v)) for v in q) + "]"
    cos = (emb @ q) / (np.linalg.norm(emb, axis=1) * np.linalg.norm(q))
    got = rows(src, f"select * order by COSINE_SIMILARITY(embedding, {arr}) desc limit 10")
    assert got == np.argsort(-cos, kind="stable")[:10].tolist()
    full = rows(src, f"select * order by COSINE_SIMILARITY(embedding, {arr}) desc")
    assert full[:10] == got


def test_group_by(data):
    src, cols = data
    result = run_query(src, "select * group by labels")
    labels = cols["labels"][:, 0]
    order = []
    for v in labels:
        if v not in order:
            order.append(v)
    assert [g.tolist() for g in result.groups] == [where(labels == v) for v in order]
    assert result.indices.tolist() == [i for g in result.groups for i in g]
    result = run_query(src, "select * where score > 0 group by labels, meta['k'] limit 3")
    assert len(result) == 3
    for g in result.groups:
        assert len({(labels[i], cols["meta"][i]["k"]) for i in g}) == 1


def test_ungroup_by():
    seqs = [np.zeros((3, 2)), np.zeros((1, 2)), np.zeros((2, 2))]
    src = DictColumnSource({"frames": seqs}, {"frames": ColumnInfo("sequence[generic]", np.dtype("float64"), False)})
    result = run_query(src, "select * ungroup by frames")
    assert result.indices.tolist() == [0, 0, 0, 1, 2, 2]
    assert result.item_indices.tolist() == [0, 1, 2, 0, 0, 1]


def test_expand_by(data):
    src, cols = data
    assert rows(src, "select * where row_number() == 5 or row_number() == 9 expand by 1, 2") == [4, 5, 6, 7, 8, 9, 10, 11]
    assert rows(src, "select * where row_number() == 0 expand by 3") == [0, 1, 2, 3]
    assert rows(src, "select * where row_number() == 9 expand by 3, 0") == [6, 7, 8, 9]
    assert rows(src, "select * where row_number() == 199 expand by 0, 5") == [199]


def test_sample_by_clause(data):
    src, cols = data
    labels = cols["labels"][:, 0]
    q = "select * sample by max_weight(labels == 1: 10, labels == 2: 5) replace true limit 400"
    got = np.array(rows(src, q, rng=np.random.default_rng(0)))
    assert len(got) == 400 and set(labels[got]) <= {1, 2}
    ratio = (labels[got] == 1).sum() / (labels[got] == 2).sum()
    expected = 10 * (labels == 1).sum() / (5 * (labels == 2).sum())
    assert 0.5 * expected < ratio < 2 * expected
    got = rows(src, "select * where labels == 1 sample by score * 0 + 1 replace false", rng=np.random.default_rng(0))
    assert sorted(got) == where(labels == 1)
    a = rows(src, q, rng=np.random.default_rng(9))
    b = rows(src, q, rng=np.random.default_rng(9))
    assert a == b


def test_random_order_is_a_permutation_and_seeded(data):
    src, _ = data
    from deeplake.query import random_state

    a = rows(src, "select * order by random()")
    assert sorted(a) == list(range(200))
    random_state.seed(11)
    try:
        assert rows(src, "select * order by random()") == rows(src, "select * order by random()")
    finally:
        random_state.seed(None)


def test_only_touched_columns_are_read(data):
    src, _ = data
    run_query(src, "select * where labels == 1 order by score limit 3")
    assert set(src.reads) == {"labels", "score"}
    assert all(count == 1 for count in src.reads.values())


def test_compiled_query_runs_many_times(data, source_factory):
    src, cols = data
    compiled = compile_query("select * where labels == 'car'", src)
    assert compiled.columns(src) == {"labels"}
    first = compiled.run(src).indices.tolist()
    other, other_cols = source_factory(seed=4)
    assert compiled.run(src).indices.tolist() == first
    assert compiled.run(other).indices.tolist() == where(other_cols["labels"][:, 0] == 2)


def test_empty_source_and_empty_results():
    src = DictColumnSource({"a": np.zeros((0, 1))})
    assert rows(src, "select * where a == 1 order by a limit 3") == []
    src = DictColumnSource({"a": np.arange(5).reshape(-1, 1)})
    assert rows(src, "a > 100") == []
    assert rows(src, "select * where true") == [0, 1, 2, 3, 4]
    assert rows(src, "select * where 1 == 0") == []
    assert rows(src, "select * limit 0") == []


def test_runtime_errors_are_query_errors():
    src = DictColumnSource({"r": [np.zeros(2), np.zeros(3)], "m": [{"a": "x"}, {"a": 1}]},
                           {"m": ColumnInfo("json")})
    with pytest.raises(QueryTypeError, match="reduce it with ANY"):
        run_query(src, "select * where r > 0")
    with pytest.raises(QueryExecutionError):
        run_query(src, "select * order by l2_norm(r - ARRAY[1, 2])")
    with pytest.raises(QueryExecutionError, match="out of range"):
        run_query(src, "select * order by l2_norm(r - data(r, 5))")
    assert rows(src, "select * order by m['a']") == [1, 0]  # numbers before strings


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(-50, 50), min_size=1, max_size=60),
    op=st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
    threshold=st.integers(-60, 60),
    second=st.integers(-60, 60),
    joiner=st.sampled_from(["and", "or"]),
)
def test_predicates_match_numpy(values, op, threshold, second, joiner):
    x = np.array(values, dtype=np.int64).reshape(-1, 1)
    y = np.arange(len(values)).reshape(-1, 1) % 7
    src = DictColumnSource({"x": x, "y": y})
    ops = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
           ">": np.greater, ">=": np.greater_equal}
    first = ops[op](x[:, 0], threshold)
    other = y[:, 0] * 3 - x[:, 0] > second
    expected = first & other if joiner == "and" else first | other
    got = rows(src, f"x {op} {threshold} {joiner} y * 3 - x > {second}")
    assert got == where(expected)


@settings(max_examples=40, deadline=None)
@given(
    keys=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=80),
    limit=st.integers(0, 100),
    offset=st.integers(0, 10),
    desc=st.booleans(),
)
def test_order_limit_matches_sorted(keys, limit, offset, desc):
    k = np.array(keys)
    src = DictColumnSource({"k": k.reshape(-1, 1)})
    order = np.argsort(-k if desc else k, kind="stable")
    q = f"select * order by k {'desc' if desc else 'asc'} limit {limit} offset {offset}"
    assert rows(src, q) == order[offset : offset + limit].tolist()
