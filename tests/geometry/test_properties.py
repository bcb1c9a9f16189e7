"""Property tests (hypothesis): divergence inequalities, Pythagoras, m-projection optimality."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import thermoinfo
from thermoinfo import ConvergenceWarning
from thermoinfo.testing import strategies as ts

SHAPES = ts.shapes(min_dims=2, max_dims=3, max_side=3)


@st.composite
def _pairs(draw):
    shape = draw(ts.shapes(max_dims=3, max_side=4))
    return draw(ts.distributions(shape)), draw(ts.distributions(shape))


@given(_pairs())
def test_kl_nonnegative_zero_iff_equal(pq):
    p, q = pq
    d = thermoinfo.kl(p, q)
    assert d >= 0 and not np.isnan(d)
    assert thermoinfo.kl(p, p) == 0.0
    # Pinsker: D >= |p - q|_1^2 / 2, so D = 0 forces p = q
    assert d >= 0.5 * np.abs(p - q).sum() ** 2 - 1e-12


@given(st.data())
def test_data_processing_inequality(data):
    n = data.draw(st.integers(2, 5))
    p = data.draw(ts.distributions((n,)))
    q = data.draw(ts.distributions((n,)))
    T = data.draw(ts.stochastic_matrices(n))
    assert thermoinfo.kl(p @ T, q @ T, normalize=True) <= thermoinfo.kl(p, q) + 1e-12
    joint = p[:, None] * T
    assert thermoinfo.mutual_information(joint) <= thermoinfo.entropy(p) + 1e-12


@st.composite
def _family_case(draw):
    shape = draw(SHAPES)
    fam = draw(ts.families(len(shape), shape))
    p = draw(ts.distributions(shape))
    q = draw(ts.family_members(fam, shape))
    return p, q, fam


@settings(max_examples=40)
@given(_family_case())
def test_pythagorean_identity_for_random_families(case):
    p, q, fam = case
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        r = thermoinfo.pythagoras(p, q, fam, atol=1e-8)
    assert np.isfinite(r.total)
    assert abs(r.residual) < 1e-10 * max(1.0, r.total)


@settings(max_examples=40)
@given(_family_case(), st.data())
def test_m_projection_is_the_minimizer(case, data):
    p, _, fam = case
    q_star = thermoinfo.m_projection(p, fam)
    best = thermoinfo.kl(p, q_star)
    for _ in range(3):
        r = data.draw(ts.family_members(fam, p.shape))
        assert best <= thermoinfo.kl(p, r) + 1e-12


@settings(max_examples=30)
@given(st.data())
def test_total_correlation_is_the_sum_of_chain_terms(data):
    shape = data.draw(ts.shapes(min_dims=3, max_dims=3, max_side=3))
    p = data.draw(ts.distributions(shape))
    parents = data.draw(ts.dags(3, perfect=True))
    r = thermoinfo.geometry.pythagoras_chain(p, [thermoinfo.families.BayesNet(parents),
                                                 thermoinfo.families.Product()])
    tc = sum(thermoinfo.entropy(thermoinfo.marginal(p, i)) for i in range(3)) - thermoinfo.entropy(p)
    assert abs(sum(r.terms) - tc) < 1e-10
    assert abs(r.residual) < 1e-10


@settings(max_examples=30)
@given(st.data())
def test_bayesnet_e_flatness_decides_pythagoras(data):
    shape = data.draw(ts.shapes(min_dims=3, max_dims=3, max_side=3))
    net = thermoinfo.families.BayesNet(data.draw(ts.dags(3)))
    p = data.draw(ts.distributions(shape, positive=True))
    q = data.draw(ts.family_members(net, shape))
    r = thermoinfo.pythagoras(p, q, net)
    if net.e_flat:
        assert abs(r.residual) < 1e-10 * max(1.0, r.total)
    # always: the m-projection beats q, so D(p||q) >= D(p||q*)
    assert r.total >= r.projection - 1e-12


@settings(max_examples=20)
@given(st.data())
def test_e_projection_is_in_the_family_and_beats_random_members(data):
    shape = data.draw(ts.shapes(min_dims=2, max_dims=3, max_side=3))
    fam = data.draw(ts.families(len(shape)))
    q = data.draw(ts.distributions(shape, positive=True))
    r = thermoinfo.e_projection(q, fam, rng=0)
    assert fam.contains(r, atol=1e-8)
    best = thermoinfo.kl(r, q)
    for _ in range(3):
        m = data.draw(ts.family_members(fam, shape))
        assert best <= thermoinfo.kl(m, q) + 1e-10
