"""Exact references for the core divergences, families and projections."""

import numpy as np
import pytest
import xarray as xr

import thermoinfo
from thermoinfo.geometry.families import BayesNet, Product
from thermoinfo.testing import raises_named


def test_kl_closed_form_bernoulli():
    a, b = 0.3, 0.8
    expected = a * np.log(a / b) + (1 - a) * np.log((1 - a) / (1 - b))
    assert thermoinfo.kl([a, 1 - a], [b, 1 - b]) == pytest.approx(expected, abs=1e-15)
    assert thermoinfo.kl([a, 1 - a], [b, 1 - b], base=2) == pytest.approx(expected / np.log(2))


def test_kl_support_mismatch_is_inf_not_nan():
    assert thermoinfo.kl([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert thermoinfo.kl([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.log(2))


def test_mutual_information_of_copy_and_independent():
    assert thermoinfo.mutual_information(np.eye(3) / 3) == pytest.approx(np.log(3))
    assert thermoinfo.mutual_information(np.full((3, 2), 1 / 6)) == pytest.approx(0.0, abs=1e-15)


def test_conditional_quantities_on_xor():
    # Z = X xor Y, X, Y fair and independent: I(X;Y) = 0, I(X;Y|Z) = log 2
    p = np.zeros((2, 2, 2))
    for x in range(2):
        for y in range(2):
            p[x, y, x ^ y] = 0.25
    assert thermoinfo.mutual_information(p, 0, 1) == pytest.approx(0.0, abs=1e-15)
    assert thermoinfo.conditional_mutual_information(p, 0, 1, 2) == pytest.approx(np.log(2))
    assert thermoinfo.conditional_entropy(p, 2, (0, 1)) == pytest.approx(0.0, abs=1e-15)


def test_bayesnet_projection_keeps_conditionals_and_matches_brute_force():
    rng = np.random.default_rng(1)
    p = rng.random((2, 3, 2))
    p /= p.sum()
    chain = BayesNet({1: (0,), 2: (1,)})
    q = thermoinfo.m_projection(p, chain)
    p01 = p.sum(axis=2)
    p12 = p.sum(axis=0)
    expected = p01[:, :, None] * (p12 / p12.sum(axis=1, keepdims=True))[None, :, :]
    np.testing.assert_allclose(q, expected, atol=1e-15)


def test_product_projection_of_labelled_table_keeps_dims():
    p = xr.DataArray([[0.3, 0.2], [0.1, 0.4]], dims=("x", "y"))
    q = thermoinfo.m_projection(p, Product())
    assert q.dims == ("x", "y")
    np.testing.assert_allclose(q.values, np.outer([0.5, 0.5], [0.4, 0.6]))
    q_named = thermoinfo.m_projection(p, BayesNet({"y": ("x",)}))
    np.testing.assert_allclose(q_named.values, p.values)


def test_pythagoras_terms_product_family():
    p = np.array([[0.3, 0.2], [0.1, 0.4]])
    q = np.outer([0.6, 0.4], [0.3, 0.7])
    r = thermoinfo.pythagoras(p, q, Product())
    assert r.total == pytest.approx(thermoinfo.kl(p, q))
    assert r.projection == pytest.approx(thermoinfo.mutual_information(p))
    assert abs(r.residual) < 1e-14
    with raises_named(ValueError, "q") as check:
        thermoinfo.pythagoras(p, p, Product())
    assert "does not lie in the family" in str(check.value)


def test_cycle_in_parents_is_rejected():
    with raises_named(ValueError, "parents") as check:
        BayesNet({0: (1,), 1: (2,), 2: (0,)})
    assert "cycle" in str(check.value)
    with raises_named(ValueError, "parents") as check:
        BayesNet({0: (0,)})
    assert "its own parent" in str(check.value)


@pytest.mark.parametrize(
    "bad, match",
    [([0.5, -0.1, 0.6], "negative"), ([0.5, np.nan, 0.5], "non-finite"), ([0.5, 0.4], "sum to 1")],
)
def test_bad_distributions_name_the_argument(bad, match):
    with raises_named(ValueError, "p") as check:
        thermoinfo.kl(bad, [1 / len(bad)] * len(bad))
    assert match in str(check.value)


def test_kl_with_a_subnormal_q_is_exact():
    q0 = np.float64(1e-320)  # subnormal: 1 / q0 overflows float64
    assert thermoinfo.kl([1.0, 0.0], [q0, 1.0 - q0]) == pytest.approx(-np.log(q0), rel=1e-14)
    assert thermoinfo.kl([0.5, 0.5], [q0, 1.0 - q0]) == pytest.approx(
        0.5 * (np.log(0.5) - np.log(q0)) + 0.5 * np.log(0.5 / (1.0 - q0)), rel=1e-14)
    # a genuine support mismatch stays inf
    assert thermoinfo.kl([0.5, 0.5], [1.0, 0.0]) == np.inf
