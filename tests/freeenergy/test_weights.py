"""Weights at a temperature: dF/dsigma = S (finite differences and the exact
identity), d2F/dsigma2 = -Var(E)/sigma^3, the variational principle, the
sigma -> 0 limit, and the weighted family of encoders."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thermoinfo.freeenergy import solve, sweep
from thermoinfo.freeenergy.weights import gibbs_weights, tempered
from thermoinfo.testing import raises_named
from thermoinfo.testing import strategies as ts

ENERGIES = np.array([1.3, 0.4, 2.2, 0.45, 3.0])
PRIOR = np.array([0.1, 0.2, 0.3, 0.25, 0.15])


@pytest.mark.parametrize("sigma", [0.05, 0.3, 1.0, 4.0])
def test_dF_dsigma_is_S(sigma):
    g = gibbs_weights(ENERGIES, sigma, PRIOR)
    h = 1e-4 * sigma
    f = [gibbs_weights(ENERGIES, sigma + k * h, PRIOR).F for k in (-2, -1, 1, 2)]
    dF = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h)
    assert dF == pytest.approx(g.S, abs=1e-8)
    # exact: S = (F - <E>)/sigma, and F = <E> + sigma S = -sigma log Z
    log_z = np.log(np.sum(PRIOR * np.exp(-ENERGIES / sigma)))
    assert g.F == pytest.approx(-sigma * log_z, abs=1e-12)
    assert g.S == pytest.approx((g.F - g.energy) / sigma, abs=1e-12)
    assert g.F == pytest.approx(g.energy + sigma * g.S, abs=1e-12)
    s = [gibbs_weights(ENERGIES, sigma + k * h, PRIOR).S for k in (-2, -1, 1, 2)]
    dS = (s[0] - 8 * s[1] + 8 * s[2] - s[3]) / (12 * h)
    w = g.weights
    var = np.sum(w * ENERGIES**2) - np.sum(w * ENERGIES) ** 2
    assert g.dS_dsigma == pytest.approx(-var / sigma**3, rel=1e-10)
    assert dS == pytest.approx(g.dS_dsigma, rel=1e-6, abs=1e-8)


def test_sigma_to_zero_limit():
    zero = gibbs_weights(ENERGIES, 0.0, PRIOR)
    assert zero.F == ENERGIES.min()
    np.testing.assert_array_equal(zero.weights, np.eye(5)[1])
    assert zero.S == pytest.approx(-np.log(PRIOR[1]))
    # F(sigma) = E_min - sigma log q(argmin) + O(exp(-gap/sigma))
    for sigma in (1e-3, 1e-4):
        g = gibbs_weights(ENERGIES, sigma, PRIOR)
        assert g.F == pytest.approx(ENERGIES.min() - sigma * np.log(PRIOR[1]), abs=1e-12)
        np.testing.assert_allclose(g.weights, zero.weights, atol=1e-12)
    # degenerate minimizers share the weight in proportion to the prior
    tie = gibbs_weights([0.0, 0.0, 1.0], 0.0, [0.2, 0.6, 0.2])
    np.testing.assert_allclose(tie.weights, [0.25, 0.75, 0.0])


@settings(max_examples=30)
@given(ts.distributions((4,), positive=True), ts.distributions((4,), positive=True),
       st.floats(0.01, 10.0))
def test_gibbs_weights_minimize_the_variational_free_energy(p, q, sigma):
    energies = np.array([0.3, 1.1, -0.4, 2.0])
    g = gibbs_weights(energies, sigma, q)
    trial = float(p @ energies + sigma * np.sum(p * np.log(p / q)))
    assert g.F <= trial + 1e-12


def test_weighted_family_of_encoders_and_its_surface():
    p = np.random.default_rng(4).random((4, 2))
    p /= p.sum()
    family = [solve(p, 0.0, g, 3, rng=0).encoder for g in (2.0, 6.0, 20.0)] + [np.full((4, 3), 1 / 3)]
    t = tempered(p, family, lam=0.2, gamma=5.0, sigma=0.5)
    assert t.J == pytest.approx(t.F, abs=1e-12)
    assert t.weights.sum() == pytest.approx(1.0)
    ds = sweep(p, lam=[0.0, 0.2], gamma=[5.0], sigma=0.5 + 1e-3 * np.arange(-2, 3), family=family)
    assert dict(ds.sizes) == {"lam": 2, "gamma": 1, "sigma": 5}
    assert ds.F.sel(lam=0.2, gamma=5.0, sigma=0.5).item() == pytest.approx(t.F, abs=1e-12)
    f = ds.F.values[1, 0]
    dF = (f[0] - 8 * f[1] + 8 * f[3] - f[4]) / (12 * 1e-3)
    assert dF == pytest.approx(ds.S.values[1, 0, 2], abs=1e-8)
    for name in ("R", "D", "C", "S", "J", "F"):
        assert ds[name].attrs["units"] == "nat"


@pytest.mark.parametrize("sigma", [-1.0, np.nan])
def test_bad_sigma(sigma):
    with raises_named(ValueError, "sigma"):
        gibbs_weights(ENERGIES, sigma)
    with raises_named(ValueError, "prior"):
        gibbs_weights(ENERGIES, 1.0, [0.5, 0.5])
