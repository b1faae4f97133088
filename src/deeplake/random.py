"""``deeplake.random.seed``: one seed for every random choice deeplake makes
(RANDOM() in TQL, shuffles, sample_by, random_split); spec section 27."""
from deeplake.query.random_state import get_rng, get_seed, seed  # noqa: F401
