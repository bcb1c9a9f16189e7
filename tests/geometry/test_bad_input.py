"""Bad input raises DistributionError (a ValueError) or TypeError whose message starts
with the argument's name; malformed input never yields NaN or a silent answer."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.special import expit, rel_entr, softmax

import thermoinfo
from thermoinfo._errors import DistributionError
from thermoinfo.geometry import e_projection, pythagoras_chain
from thermoinfo.geometry.expfamily import bernoulli_kl, bregman_kl, categorical_kl, exponential_kl, poisson_kl
from thermoinfo.geometry.families import BayesNet, ExponentialFamily, Product
from thermoinfo.geometry.gaussian import gaussian_entropy, gaussian_kl, gaussian_mutual_information
from thermoinfo.testing import raises_named
from thermoinfo.testing import strategies as ts

GOOD = np.full((2, 3), 1 / 6)

# every malformed kind of a (2, 3) table: (value, error class)
BAD = {
    "negative": (np.array([[0.5, -0.1, 0.1], [0.2, 0.2, 0.1]]), DistributionError),
    "nan": (np.array([[0.5, np.nan, 0.1], [0.2, 0.1, 0.1]]), DistributionError),
    "+inf": (np.array([[0.5, np.inf, 0.1], [0.2, 0.1, 0.1]]), DistributionError),
    "-inf": (np.array([[0.5, -np.inf, 0.1], [0.2, 0.1, 0.1]]), DistributionError),
    "all_zero": (np.zeros((2, 3)), DistributionError),
    "wrong_sum": (np.full((2, 3), 0.2), DistributionError),
    "empty": (np.zeros((0, 3)), DistributionError),
    "strings": ([["a", "b", "c"], ["d", "e", "f"]], TypeError),
    "a string": ("p", TypeError),
    "None": (None, TypeError),
    "ragged": ([[0.5, 0.5], [0.0]], TypeError),
    "complex": (np.full((2, 3), 1 / 6) + 0j, TypeError),
}


def _calls():
    fam = Product()
    return {
        "kl p": (lambda b: thermoinfo.kl(b, GOOD), "p"),
        "kl q": (lambda b: thermoinfo.kl(GOOD, b), "q"),
        "kl p normalize": (lambda b: thermoinfo.kl(b, GOOD, normalize=True), "p"),
        "entropy": (lambda b: thermoinfo.entropy(b), "p"),
        "cross_entropy p": (lambda b: thermoinfo.cross_entropy(b, GOOD), "p"),
        "cross_entropy q": (lambda b: thermoinfo.cross_entropy(GOOD, b), "q"),
        "mutual_information": (lambda b: thermoinfo.mutual_information(b), "p_xy"),
        "mutual_information axes": (lambda b: thermoinfo.mutual_information(b, 0, 1), "p_xy"),
        "conditional_entropy": (lambda b: thermoinfo.geometry.conditional_entropy(b, 0, 1), "p"),
        "marginal": (lambda b: thermoinfo.marginal(b, 0), "p"),
        "m_projection": (lambda b: thermoinfo.m_projection(b, fam), "p"),
        "m_projection bayesnet": (lambda b: thermoinfo.m_projection(b, BayesNet({1: (0,)})), "p"),
        "m_projection expfamily": (lambda b: thermoinfo.m_projection(b, ExponentialFamily(lambda x, y: x)),
                                   "p"),
        "e_projection": (lambda b: e_projection(b, fam), "q"),
        "pythagoras p": (lambda b: thermoinfo.pythagoras(b, GOOD, fam), "p"),
        "pythagoras q": (lambda b: thermoinfo.pythagoras(GOOD, b, fam), "q"),
        "pythagoras_chain": (lambda b: pythagoras_chain(b, [fam]), "p"),
    }


def _raises(fn, error, name):
    with raises_named(error, name):
        fn()


@pytest.mark.parametrize("call, kind", [(c, k) for c in sorted(_calls()) for k in sorted(BAD)
                                        # normalize=True rescales a table with the wrong sum
                                        if (c, k) != ("kl p normalize", "wrong_sum")])
def test_malformed_tables_raise_naming_the_argument(call, kind):
    fn, name = _calls()[call]
    bad, error = BAD[kind]
    _raises(lambda: fn(bad), error, name)


WRONG_SHAPE = {"transposed": np.full((3, 2), 1 / 6), "flat": np.full(6, 1 / 6),
               "extra axis": np.full((1, 2, 3), 1 / 6)}


@pytest.mark.parametrize("shape", sorted(WRONG_SHAPE))
@pytest.mark.parametrize("call", ["kl q", "cross_entropy q", "pythagoras q"])
def test_a_second_table_of_the_wrong_shape_is_named(call, shape):
    fn, name = _calls()[call]
    _raises(lambda: fn(WRONG_SHAPE[shape]), ValueError, name)


@pytest.mark.parametrize("table", [np.full(4, 0.25), np.full((2, 2, 2), 0.125)])
def test_mutual_information_needs_a_2d_table_or_named_axes(table):
    _raises(lambda: thermoinfo.mutual_information(table), ValueError, "p_xy")
    _raises(lambda: thermoinfo.mutual_information(np.full((2, 2), 0.25), x=0), ValueError, "y")


def test_mismatched_families_and_dims():
    _raises(lambda: thermoinfo.m_projection(GOOD, Product([(0, 4)])), ValueError, "blocks")
    _raises(lambda: thermoinfo.m_projection(GOOD, BayesNet({3: (0,)})), ValueError, "parents")
    a = xr.DataArray(GOOD, dims=("x", "y"))
    b = xr.DataArray(GOOD, dims=("x", "z"))
    _raises(lambda: thermoinfo.kl(a, b), ValueError, "q")
    _raises(lambda: thermoinfo.m_projection(a, BayesNet({"w": ("x",)})), ValueError, "parents")
    _raises(lambda: thermoinfo.m_projection(GOOD, ExponentialFamily(np.ones((2, 3, 2)))), ValueError,
            "statistics")
    _raises(lambda: thermoinfo.m_projection(GOOD, "product"), TypeError, "family")
    _raises(lambda: gaussian_kl(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2)), ValueError, "cov_q")


def test_cycles_in_parents():
    for parents in ({0: (1,), 1: (0,)}, {0: (2,), 1: (0,), 2: (1,)}, {0: (0,)}):
        _raises(lambda parents=parents: BayesNet(parents), ValueError, "parents")
    _raises(lambda: BayesNet({1: 0}), ValueError, "parents[1]")
    _raises(lambda: BayesNet([(0, 1)]), TypeError, "parents")


# ------------------------------------------------------------------ property tests

_TABLE_CALLS = {
    "kl p": (lambda bad, good: thermoinfo.kl(bad, good), "p"),
    "kl q": (lambda bad, good: thermoinfo.kl(good, bad), "q"),
    "entropy": (lambda bad, good: thermoinfo.entropy(bad), "p"),
    "cross_entropy q": (lambda bad, good: thermoinfo.cross_entropy(good, bad), "q"),
    "mutual_information": (lambda bad, good: thermoinfo.mutual_information(bad), "p_xy"),
    "m_projection": (lambda bad, good: thermoinfo.m_projection(bad, Product()), "p"),
    "m_projection expfamily": (lambda bad, good: thermoinfo.m_projection(
        bad, ExponentialFamily(lambda x, y: [x, y])), "p"),
    "pythagoras p": (lambda bad, good: thermoinfo.pythagoras(bad, np.outer(good.sum(1), good.sum(0)),
                                                             Product()), "p"),
}


@pytest.mark.parametrize("kind", ts.MALFORMED_KINDS)
@settings(max_examples=25)
@given(data=st.data())
def test_every_malformed_table_raises_for_every_call(kind, data):
    bad = data.draw(ts.malformed_tables(shape=(2, 3), kinds=[kind]))
    good = data.draw(ts.distributions((2, 3), positive=True))
    for fn, name in _TABLE_CALLS.values():
        _raises(lambda fn=fn: fn(bad, good), DistributionError, name)


def _kl_reference(p, q):
    """sum p log(p/q) with 0 log 0 = 0 and inf where p > 0 = q, by explicit cases."""
    total = 0.0
    for a, b in zip(np.ravel(p), np.ravel(q)):
        if a > 0 and b == 0:
            return np.inf
        if a > 0:
            total += a * (np.log(a) - np.log(b))
    return total


@pytest.mark.parametrize("kind", ts.MALFORMED_KINDS)
@settings(max_examples=25)
@given(data=st.data())
def test_normalize_repairs_the_sum_and_nothing_else(kind, data):
    bad = data.draw(ts.malformed_tables(shape=(2, 3), kinds=[kind]))
    good = data.draw(ts.distributions((2, 3)))
    if kind == "wrong_sum":
        ref = _kl_reference(bad / bad.sum(), good)
        got = thermoinfo.kl(bad, good, normalize=True)
        assert got == ref if np.isinf(ref) else abs(got - ref) <= 1e-12 * max(1.0, ref)
    else:
        _raises(lambda: thermoinfo.kl(bad, good, normalize=True), DistributionError, "p")
        _raises(lambda: thermoinfo.kl(good, bad, normalize=True), DistributionError, "q")


# scalars of every kind: moderate values, zero, negative, NaN and infinities
_SCALARS = st.one_of(st.floats(1e-3, 1e3), st.just(0.0), st.floats(-1e3, -1e-3), st.just(np.nan),
                     st.just(np.inf), st.just(-np.inf))


def _close(got, ref):
    if np.isinf(ref):
        return got == ref
    return abs(got - ref) <= 1e-9 * max(1.0, abs(ref))


@given(_SCALARS, _SCALARS)
def test_poisson_kl_answers_exactly_or_refuses(a, b):
    if not (np.isfinite(a) and a >= 0):
        _raises(lambda: poisson_kl(a, b), ValueError, "rate_p")
    elif not (np.isfinite(b) and b >= 0):
        _raises(lambda: poisson_kl(a, b), ValueError, "rate_q")
    else:  # D = a log(a/b) - a + b (0 log 0 = 0; a point mass at 0 for a rate 0)
        assert _close(poisson_kl(a, b), float(rel_entr(a, b)) - a + b)


@given(_SCALARS, _SCALARS)
def test_exponential_kl_answers_exactly_or_refuses(a, b):
    if not (np.isfinite(a) and a > 0):
        _raises(lambda: exponential_kl(a, b), ValueError, "rate_p")
    elif not (np.isfinite(b) and b > 0):
        _raises(lambda: exponential_kl(a, b), ValueError, "rate_q")
    else:  # cross entropy -log b + b E_p[x] minus the entropy, from scipy
        p = stats.expon(scale=1 / a)
        assert _close(exponential_kl(a, b), -np.log(b) + b * p.mean() - p.entropy())


_LOGITS = st.one_of(st.floats(-20, 20), st.just(np.nan), st.just(np.inf), st.just(-np.inf))


@given(_LOGITS, _LOGITS)
def test_bernoulli_kl_answers_exactly_or_refuses(a, b):
    if np.isnan(a):
        _raises(lambda: bernoulli_kl(a, b), ValueError, "theta_p")
    elif np.isnan(b):
        _raises(lambda: bernoulli_kl(a, b), ValueError, "theta_q")
    else:
        p, q = expit(a), expit(b)
        ref = float(rel_entr(p, q) + rel_entr(1 - p, 1 - q))
        got = bernoulli_kl(a, b)
        assert got == ref if np.isinf(ref) else abs(got - ref) <= 1e-7 * max(1.0, ref) + 1e-9


@given(st.lists(_LOGITS, min_size=3, max_size=3), st.lists(_LOGITS, min_size=3, max_size=3))
def test_categorical_kl_answers_exactly_or_refuses(a, b):
    def bad(t):
        return any(np.isnan(t)) or np.inf in t or all(x == -np.inf for x in t)

    if bad(a):
        _raises(lambda: categorical_kl(a, b), ValueError, "theta_p")
    elif bad(b):
        _raises(lambda: categorical_kl(a, b), ValueError, "theta_q")
    else:
        ref = _kl_reference(softmax(a), softmax(b))
        got = categorical_kl(a, b)
        assert got == ref if np.isinf(ref) else abs(got - ref) <= 1e-9 * max(1.0, ref)


def _gaussian_kl_reference(mp, sp, mq, sq):
    inv = np.linalg.inv(sq)
    d = mq - mp
    return 0.5 * (np.trace(inv @ sp) + d @ inv @ d - len(mp) + np.linalg.slogdet(sq)[1]
                  - np.linalg.slogdet(sp)[1])


_COV_DEFECTS = {
    "nan": (lambda c: np.where(np.eye(2, dtype=bool), c, np.nan), ValueError),
    "+inf": (lambda c: c + np.diag([np.inf, 0.0]), ValueError),
    "-inf": (lambda c: c - np.diag([np.inf, 0.0]), ValueError),
    "asymmetric": (lambda c: c + np.array([[0.0, 0.5], [0.0, 0.0]]), ValueError),
    "negative definite": (lambda c: -c, ValueError),
    "singular": (lambda c: np.ones((2, 2)), ValueError),
    "wrong shape": (lambda c: np.eye(3), ValueError),
    "not square": (lambda c: np.ones((2, 3)), ValueError),
    "strings": (lambda c: [["a", "b"], ["c", "d"]], TypeError),
}


@pytest.mark.parametrize("kind", sorted(_COV_DEFECTS))
@settings(max_examples=15)
@given(data=st.data())
def test_gaussian_divergences_refuse_every_malformed_covariance(kind, data):
    (mp, sp), (mq, sq) = data.draw(ts.gaussians(2)), data.draw(ts.gaussians(2))
    defect, error = _COV_DEFECTS[kind]
    bad = defect(sp)
    _raises(lambda: gaussian_kl(mp, bad, mq, sq), error, "cov_p")
    _raises(lambda: gaussian_kl(mp, sp, mq, bad), error, "cov_q")
    if kind != "wrong shape":  # a 3x3 covariance is wrong only beside 2-D means
        _raises(lambda: gaussian_entropy(bad), error, "cov")
    if kind not in ("wrong shape", "not square"):
        _raises(lambda: gaussian_mutual_information(bad, 0, 1), error, "cov")
    # the valid pair answers the closed form
    assert abs(gaussian_kl(mp, sp, mq, sq) - _gaussian_kl_reference(mp, sp, mq, sq)) < 1e-9


@pytest.mark.parametrize("mean, error", [([np.nan, 0.0], ValueError), ([np.inf, 0.0], ValueError),
                                         ([0.0, -np.inf], ValueError), ([[0.0, 0.0]], ValueError),
                                         (["a", "b"], TypeError), ([0.0, 0.0, 0.0], ValueError)])
def test_gaussian_kl_refuses_malformed_means(mean, error):
    # when the two means disagree in length, the second is named
    first = "mean_q" if np.shape(mean) == (3,) else "mean_p"
    _raises(lambda: gaussian_kl(mean, np.eye(2), [0.0, 0.0], np.eye(2)), error, first)
    _raises(lambda: gaussian_kl([0.0, 0.0], np.eye(2), mean, np.eye(2)), error, "mean_q")


def _exp_a(t):
    return float(np.sum(np.exp(t)))


PARAMETER_CALLS = {
    "gaussian_kl mean_p": (lambda bad: gaussian_kl(bad, np.eye(2), [0.0, 0.0], np.eye(2)), "mean_p"),
    "gaussian_kl cov_q": (lambda bad: gaussian_kl([0.0, 0.0], np.eye(2), [0.0, 0.0], bad), "cov_q"),
    "gaussian_entropy": (lambda bad: gaussian_entropy(bad), "cov"),
    "bernoulli_kl": (lambda bad: bernoulli_kl(bad, 0.0), "theta_p"),
    "categorical_kl": (lambda bad: categorical_kl([0.0, 0.0], bad), "theta_q"),
    "poisson_kl": (lambda bad: poisson_kl(1.0, bad), "rate_q"),
    "exponential_kl": (lambda bad: exponential_kl(bad, 1.0), "rate_p"),
    "bregman_kl": (lambda bad: bregman_kl(_exp_a, bad, [0.0, 0.0]), "theta_p"),
}
NOT_REAL = {
    "complex array": lambda call: np.eye(2) * (1 + 1j) if "cov" in call else np.array([1j, 0.0]),
    "complex scalar": lambda call: 1j,
    "string": lambda call: "1.0",
    "strings": lambda call: [["a", "b"], ["c", "d"]] if "cov" in call else ["a", "b"],
    "None": lambda call: None,
}


@pytest.mark.parametrize("kind", sorted(NOT_REAL))
@pytest.mark.parametrize("call", sorted(PARAMETER_CALLS))
def test_parameters_that_are_not_real_numbers_raise_type_errors(call, kind):
    fn, name = PARAMETER_CALLS[call]
    _raises(lambda: fn(NOT_REAL[kind](call)), TypeError, name)


def test_bregman_kl_names_a_log_partition_that_returns_no_number_and_lengths_that_disagree():
    _raises(lambda: bregman_kl(lambda t: "x", [1.0], [0.0]), TypeError, "log_partition")
    _raises(lambda: bregman_kl(lambda t: np.ones(2), [1.0], [0.0]), ValueError, "log_partition")
    _raises(lambda: bregman_kl(_exp_a, [1.0], [0.0, 1.0]), ValueError, "theta_q")
    _raises(lambda: categorical_kl([0.0, 0.0], [0.0, 0.0, 0.0]), ValueError, "theta_q")
