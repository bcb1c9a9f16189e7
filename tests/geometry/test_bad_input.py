"""Bad input raises ValueError naming the argument; malformed input never yields NaN."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

import thermoinfo
from thermoinfo.geometry import e_projection, pythagoras_chain
from thermoinfo.geometry.expfamily import bernoulli_kl, categorical_kl, exponential_kl, poisson_kl
from thermoinfo.geometry.families import BayesNet, ExponentialFamily, Product
from thermoinfo.geometry.gaussian import gaussian_kl
from thermoinfo.testing import strategies as ts

GOOD = np.full((2, 3), 1 / 6)
BAD = {
    "negative": (np.array([[0.5, -0.1, 0.1], [0.2, 0.2, 0.1]]), "negative"),
    "nan": (np.array([[0.5, np.nan, 0.1], [0.2, 0.1, 0.1]]), "non-finite"),
    "sum": (np.array([[0.5, 0.1, 0.1], [0.2, 0.1, 0.1]]), "sum to 1"),
}


def _calls(bad):
    fam = Product()
    return {
        "kl_p": (lambda: thermoinfo.kl(bad, GOOD), "p"),
        "kl_q": (lambda: thermoinfo.kl(GOOD, bad), "q"),
        "entropy": (lambda: thermoinfo.entropy(bad), "p"),
        "cross_entropy": (lambda: thermoinfo.cross_entropy(GOOD, bad), "q"),
        "mutual_information": (lambda: thermoinfo.mutual_information(bad), "p"),
        "m_projection": (lambda: thermoinfo.m_projection(bad, fam), "p"),
        "e_projection": (lambda: e_projection(bad, fam), "q"),
        "pythagoras_p": (lambda: thermoinfo.pythagoras(bad, GOOD, fam), "p"),
        "pythagoras_q": (lambda: thermoinfo.pythagoras(GOOD, bad, fam), "q"),
        "chain": (lambda: pythagoras_chain(bad, [fam]), "p"),
        "expfam": (lambda: thermoinfo.m_projection(bad, ExponentialFamily(lambda x, y: x)), "p"),
    }


@pytest.mark.parametrize("kind", sorted(BAD))
@pytest.mark.parametrize("call", sorted(_calls(GOOD)))
def test_malformed_tables_raise_naming_the_argument(kind, call):
    bad, what = BAD[kind]
    fn, name = _calls(bad)[call]
    with pytest.raises(ValueError, match=what) as info:
        fn()
    assert str(info.value).startswith(f"{name} ")


def test_mismatched_shapes_and_dims():
    with pytest.raises(ValueError, match="same shape"):
        thermoinfo.kl(GOOD, np.full(6, 1 / 6))
    with pytest.raises(ValueError, match="same shape"):
        thermoinfo.pythagoras(GOOD, np.full(6, 1 / 6), Product())
    with pytest.raises(ValueError, match="blocks: axis 4"):
        thermoinfo.m_projection(GOOD, Product([(0, 4)]))
    with pytest.raises(ValueError, match="parents: axis 3"):
        thermoinfo.m_projection(GOOD, BayesNet({3: (0,)}))
    a = xr.DataArray(GOOD, dims=("x", "y"))
    b = xr.DataArray(GOOD, dims=("x", "z"))
    with pytest.raises(ValueError, match="q has dims"):
        thermoinfo.kl(a, b)
    with pytest.raises(ValueError, match="parents: unknown axis 'w'"):
        thermoinfo.m_projection(a, BayesNet({"w": ("x",)}))
    with pytest.raises(ValueError, match="statistics has table shape"):
        thermoinfo.m_projection(GOOD, ExponentialFamily(np.ones((2, 3, 2))))
    with pytest.raises(ValueError, match="cov_q is 2x2 but the mean has 3"):
        gaussian_kl(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2))


def test_cycles_in_parents():
    with pytest.raises(ValueError, match="parents has a cycle"):
        BayesNet({0: (1,), 1: (0,)})
    with pytest.raises(ValueError, match="parents has a cycle"):
        BayesNet({0: (2,), 1: (0,), 2: (1,)})
    with pytest.raises(ValueError, match=r"parents\[1\] must be a tuple"):
        BayesNet({1: 0})


def _no_nan(fn):
    try:
        val = fn()
    except (ValueError, TypeError):
        return
    vals = np.atleast_1d(np.asarray(val, dtype=float))
    assert not np.any(np.isnan(vals))


@given(ts.malformed_tables(shape=(2, 3)), ts.distributions((2, 3)))
def test_malformed_tables_never_give_nan(bad, good):
    fam = Product()
    for fn in (lambda: thermoinfo.kl(bad, good), lambda: thermoinfo.kl(good, bad),
               lambda: thermoinfo.entropy(bad), lambda: thermoinfo.cross_entropy(good, bad),
               lambda: thermoinfo.mutual_information(bad), lambda: thermoinfo.m_projection(bad, fam),
               lambda: thermoinfo.pythagoras(bad, thermoinfo.m_projection(good, fam), fam).total,
               lambda: thermoinfo.kl(bad, good, normalize=True),
               lambda: thermoinfo.m_projection(bad, ExponentialFamily(lambda x, y: [x, y]))):
        _no_nan(fn)


_REALS = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=False)


@given(_REALS, _REALS, st.lists(_REALS, min_size=2, max_size=2), st.lists(_REALS, min_size=4, max_size=4))
def test_malformed_parameters_never_give_nan(a, b, mean, cov):
    _no_nan(lambda: poisson_kl(a, b))
    _no_nan(lambda: exponential_kl(a, b))
    _no_nan(lambda: bernoulli_kl(a, b))
    _no_nan(lambda: categorical_kl([a, b], mean))
    _no_nan(lambda: gaussian_kl(mean, np.reshape(cov, (2, 2)), [0.0, 0.0], np.eye(2)))
    _no_nan(lambda: gaussian_kl([0.0, 0.0], np.eye(2), mean, np.reshape(cov, (2, 2))))
