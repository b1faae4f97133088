"""deeplake.compute / compose / eval on the serial, threaded and processed schedulers."""
import numpy as np
import pytest

import deeplake
from deeplake.errors import (
    HubComposeEmptyListError,
    HubComposeIncompatibleFunction,
    InvalidInputDataError,
    InvalidOutputDatasetError,
    InvalidTransformDataset,
    TensorMismatchError,
    TransformError,
    UnsupportedSchedulerError,
)
from deeplake.format import keys

SCHEDULERS = ["serial", "threaded", "processed"]


@deeplake.compute
def scale(x, samples_out, mul, add=0):
    samples_out.labels.append(np.int64(x * mul + add))
    samples_out.images.append(np.full((3, 5, 3), x % 256, dtype=np.uint8))


@deeplake.compute
def duplicate(x, samples_out):
    samples_out.labels.extend([np.int64(x), np.int64(x)])
    samples_out.images.extend(np.zeros((2, 3, 5, 3), dtype=np.uint8) + x % 256)


@deeplake.compute
def negate(row, samples_out):
    samples_out.labels.append(-row.labels)
    samples_out.images.append(row.images)


@deeplake.compute
def negate_ds(row, samples_out):
    samples_out.labels.append(-row.labels.numpy())
    samples_out.images.append(row.images.numpy())


@deeplake.compute
def as_dict(x, samples_out):
    samples_out.append({"labels": np.int64(x), "images": np.zeros((2, 2, 3), np.uint8)})


@deeplake.compute
def fail_at(x, samples_out, bad):
    if x == bad:
        raise ValueError(f"boom {x}")
    samples_out.labels.append(np.int64(x))


@deeplake.compute
def only_labels(x, samples_out):
    samples_out.labels.append(np.int64(x))


@deeplake.compute
def to_group(x, samples_out):
    samples_out.grp.a.append(np.int64(x))
    samples_out["grp/b"].append(f"text {x}")


@deeplake.compute
def text_label(x, samples_out):
    samples_out.cls.append(["even", "odd"][x % 2] if x < 10 else f"c{x}")


@deeplake.compute
def double_in_place(row, samples_out):
    samples_out.labels.append(row.labels.numpy() * 2)


def make_out(path):
    ds = deeplake.empty(str(path), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    ds.create_tensor("images", htype="image", sample_compression="png")
    return ds


def labels_of(ds):
    return ds.labels.numpy().reshape(-1)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_order_and_args(tmp_path, scheduler):
    ds = make_out(tmp_path / "out")
    scale(3, add=1).eval(list(range(50)), ds, num_workers=2, scheduler=scheduler, progressbar=False)
    np.testing.assert_array_equal(labels_of(ds), np.arange(50) * 3 + 1)
    assert len(ds) == 50
    assert ds.images[17].numpy()[0, 0, 0] == 17
    again = deeplake.load(str(tmp_path / "out"))
    np.testing.assert_array_equal(labels_of(again), np.arange(50) * 3 + 1)
    assert again.images.shape == (50, 3, 5, 3)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_compose_and_extend(tmp_path, scheduler):
    ds = make_out(tmp_path / "out")
    deeplake.compose([duplicate(), negate()]).eval(list(range(10)), ds, num_workers=2, scheduler=scheduler,
                                                    progressbar=False)
    np.testing.assert_array_equal(labels_of(ds), -np.repeat(np.arange(10), 2))
    assert len(ds.images) == 20


def test_chunks_are_merged_not_rewritten(tmp_path):
    ds = make_out(tmp_path / "out")
    scale(1).eval(list(range(40)), ds, num_workers=2, scheduler="threaded", progressbar=False)
    eng = ds.labels._engine
    ids = [int(c) for c in eng.chunk_ids.rows[:, 0]]
    assert len(ids) == 2  # one (partially filled) chunk per worker, appended as they are
    for cid in ids:
        assert (tmp_path / "out" / "labels" / "chunks" / keys.chunk_name_from_id(cid)).exists()
    # appending afterwards continues in the last worker's chunk
    ds.labels.append(np.int64(99))
    ds.images.append(np.zeros((3, 5, 3), np.uint8))
    assert labels_of(deeplake.load(str(tmp_path / "out")))[-1] == 99


@pytest.mark.parametrize("scheduler", ["serial", "threaded"])
def test_appends_after_existing_and_memory_threaded(scheduler):
    ds = deeplake.empty("mem://transform_existing", overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    ds.create_tensor("images", htype="image", sample_compression="png")
    ds.labels.extend(np.array([100, 101], dtype=np.int64))
    ds.images.extend(np.zeros((2, 3, 5, 3), np.uint8))
    scale(1).eval(list(range(6)), ds, num_workers=2, scheduler=scheduler, progressbar=False)
    np.testing.assert_array_equal(labels_of(ds), [100, 101, 0, 1, 2, 3, 4, 5])


def test_dataset_input_view_and_dict_samples(tmp_path):
    src = make_out(tmp_path / "src")
    scale(1).eval(list(range(20)), src, progressbar=False)
    out = deeplake.empty(str(tmp_path / "dst"), overwrite=True)
    out.create_tensor("labels", dtype="int64")
    out.create_tensor("images", htype="image", sample_compression="png")
    negate_ds().eval(src[5:15], out, num_workers=2, scheduler="processed", progressbar=False)
    np.testing.assert_array_equal(labels_of(out), -np.arange(5, 15))
    out2 = make_out(tmp_path / "dst2")
    as_dict().eval(np.arange(7), out2, num_workers=2, progressbar=False)
    np.testing.assert_array_equal(labels_of(out2), np.arange(7))


def test_in_place(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    ds.labels.extend(np.arange(10, dtype=np.int64))
    double_in_place().eval(ds, num_workers=2, scheduler="threaded", progressbar=False)
    np.testing.assert_array_equal(labels_of(ds), np.arange(10) * 2)
    np.testing.assert_array_equal(labels_of(deeplake.load(str(tmp_path / "ds"))), np.arange(10) * 2)


def test_groups_and_text(tmp_path):
    ds = deeplake.empty(str(tmp_path / "g"), overwrite=True)
    ds.create_group("grp")
    ds.grp.create_tensor("a", dtype="int64")
    ds.grp.create_tensor("b", htype="text")
    to_group().eval(list(range(8)), ds, num_workers=2, scheduler="processed", progressbar=False)
    np.testing.assert_array_equal(ds.grp.a.numpy().reshape(-1), np.arange(8))
    assert ds.grp.b[5].data()["value"] == "text 5"


def test_class_labels_added_by_different_workers(tmp_path):
    ds = deeplake.empty(str(tmp_path / "c"), overwrite=True)
    ds.create_tensor("cls", htype="class_label")
    text_label().eval(list(range(14)), ds, num_workers=2, scheduler="threaded", progressbar=False)
    names = ds.cls.info.class_names
    got = [names[int(i)] for i in ds.cls.numpy().reshape(-1)]
    assert got == [["even", "odd"][x % 2] if x < 10 else f"c{x}" for x in range(14)]
    assert sorted(names) == sorted(["even", "odd", "c10", "c11", "c12", "c13"])


def test_num_workers_zero_is_serial_even_for_memory():
    ds = deeplake.empty("mem://transform_serial", overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    only_labels().eval([1, 2, 3], ds, num_workers=0, scheduler="processed", progressbar=False)
    np.testing.assert_array_equal(labels_of(ds), [1, 2, 3])


def test_skip_ok(tmp_path):
    ds = make_out(tmp_path / "s")
    with pytest.raises(TensorMismatchError):
        only_labels().eval([1, 2], ds, progressbar=False)
    assert len(ds.labels) == 0
    only_labels().eval([1, 2], ds, skip_ok=True, progressbar=False)
    np.testing.assert_array_equal(labels_of(ds), [1, 2])
    assert len(ds.images) == 0


def test_progressbar_runs(tmp_path, capsys):
    ds = make_out(tmp_path / "p")
    scale(1).eval(list(range(5)), ds, num_workers=2, scheduler="threaded", progressbar=True)
    assert len(ds) == 5


# ----------------------------------------------------------------- errors
def test_bad_inputs(tmp_path):
    ds = make_out(tmp_path / "e")
    with pytest.raises(InvalidInputDataError):
        scale(1).eval(5, ds)
    with pytest.raises(UnsupportedSchedulerError):
        scale(1).eval([1], ds, scheduler="dask")
    with pytest.raises(InvalidOutputDatasetError):
        scale(1).eval([1, 2], None)  # a list cannot be transformed in place
    with pytest.raises(InvalidOutputDatasetError):
        scale(1).eval([1], "not a dataset")
    with pytest.raises(HubComposeEmptyListError):
        deeplake.compose([])
    with pytest.raises(HubComposeIncompatibleFunction):
        deeplake.compose([scale(1), lambda x, y: None])
    with pytest.raises(ValueError):
        scale(1).eval([1, 2, 3], ds, num_workers=2, checkpoint_interval=3)
    src = make_out(tmp_path / "src2")
    with pytest.raises(ValueError):
        double_in_place().eval(src, checkpoint_interval=2)
    assert len(ds) == 0


def test_unequal_and_read_only_output(tmp_path):
    ds = make_out(tmp_path / "u")
    ds.labels.append(np.int64(1))
    with pytest.raises(InvalidOutputDatasetError):
        scale(1).eval([1], ds, progressbar=False)
    ro = deeplake.load(str(tmp_path / "u"), read_only=True)
    with pytest.raises(InvalidOutputDatasetError):
        scale(1).eval([1], ro, progressbar=False, check_lengths=False)


@pytest.mark.parametrize("scheduler", ["processed", "ray"])
def test_memory_datasets_need_threads(scheduler):
    ds = deeplake.empty("mem://transform_mem", overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    with pytest.raises(InvalidOutputDatasetError):
        only_labels().eval([1, 2], ds, num_workers=2, scheduler=scheduler)
    src = deeplake.empty("mem://transform_mem_src", overwrite=True)
    src.create_tensor("labels", dtype="int64")
    src.labels.extend(np.arange(3, dtype=np.int64))
    with pytest.raises(InvalidInputDataError):
        negate_ds().eval(src, ds, num_workers=2, scheduler=scheduler)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_transform_error_names_index_and_cause(tmp_path, scheduler):
    ds = deeplake.empty(str(tmp_path / "f"), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    with pytest.raises(TransformError) as info:
        fail_at(bad=13).eval(list(range(20)), ds, num_workers=2, scheduler=scheduler, progressbar=False)
    assert info.value.index == 13
    assert "13" in str(info.value) and "boom 13" in str(info.value)
    assert isinstance(info.value.__cause__, ValueError)
    assert len(ds.labels) == 0  # nothing merged from a failed run


def test_bad_sample_type_reports_index(tmp_path):
    @deeplake.compute
    def bad_dtype(x, samples_out):
        samples_out.labels.append("text" if x == 4 else np.int64(x))

    ds = deeplake.empty(str(tmp_path / "b"), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    with pytest.raises(TransformError) as info:
        bad_dtype().eval(list(range(8)), ds, progressbar=False)
    assert info.value.index == 4
    assert len(ds.labels) == 0
    bad_dtype().eval(list(range(8)), ds, ignore_errors=True, progressbar=False)
    np.testing.assert_array_equal(labels_of(ds), [0, 1, 2, 3, 5, 6, 7])


def test_unequal_output_counts(tmp_path):
    @deeplake.compute
    def uneven(x, samples_out):
        samples_out.labels.append(np.int64(x))
        samples_out.labels.append(np.int64(x))
        samples_out.images.append(np.zeros((1, 1, 3), np.uint8))

    ds = make_out(tmp_path / "x")
    with pytest.raises(InvalidTransformDataset):
        uneven().eval([1, 2], ds, progressbar=False)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_ignore_errors_counts_skipped(tmp_path, scheduler, capsys):
    ds = deeplake.empty(str(tmp_path / "i"), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    fail_at(bad=7).eval(list(range(12)), ds, num_workers=2, scheduler=scheduler, ignore_errors=True,
                        progressbar=False)
    np.testing.assert_array_equal(labels_of(ds), [x for x in range(12) if x != 7])
    assert "1 of 12 input samples were skipped" in capsys.readouterr().out


# ----------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("scheduler", ["serial", "threaded", "processed"])
def test_checkpoint_then_failure_then_resume(tmp_path, scheduler):
    ds = deeplake.empty(str(tmp_path / "ck"), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    with pytest.raises(TransformError) as info:
        fail_at(bad=25).eval(list(range(40)), ds, num_workers=2, scheduler=scheduler,
                             checkpoint_interval=10, progressbar=False)
    assert info.value.samples_processed == 20
    assert "data_in[20:]" in str(info.value)
    np.testing.assert_array_equal(labels_of(ds), np.arange(20))
    assert len(ds.commits) == 2  # committed after 10 and after 20 inputs
    again = deeplake.load(str(tmp_path / "ck"))
    np.testing.assert_array_equal(labels_of(again), np.arange(20))
    fail_at(bad=-1).eval(list(range(40))[20:], again, num_workers=2, scheduler=scheduler,
                         checkpoint_interval=10, progressbar=False)
    np.testing.assert_array_equal(labels_of(again), np.arange(40))


def test_sequence_tensor(tmp_path):
    @deeplake.compute
    def seq(x, samples_out):
        samples_out.s.append([np.int64(x)] * (x % 3 + 1))

    ds = deeplake.empty(str(tmp_path / "sq"), overwrite=True)
    ds.create_tensor("s", htype="sequence[generic]", dtype="int64")
    seq().eval(list(range(9)), ds, num_workers=2, scheduler="threaded", progressbar=False)
    assert len(ds.s) == 9
    for x in range(9):
        np.testing.assert_array_equal(np.asarray(ds.s[x].numpy()).reshape(-1), [x] * (x % 3 + 1))


def test_in_place_skip_ok_keeps_other_tensors(tmp_path):
    ds = make_out(tmp_path / "ip")
    scale(1).eval(list(range(6)), ds, progressbar=False)
    double_in_place().eval(ds, skip_ok=True, num_workers=2, scheduler="processed", progressbar=False)
    np.testing.assert_array_equal(labels_of(ds), np.arange(6) * 2)
    assert ds.images[4].numpy()[0, 0, 0] == 4 and len(ds.images) == 6
    again = deeplake.load(str(tmp_path / "ip"))
    np.testing.assert_array_equal(labels_of(again), np.arange(6) * 2)


class OnlyGetitem:
    """A sequence with __getitem__/__len__ and no slicing."""

    def __len__(self):
        return 9

    def __getitem__(self, i):
        if not isinstance(i, int):
            raise TypeError("ints only")
        return i


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_generic_sequence_input(tmp_path, scheduler):
    ds = deeplake.empty(str(tmp_path / "gs"), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    only_labels().eval(OnlyGetitem(), ds, num_workers=2, scheduler=scheduler, progressbar=False)
    np.testing.assert_array_equal(labels_of(ds), np.arange(9))


def test_empty_input_and_functions_returning_nothing(tmp_path):
    @deeplake.compute
    def nothing(x, samples_out):
        pass

    ds = make_out(tmp_path / "n")
    scale(1).eval([], ds, progressbar=False)
    nothing().eval([1, 2, 3], ds, num_workers=2, progressbar=False)
    assert len(ds) == 0


def test_commit_after_transform_on_branch(tmp_path):
    ds = deeplake.empty(str(tmp_path / "vc"), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    ds.labels.extend(np.arange(3, dtype=np.int64))
    ds.commit("first")
    ds.checkout("alt", create=True)
    only_labels().eval([10, 11], ds, num_workers=2, scheduler="threaded", progressbar=False)
    ds.commit("second")
    np.testing.assert_array_equal(labels_of(ds), [0, 1, 2, 10, 11])
    again = deeplake.load(str(tmp_path / "vc"))
    again.checkout("alt")
    np.testing.assert_array_equal(labels_of(again), [0, 1, 2, 10, 11])
    again.checkout("main")
    np.testing.assert_array_equal(labels_of(again), [0, 1, 2])


def test_group_as_output(tmp_path):
    @deeplake.compute
    def into_group(x, samples_out):
        samples_out.a.append(np.int64(x))

    ds = deeplake.empty(str(tmp_path / "go"), overwrite=True)
    ds.create_tensor("top", dtype="int64")
    ds.create_group("g")
    ds.g.create_tensor("a", dtype="int64")
    into_group().eval(list(range(5)), ds.g, num_workers=2, scheduler="threaded", progressbar=False)
    np.testing.assert_array_equal(ds.g.a.numpy().reshape(-1), np.arange(5))
    assert len(ds.top) == 0


def test_killed_worker_process_is_a_transform_error(tmp_path):
    @deeplake.compute
    def die(x, samples_out):
        if x == 3:
            import os

            os._exit(3)
        samples_out.labels.append(np.int64(x))

    ds = deeplake.empty(str(tmp_path / "k"), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    with pytest.raises(TransformError):
        die().eval(list(range(8)), ds, num_workers=2, scheduler="processed", progressbar=False)
    assert len(ds.labels) == 0
