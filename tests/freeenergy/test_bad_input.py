"""Malformed input to the public free-energy functions raises ValueError (bad
values and shapes) or TypeError (no numbers at all: strings, None, ragged lists)
whose message starts with the argument's name: negative, NaN, +-inf, all-zero,
off-sum and wrong-shape tables; NaN, +-inf, negative and non-numeric
multipliers; as fixed cases and as hypothesis properties."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from thermoinfo import MemoryBudgetError
from thermoinfo.freeenergy import (
    discrete,
    firstlaw,
    functionals,
    gaussian,
    quasistatic,
    rate_distortion,
    solve,
    sweep,
    weights,
)
from thermoinfo.freeenergy.surface import n_clusters
from thermoinfo.testing import raises_named
from thermoinfo.testing import strategies as ts

P = np.array([[0.3, 0.1], [0.2, 0.4]])
HAMMING = 1.0 - np.eye(2)

TABLES = {
    "negative": np.array([[0.5, -0.1], [0.3, 0.3]]),
    "nan": np.array([[0.5, np.nan], [0.25, 0.25]]),
    "inf": np.array([[np.inf, 0.25], [0.25, 0.25]]),
    "-inf": np.array([[-np.inf, 0.25], [0.25, 0.25]]),
    "all_zero": np.zeros((2, 2)),
    "wrong_sum": np.full((2, 2), 0.3),
    "wrong_shape_1d": np.array([0.5, 0.5]),
    "wrong_shape_3d": np.full((2, 2, 1), 0.25),
    "empty": np.zeros((0, 2)),
    "ragged": [[0.5], [0.25, 0.25]],
    "string": "p",
}
MULTIPLIERS = {"negative": -0.5, "nan": np.nan, "inf": np.inf, "-inf": -np.inf, "string": "1.0",
               "none": None}


def _as_source(t):
    """The 1-D source p_x made from a malformed 2 x 2 table (its four entries); the
    1-D table of the list becomes the malformed (2-D) shape."""
    if isinstance(t, np.ndarray) and t.shape == (2, 2):
        return t.ravel()
    if isinstance(t, np.ndarray) and t.shape == (2,):
        return t[None, :]
    return t


#: Malformed kinds that hold no numbers at all: TypeError; every other kind: ValueError
NOT_NUMBERS = {"string", "none", "ragged"}


def _raises_named(name, fn, error=ValueError):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with raises_named(error, name):
            fn()


def _error(kind):
    return TypeError if kind in NOT_NUMBERS else ValueError


CALLS_WITH_TABLE = {
    "solve": ("p_xy", lambda t: solve(t, 0.1, 1.0, 2)),
    "sweep": ("p_xy", lambda t: sweep(t, gamma=[1.0, 2.0])),
    "derivatives": ("p_xy", lambda t: firstlaw.derivatives(t, solve(P, 0.1, 3.0, 2, rng=0))),
    "rate_distortion": ("p_x", lambda t: rate_distortion(_as_source(t), np.ones((4, 2)), 1.0)),
    "decoder": ("decoder", lambda t: solve(P, 0.1, 1.0, 2, decoder=t)),
    "init": ("init", lambda t: solve(P, 0.1, 1.0, 2, init=t)),
    "tempered": ("p_xy", lambda t: weights.tempered(t, [np.eye(2)], 0.1, 1.0, 1.0)),
    "family": ("family", lambda t: weights.tempered(P, [t], 0.1, 1.0, 1.0)),
    "mixture_path": ("source", lambda t: quasistatic.mixture_path(t, P)),
    "functionals": ("p_xy", lambda t: functionals.functionals(t, np.eye(2), [0.5, 0.5], np.eye(2),
                                                              np.eye(2), lam=0.1, gamma=1.0)),
}


@pytest.mark.parametrize("kind", sorted(TABLES))
@pytest.mark.parametrize("call", sorted(CALLS_WITH_TABLE))
def test_malformed_tables(call, kind):
    name, fn = CALLS_WITH_TABLE[call]
    _raises_named(name, lambda: fn(TABLES[kind]), _error(kind))


CALLS_WITH_MULTIPLIER = {
    "solve lam": ("lam", lambda v: solve(P, v, 1.0, 2)),
    "solve gamma": ("gamma", lambda v: solve(P, 0.1, v, 2)),
    "sweep lam": ("lam", lambda v: sweep(P, lam=[0.1, v], gamma=1.0)),
    "sweep gamma": ("gamma", lambda v: sweep(P, gamma=v)),
    "sweep sigma": ("sigma", lambda v: sweep(P, sigma=[v], family=[np.eye(2)])),
    "rate_distortion lam": ("lam", lambda v: rate_distortion([0.5, 0.5], HAMMING, v)),
    "gibbs_weights sigma": ("sigma", lambda v: weights.gibbs_weights([0.0, 1.0], v)),
    "tempered gamma": ("gamma", lambda v: weights.tempered(P, [np.eye(2)], 0.1, v, 1.0)),
    "hamming lam": ("lam", lambda v: discrete.hamming_free_energy(v)),
    "bottleneck gamma": ("gamma", lambda v: discrete.binary_symmetric_bottleneck(0.1, v, 0.1)),
    "linear_gaussian lam": ("lam", lambda v: gaussian.linear_gaussian([[1.0]], v)),
    "process gamma": ("gamma", lambda v: quasistatic.process((P, P), 0.1, v, 2, t=[0.0, 1.0])),
    "functionals lam": ("lam", lambda v: functionals.functionals(P, np.eye(2), [0.5, 0.5], np.eye(2),
                                                                 np.eye(2), lam=v, gamma=1.0)),
}


@pytest.mark.parametrize("kind", sorted(MULTIPLIERS))
@pytest.mark.parametrize("call", sorted(CALLS_WITH_MULTIPLIER))
def test_malformed_multipliers(call, kind):
    name, fn = CALLS_WITH_MULTIPLIER[call]
    _raises_named(name, lambda: fn(MULTIPLIERS[kind]), _error(kind))


@pytest.mark.parametrize("kwargs, name, error", [
    ({"n_z": 0}, "n_z", ValueError), ({"n_z": 1.5}, "n_z", TypeError), ({"tol": 0.0}, "tol", ValueError),
    ({"xtol": np.nan}, "xtol", ValueError), ({"max_iter": 0}, "max_iter", ValueError),
    ({"restarts": -1}, "restarts", ValueError), ({"jitter": 1.0}, "jitter", ValueError),
    ({"jitter": np.nan}, "jitter", ValueError),
])
def test_malformed_solver_options(kwargs, name, error):
    args = {"n_z": 2, **kwargs}
    _raises_named(name, lambda: solve(P, 0.1, 1.0, **args), error)
    if name not in ("jitter",):
        _raises_named(name, lambda: sweep(P, gamma=[1.0], **args), error)


def test_malformed_distortion_and_other_arguments():
    _raises_named("distortion", lambda: rate_distortion([0.5, 0.5], np.ones((3, 2)), 1.0))
    _raises_named("distortion", lambda: rate_distortion([0.5, 0.5], [[0.0, np.nan], [1.0, 0.0]], 1.0))
    _raises_named("distortion", lambda: rate_distortion([0.5, 0.5], [[0.0, -np.inf], [1.0, 0.0]], 1.0))
    _raises_named("distortion", lambda: rate_distortion([0.5, 0.5], "rho", 1.0), TypeError)
    _raises_named("init", lambda: rate_distortion([0.5, 0.5], HAMMING, 1.0, init=[0.5, 0.6]))
    _raises_named("init", lambda: rate_distortion([0.5, 0.5], HAMMING, 1.0, init=[1.0]))
    _raises_named("solution", lambda: firstlaw.derivatives(P, "solution"), TypeError)
    _raises_named("solution", lambda: n_clusters(None), TypeError)
    _raises_named("energies", lambda: weights.gibbs_weights([0.0, np.nan], 1.0))
    _raises_named("energies", lambda: weights.gibbs_weights("abc", 1.0), TypeError)
    _raises_named("prior", lambda: weights.gibbs_weights([0.0, 1.0], 1.0, prior=[1.0, -0.5]))
    _raises_named("family", lambda: weights.tempered(P, 3, 0.1, 1.0, 1.0), TypeError)
    _raises_named("family", lambda: weights.tempered(P, [], 0.1, 1.0, 1.0))
    _raises_named("cov_x", lambda: gaussian.linear_gaussian([[np.nan]], 1.0))
    _raises_named("cov_x", lambda: gaussian.linear_gaussian(np.zeros((0, 0)), 1.0))
    _raises_named("label_weights", lambda: gaussian.linear_gaussian([[1.0]], 1.0, 1.0, label_weights="b"),
                  TypeError)
    _raises_named("eps", lambda: discrete.binary_symmetric_bottleneck(0.1, 1.0, 0.7))
    _raises_named("sigma", lambda: sweep(P, sigma=[1.0]))


# ---------------------------------------------------------------- properties

BAD_NUMBERS = st.one_of(st.sampled_from([np.nan, np.inf, -np.inf]),
                        st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))


@settings(max_examples=40)
@given(ts.malformed_tables(shape=(3, 2)))
def test_solve_sweep_reject_every_malformed_joint_table(p):
    _raises_named("p_xy", lambda: solve(p, 0.2, 2.0, 2))
    _raises_named("p_xy", lambda: sweep(p, gamma=[1.0, 2.0]))


@settings(max_examples=40)
@given(ts.malformed_tables(shape=(3,)))
def test_rate_distortion_rejects_every_malformed_source(p):
    _raises_named("p_x", lambda: rate_distortion(p, np.ones((3, 2)), 1.0))


@settings(max_examples=40)
@given(ts.malformed_tables(shape=(2, 3)))
def test_solve_rejects_every_malformed_decoder_or_init(t):
    # as conditional tables: a bad entry or a row off one
    assume(not (np.all(np.isfinite(t)) and np.all(t >= 0) and np.allclose(t.sum(axis=1), 1.0)))
    _raises_named("decoder", lambda: solve(np.full((3, 2), 1 / 6), 1.0, 1.0, decoder=t))
    _raises_named("init", lambda: solve(np.full((2, 2), 0.25), 1.0, 1.0, 3, init=t))


@settings(max_examples=40)
@given(BAD_NUMBERS, st.sampled_from(["lam", "gamma"]))
def test_every_malformed_multiplier_is_named(value, name):
    kwargs = {"lam": 0.1, "gamma": 1.0, name: value}
    _raises_named(name, lambda: solve(P, kwargs["lam"], kwargs["gamma"], 2))
    _raises_named(name, lambda: sweep(P, **{name: [1.0, value]}))
    if name == "lam":
        _raises_named(name, lambda: rate_distortion([0.5, 0.5], HAMMING, value))
    _raises_named(name, lambda: weights.tempered(P, [np.eye(2)], kwargs["lam"], kwargs["gamma"], 1.0))


@pytest.mark.parametrize("call", ["solve", "sweep", "process"])
def test_an_n_z_beyond_the_memory_budget_is_refused_at_once(call):
    # a billion latent states would need hundreds of GiB: refused before any allocation
    fn = {"solve": lambda: solve(P, 0.1, 1.0, n_z=10**9),
          "sweep": lambda: sweep(P, gamma=[1.0], n_z=10**9),
          "process": lambda: quasistatic.process((P, P), 0.1, 1.0, 10**9, t=[0.0, 1.0])}[call]
    with raises_named(MemoryBudgetError, "n_z") as check:
        fn()
    assert "memory budget" in str(check.value)
    assert isinstance(check.value, ValueError)


@pytest.mark.parametrize("grid", [[1.0, True], [True], np.array([True, False]), True])
def test_a_bool_is_not_a_multiplier_in_a_grid(grid):
    _raises_named("gamma", lambda: sweep(P, gamma=grid), TypeError)
    _raises_named("lam", lambda: sweep(P, lam=grid, gamma=1.0), TypeError)
