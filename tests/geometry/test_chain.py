"""Chains of Pythagorean decompositions over nested families."""

import numpy as np
import pytest
import xarray as xr

import thermoinfo
from thermoinfo.geometry import pythagoras_chain
from thermoinfo.geometry.families import BayesNet, ExponentialFamily, Product
from thermoinfo.testing import raises_named


def _random(shape, seed):
    p = np.random.default_rng(seed).random(shape) + 0.01
    return p / p.sum()


def _total_correlation(p):
    axes = range(p.ndim)
    return sum(thermoinfo.entropy(p.sum(axis=tuple(j for j in axes if j != i))) for i in axes) \
        - thermoinfo.entropy(p)


def test_markov_chain_terms_are_conditional_and_pairwise_informations():
    p = _random((2, 3, 2), 0)
    full = BayesNet({1: (0,), 2: (0, 1)})
    chain = BayesNet({1: (0,), 2: (1,)})
    r = pythagoras_chain(p, [full, chain, Product()])
    assert r.terms[0] == pytest.approx(0.0, abs=1e-15)
    assert r.terms[1] == pytest.approx(thermoinfo.conditional_mutual_information(p, 0, 2, 1), abs=1e-12)
    assert r.terms[2] == pytest.approx(thermoinfo.mutual_information(p, 0, 1)
                                       + thermoinfo.mutual_information(p, 1, 2), abs=1e-12)
    assert r.total == pytest.approx(_total_correlation(p), abs=1e-12)
    assert abs(r.residual) < 1e-10
    assert abs(sum(r.terms) - _total_correlation(p)) < 1e-10


def test_product_blocks_chain_splits_total_correlation():
    p = _random((2, 2, 3, 2), 1)
    fams = [Product([(0, 1, 2)]), Product([(0, 1)]), Product()]
    r = pythagoras_chain(p, fams)
    assert r.terms[0] == pytest.approx(thermoinfo.mutual_information(p, (0, 1, 2), 3), abs=1e-12)
    assert r.terms[1] == pytest.approx(thermoinfo.mutual_information(p, (0, 1), 2), abs=1e-12)
    assert r.terms[2] == pytest.approx(thermoinfo.mutual_information(p, 0, 1), abs=1e-12)
    assert abs(sum(r.terms) - _total_correlation(p)) < 1e-10
    assert abs(r.residual) < 1e-10


def test_exponential_family_chain_and_labelled_input():
    p = _random((3, 3), 2)
    big = ExponentialFamily(lambda x, y: [x, y, x * y, x**2, y**2])
    small = ExponentialFamily(lambda x, y: [x, y])
    r = pythagoras_chain(p, [big, small])
    assert abs(r.residual) < 1e-10
    assert r.total == pytest.approx(thermoinfo.kl(p, thermoinfo.m_projection(p, small)), abs=1e-12)
    lab = xr.DataArray(_random((2, 2, 2), 3), dims=("a", "b", "c"))
    out = pythagoras_chain(lab, [BayesNet({"b": ("a",), "c": ("b",)}), Product()])
    assert out.q_stars[0].dims == ("a", "b", "c")
    assert abs(out.residual) < 1e-10


def test_families_out_of_order_are_rejected():
    p = _random((2, 2), 4)
    with raises_named(ValueError, "families[1]") as check:
        pythagoras_chain(p, [Product(), BayesNet({1: (0,)})])
    assert "not nested" in str(check.value)
    with raises_named(ValueError, "families") as check:
        pythagoras_chain(p, [])
    assert "at least one" in str(check.value)
    with raises_named(TypeError, "families[1]"):
        pythagoras_chain(p, [Product(), "product"])


def test_immorality_breaks_the_identity_and_e_flat_says_so():
    # X0 -> X2 <- X1 with X0, X1 dependent under p: the family is curved
    p = np.full((2, 2, 2), 1 / 7)
    p[0, 0, 0] = 0.0
    v = BayesNet({2: (0, 1)})
    assert not v.e_flat and v.immoralities == [(0, 2, 1)]
    assert BayesNet({1: (0,), 2: (0, 1)}).e_flat
    r = thermoinfo.pythagoras(p, np.full((2, 2, 2), 1 / 8), v)
    assert abs(r.residual) > 1e-3
    q_star = r.q_star
    # m-projection is still exact: p(x0) p(x1) p(x2 | x0, x1)
    p0, p1 = p.sum(axis=(1, 2)), p.sum(axis=(0, 2))
    cond = p / p.sum(axis=2, keepdims=True)
    np.testing.assert_allclose(q_star, p0[:, None, None] * p1[None, :, None] * cond, atol=1e-15)
