"""Dataset.filter, Dataset.sample_by and Dataset.random_split on real datasets."""

import uuid
import numpy as np
import pytest

import deeplake
import deeplake.random
from deeplake.errors import FilterError, UnsupportedSchedulerError

from test_dataset_query import N, build, idx, where


@pytest.fixture
def made():
    return build(deeplake.empty(f"mem://filter_{uuid.uuid4().hex}"))


@pytest.fixture(autouse=True)
def reset_seed():
    yield
    deeplake.random.seed(None)


def label_is_two(sample):
    return sample.labels.numpy()[0] == 2


# ------------------------------------------------------------------- filter
def test_spec_filter_callable_and_string_agree(made):
    ds, data = made
    by_fn = ds.filter(lambda sample: sample.labels.numpy() == 2, progressbar=False)
    by_text = ds.filter("labels == 2")
    assert idx(by_fn) == idx(by_text) == where(data["labels"] == 2)
    assert by_fn.is_view and by_text.is_view
    assert by_text._query == "labels == 2"
    assert not hasattr(by_text, "_tql_query")  # as the reference: a filter view is not re-run on load
    assert "lambda sample" in by_fn._query


def test_filter_with_threads_keeps_row_order(made):
    ds, data = made
    view = ds.filter(lambda s: float(s["grp/score"].numpy()[0]) > 0, num_workers=3, progressbar=False)
    assert idx(view) == where(data["score"] > 0)
    serial = ds.filter(lambda s: float(s["grp/score"].numpy()[0]) > 0, num_workers=2, scheduler="serial",
                       progressbar=False)
    assert idx(serial) == idx(view)


def test_filter_with_processes_on_disk(tmp_path):
    path = str(tmp_path / "ds")
    _, data = build(deeplake.empty(path))
    ds = deeplake.load(path, read_only=True)
    view = ds.filter(label_is_two, num_workers=2, scheduler="processed", progressbar=False)
    assert idx(view) == where(data["labels"] == 2)


def test_filter_with_processes_needs_picklable_inputs(made):
    ds, _ = made
    with pytest.raises(FilterError, match="pickled"):
        ds.filter(lambda s: True, num_workers=2, scheduler="processed", progressbar=False)


def test_filter_on_a_view_returns_rows_of_the_view(made):
    ds, data = made
    picked = [9, 2, 17, 4, 13]
    view = ds[picked].filter(lambda s: s.labels.numpy()[0] != 4, progressbar=False)
    assert idx(view) == [i for i in picked if data["labels"][i] != 4]
    assert idx(ds[3:15].filter("labels == 'dog'")) == [i for i in where(data["labels"] == 1) if 3 <= i < 15]


def test_filter_error_names_the_row_and_keeps_the_cause(made):
    ds, _ = made

    def fails_on_row_five(sample):
        if int(sample.attrs.dict()["k"]) == 1 and sample.attrs.dict()["id"] == "id5":
            raise KeyError("boom")
        return True

    with pytest.raises(FilterError) as info:
        ds.filter(fails_on_row_five, progressbar=False)
    assert "sample 5" in str(info.value) and "KeyError" in str(info.value)
    assert isinstance(info.value.__cause__, KeyError)
    assert info.value.sample_index == 5
    with pytest.raises(FilterError, match="sample 5"):
        ds.filter(fails_on_row_five, num_workers=2, progressbar=False)


def test_filter_progressbar_runs(made, capsys):
    ds, data = made
    view = ds.filter(lambda s: True, progressbar=True)
    assert len(view) == N
    assert "filter" in capsys.readouterr().err


def test_filter_bad_arguments(made):
    ds, _ = made
    with pytest.raises(TypeError):
        ds.filter(123)
    with pytest.raises(UnsupportedSchedulerError):
        ds.filter(lambda s: True, num_workers=2, scheduler="gpu", progressbar=False)
    with pytest.raises(ValueError):
        ds.filter(lambda s: True, num_workers=-1, progressbar=False)


def _committed(tmp_path):
    ds, data = build(deeplake.empty(str(tmp_path / "ds")))
    ds.commit("data")
    return ds, data


def test_filter_save_result_at_a_path(tmp_path):
    ds, data = _committed(tmp_path)
    view = ds.filter("labels == 1", save_result=True, result_path=str(tmp_path / "saved"), progressbar=False)
    assert idx(view) == where(data["labels"] == 1)
    saved = deeplake.load(str(tmp_path / "saved"), read_only=True)
    assert len(saved) == len(view)


def test_filter_save_result_inside_the_dataset(tmp_path):
    ds, data = _committed(tmp_path)
    ds.filter(label_is_two, save_result=True, progressbar=False)
    ds.filter("labels == 1", save_result=True)
    queries = [v.query for v in ds.get_views()]
    assert "labels == 1" in queries
    assert any(q and "label_is_two" in q for q in queries)
    loaded = [v for v in ds.get_views() if v.query == "labels == 1"][0].load()
    assert idx(loaded) == where(data["labels"] == 1)


def test_query_view_saves_its_tql_and_reloads(tmp_path):
    ds, data = _committed(tmp_path)
    view = ds.query("select * where labels == 2 order by labels limit 4")
    ds_view_path = view.save_view(id="twos")
    assert ds_view_path
    entry = ds.get_view("twos")
    assert entry.tql_query == "select * where labels == 2 order by labels limit 4"
    assert idx(ds.load_view("twos")) == idx(view) == where(data["labels"] == 2)[:4]


def test_filter_string_errors_are_query_errors(made):
    ds, _ = made
    from deeplake.query import QueryNameError

    with pytest.raises(QueryNameError):
        ds.filter("nope == 1")


# ---------------------------------------------------------------- sample_by
def test_sample_by_is_reproducible_with_the_seed(made):
    ds, _ = made
    deeplake.random.seed(3)
    a = idx(ds.sample_by("max_weight(labels == 'cat': 10, labels == 'dog': 5)"))
    deeplake.random.seed(3)
    b = idx(ds.sample_by("max_weight(labels == 'cat': 10, labels == 'dog': 5)"))
    assert a == b and len(a) == N


def test_sample_by_string_weights_only_draw_weighted_rows(made):
    ds, data = made
    deeplake.random.seed(0)
    view = ds.sample_by("max_weight(labels == 0: 10, labels == 1: 5)", size=200)
    drawn = np.array(idx(view))
    assert len(drawn) == 200 and set(data["labels"][drawn].tolist()) <= {0, 1}
    cats, dogs = (data["labels"] == 0).sum(), (data["labels"] == 1).sum()
    share = (data["labels"][drawn] == 0).mean()
    expected = 10 * cats / (10 * cats + 5 * dogs)
    assert abs(share - expected) < 0.15
    assert view._query.startswith("SAMPLE BY")


def test_sample_by_expression_weights(made):
    ds, data = made
    deeplake.random.seed(1)
    drawn = idx(ds.sample_by("labels", size=50))
    assert all(data["labels"][i] > 0 for i in drawn)  # weight 0 rows are never drawn


def test_spec_sample_by_list_without_replacement(made):
    ds, _ = made
    weights = [i % 5 for i in range(len(ds))]
    view = ds.sample_by(weights, replace=False)
    drawn = idx(view)
    assert len(drawn) == len(set(drawn)) == sum(1 for w in weights if w > 0)
    assert all(i % 5 for i in drawn)
    assert len(idx(ds.sample_by(tuple(weights), replace=False, size=5))) == 5
    with_replacement = idx(ds.sample_by(np.asarray(weights, dtype=np.float32), size=100))
    assert len(with_replacement) == 100 and len(set(with_replacement)) < 100


def test_sample_by_on_a_view(made):
    ds, _ = made
    picked = [3, 8, 12]
    drawn = idx(ds[picked].sample_by([1, 0, 1], size=30))
    assert set(drawn) <= {3, 12}


def test_sample_by_bad_weights(made):
    ds, _ = made
    with pytest.raises(ValueError, match="1 dimensional"):
        ds.sample_by(np.ones((N, 2)))
    with pytest.raises(ValueError, match="one value per sample"):
        ds.sample_by([1.0, 2.0])
    with pytest.raises(ValueError, match="negative"):
        ds.sample_by([-1.0] + [1.0] * (N - 1))
    with pytest.raises(ValueError, match="zero"):
        ds.sample_by([0] * N, size=3)
    with pytest.raises(ValueError, match="without replacement"):
        ds.sample_by([1] + [0] * (N - 1), replace=False, size=2)
    with pytest.raises(TypeError):
        ds.sample_by({"a": 1})
    with pytest.raises(TypeError):
        ds.sample_by([1] * N, size=2.5)


# ------------------------------------------------------------- random_split
def _five_labels():
    ds = deeplake.empty(f"mem://split_{uuid.uuid4().hex}")
    ds.create_tensor("labels", htype="class_label")
    ds.labels.extend([0, 1, 2, 1, 3])
    return ds


def test_spec_random_split_example():
    ds = _five_labels()
    train, val = ds.random_split([0.8, 0.2])
    assert (len(train), len(val)) == (4, 1)
    assert sorted(idx(train) + idx(val)) == [0, 1, 2, 3, 4]
    train, val = ds.random_split([3, 2])
    assert (len(train), len(val)) == (3, 2)
    assert train.is_view and val.is_view


def test_random_split_rounding_is_round_robin(made):
    ds, _ = made  # 24 rows
    parts = ds.random_split([0.5, 0.3, 0.2])  # floors 12, 7, 4 -> remainder 1 to the first
    assert [len(p) for p in parts] == [13, 7, 4]
    rows = [i for p in parts for i in idx(p)]
    assert sorted(rows) == list(range(N))
    parts = ds.random_split([0.34, 0.33, 0.33])  # floors 8, 7, 7 -> 2 more, round robin
    assert [len(p) for p in parts] == [9, 8, 7]


def test_random_split_is_reproducible_with_the_seed(made):
    ds, _ = made
    deeplake.random.seed(11)
    a = [idx(p) for p in ds.random_split([0.5, 0.5])]
    deeplake.random.seed(11)
    b = [idx(p) for p in ds.random_split([0.5, 0.5])]
    assert a == b


def test_random_split_of_a_view(made):
    ds, _ = made
    view = ds[4:16]
    parts = view.random_split([6, 6])
    assert sorted(idx(parts[0]) + idx(parts[1])) == list(range(4, 16))


def test_random_split_keeps_chunks_together(tmp_path):
    ds = deeplake.empty(str(tmp_path / "chunks"))
    ds.create_tensor("x", dtype="float32", max_chunk_size=64 * 1024)
    ds.x.extend(np.zeros((4000, 64), np.float32))  # 256 B rows: several chunks
    deeplake.random.seed(5)
    first, second = ds.random_split([0.5, 0.5])
    enc = ds.x._engine.chunk_ids
    assert len(enc) > 3
    chunks = lambda v: np.asarray(enc.find_rows(np.asarray(idx(v))))
    # rows of one chunk come together, so the chunk changes far less often than per row
    changes = int(np.count_nonzero(np.diff(chunks(first))))
    assert changes < len(np.unique(chunks(first))) + 1


def test_random_split_errors(made):
    ds, _ = made
    with pytest.raises(ValueError, match="Sum of input lengths"):
        ds.random_split([10, 10])
    with pytest.raises(ValueError, match="between 0 and 1"):
        ds.random_split([1.5, -0.5])
    with pytest.raises(TypeError):
        ds.random_split(["a", "b"])
    with pytest.raises(TypeError):
        ds.random_split(3)
    with pytest.warns(UserWarning, match="index 1 is 0"):
        tiny = _five_labels()
        assert [len(v) for v in tiny.random_split([0.9, 0.1])] == [5, 0]


def test_random_split_refuses_tensors_of_different_lengths():
    ds = deeplake.empty(f"mem://ragged_{uuid.uuid4().hex}")
    ds.create_tensor("a")
    ds.create_tensor("b")
    ds.a.extend([1, 2, 3])
    ds.b.extend([1, 2])
    with pytest.raises(ValueError, match="variable length"):
        ds.random_split([0.5, 0.5])
