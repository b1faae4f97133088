"""Name and type errors name the tensor and the types, with a position."""

import numpy as np
import pytest

from deeplake.errors import InvalidQueryError
from deeplake.query import ColumnInfo, DictColumnSource, run_query
from deeplake.query.errors import QueryNameError, QueryTypeError


@pytest.fixture
def src():
    n = 3
    return DictColumnSource(
        {
            "labels": np.zeros((n, 1), dtype=np.int64),
            "images": [np.zeros((2, 2, 3), np.uint8)] * n,
            "meta": [{"a": 1}] * n,
            "text": ["a", "b", "c"],
            "emb": np.zeros((n, 4), np.float32),
            "cls": np.zeros((n, 1), np.uint32),
        },
        {
            "images": ColumnInfo("image", np.dtype("uint8"), False),
            "meta": ColumnInfo("json"),
            "cls": ColumnInfo("class_label", np.dtype("uint32"), True, (1,), ["cat", "dog"]),
        },
    )


@pytest.mark.parametrize(
    "query, error, fragments",
    [
        ("select * where lables == 1", QueryNameError, ["'lables' does not exist", "labels"]),
        ("select * order by nope", QueryNameError, ["'nope'"]),
        ("select * where images == 'cat'", QueryTypeError, ["'images'", "image", "string 'cat'"]),
        ("select * where meta == 5", QueryTypeError, ["json tensor 'meta'", "number 5"]),
        ("select * where text == 5", QueryTypeError, ["text tensor 'text'", "number 5"]),
        ("select * where 5 < text", QueryTypeError, ["text tensor 'text'", "number 5"]),
        ("select * where labels == 'x'", QueryTypeError, ["'labels'", "string 'x'"]),
        ("select * where cls == 'bird'", QueryTypeError, ["'bird' is not a class name", "'cls'"]),
        ("select * where text", QueryTypeError, ["WHERE", "text tensor 'text'"]),
        ("select * where meta", QueryTypeError, ["WHERE", "json tensor 'meta'"]),
        ("select * where text + 1 > 2", QueryTypeError, ["needs numbers", "'text'"]),
        ("select * where emb > 0", QueryTypeError, ["4 values per row", "ANY"]),
        ("select * where emb[7] > 0", QueryTypeError, ["out of bounds", "'emb'", "(4,)"]),
        ("select * where emb['k'] > 0", QueryTypeError, ["numeric", "'emb'"]),
        ("select * where text[0] == 'a'", QueryTypeError, ["Cannot index", "'text'"]),
        ("select * where foo(labels)", QueryNameError, ["Unknown function FOO"]),
        ("select * where contains(labels)", QueryTypeError, ["CONTAINS takes 2"]),
        ("select * where contains(labels, 'x')", QueryTypeError, ["'labels'"]),
        ("select * where max_weight(labels: 1)", QueryTypeError, ["only allowed in SAMPLE BY"]),
        ("select * sample by max_weight(labels)", QueryTypeError, ["'condition: weight'"]),
        ("select * sample by text", QueryTypeError, ["numeric", "'text'"]),
        ("select * order by emb", QueryTypeError, ["ORDER BY", "'emb'", "(4,)"]),
        ("select * where all(text)", QueryTypeError, ["ALL needs", "'text'"]),
        ("select * where cosine_similarity(text, ARRAY[1])", QueryTypeError, ["'text'"]),
        ("select * where labels in (1, labels)", QueryTypeError, ["constants"]),
        ("select * where x[labels] > 1", QueryNameError, ["'x'"]),
        ("select * where emb[labels] > 1", QueryTypeError, ["constants"]),
        ("select * where data(emb + 1, 0)[0] > 1", QueryTypeError, ["DATA"]),
        ("select * expand by -1", QueryTypeError, ["EXPAND BY"]),
        ("select * where ARRAY[labels] > 1", QueryTypeError, ["ARRAY elements must be constants"]),
    ],
)
def test_bind_errors(src, query, error, fragments):
    with pytest.raises(error) as info:
        run_query(src, query)
    err = info.value
    assert isinstance(err, InvalidQueryError)
    text = str(err)
    for fragment in fragments:
        assert fragment in text, text
    assert err.line == 1 and err.column >= 1
    assert text.rstrip().endswith("^")


def test_errors_happen_before_reading_data(src):
    with pytest.raises(QueryTypeError):
        run_query(src, "select * where labels == 1 and meta == 5")
    assert src.reads == {}


def test_errors_inside_subqueries_and_set_ops(src):
    with pytest.raises(QueryNameError):
        run_query(src, "select * from (select labels where nope == 1)")
    with pytest.raises(QueryNameError, match="'images'"):
        run_query(src, "select images from (select labels)")
    with pytest.raises(QueryTypeError):
        run_query(src, "(select * where labels == 1) union (select * where text == 1)")


def test_json_values_compare_dynamically(src):
    assert run_query(src, "select * where meta['a'] == 1").indices.tolist() == [0, 1, 2]
    assert run_query(src, "select * where meta['a'] == 'x'").indices.tolist() == []


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_VOCAB = ["select", "*", "where", "order", "by", "limit", "3", "labels", "emb", "text", "meta", "images",
          "cls", "==", "<", "+", "-", "and", "or", "not", "(", ")", "[", "]", ":", ",", "'a'", "'cat'",
          "ARRAY", "in", "between", "contains", "shape", "all", "any", "l2_norm", "cosine_similarity",
          "data", "row_number", "random", "union", "0", "1.5", "desc", "as", "x", "sample", "max_weight",
          "group", "expand", "from", "offset", "'"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=14))
def test_random_token_soup_raises_only_query_errors(tokens):
    src = DictColumnSource(
        {"labels": np.arange(4).reshape(-1, 1), "emb": np.ones((4, 3), np.float32), "text": list("abcd"),
         "meta": [{"a": i} for i in range(4)], "images": [np.zeros((2, 2), np.uint8)] * 4,
         "cls": np.zeros((4, 1), np.uint32)},
        {"meta": ColumnInfo("json"), "images": ColumnInfo("image", np.dtype("uint8"), False),
         "cls": ColumnInfo("class_label", np.dtype("uint32"), True, (1,), ["cat"])},
    )
    try:
        run_query(src, " ".join(tokens))
    except InvalidQueryError:
        pass
