"""TransformError has the documented constructor and survives pickling."""
import pickle

from deeplake.util.exceptions import TransformError


def test_documented_signature():
    e = TransformError(index=7, sample={"x": 1}, samples_processed=3, suggest=True)
    assert (e.index, e.sample, e.samples_processed, e.suggest) == (7, {"x": 1}, 3, True)
    assert "index 7" in str(e)
    assert isinstance(e, Exception)


def test_pickles_with_its_fields():
    e = pickle.loads(pickle.dumps(TransformError(4, None, 2, message="failed on 4")))
    assert (e.index, e.samples_processed, str(e)) == (4, 2, "failed on 4")
