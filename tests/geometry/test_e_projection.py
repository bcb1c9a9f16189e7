"""e-projection argmin_r D(r||q) against scipy brute-force minimization over the family."""

import numpy as np
import pytest
import xarray as xr
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

import thermoinfo
from thermoinfo.geometry import e_projection
from thermoinfo.geometry.families import BayesNet, ExponentialFamily, Product
from thermoinfo.testing import raises_named


def _random(shape, seed):
    p = np.random.default_rng(seed).random(shape) + 0.05
    return p / p.sum()


def _brute(objective, n, seed, n_starts=8):
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(n_starts):
        res = minimize(objective, rng.normal(size=n), method="BFGS", options={"gtol": 1e-10})
        if best is None or res.fun < best.fun:
            best = res
    return best


def test_product_mean_field_matches_brute_force():
    q = _random((3, 2, 2), 0)

    def member(z):
        return (softmax(z[:3])[:, None, None] * softmax(z[3:5])[None, :, None]
                * softmax(z[5:7])[None, None, :])

    best = _brute(lambda z: thermoinfo.kl(member(z), q), 7, 1)
    r = e_projection(q, Product(), rng=0)
    assert thermoinfo.kl(r, q) <= best.fun + 1e-12
    np.testing.assert_allclose(r, member(best.x), atol=1e-5)
    # mean-field fixed point: r_0(x) proportional to exp(E_{r_1 r_2}[log q(x, .)])
    r0, r12 = r.sum(axis=(1, 2)), r.sum(axis=0)
    field = np.exp(np.sum(r12 * np.log(q), axis=(1, 2)))
    np.testing.assert_allclose(r0, field / field.sum(), atol=1e-10)


def test_bimodal_mean_field_leaves_the_symmetric_saddle():
    q = np.array([[0.45, 0.05], [0.05, 0.45]])
    r = e_projection(q, Product(), rng=1)
    best = _brute(lambda z: thermoinfo.kl(np.outer(softmax(z[:2]), softmax(z[2:])), q), 4, 2)
    assert thermoinfo.kl(r, q) == pytest.approx(best.fun, abs=1e-10)
    assert thermoinfo.kl(r, q) < thermoinfo.kl(np.full((2, 2), 0.25), q) - 1e-3


def test_bayesnet_coordinate_scheme_matches_brute_force():
    q = _random((2, 2, 3), 3)
    net = BayesNet({1: (0,), 2: (0, 1)})  # complete DAG: r* = q
    np.testing.assert_allclose(e_projection(q, net, rng=0), q, atol=1e-10)
    chain = BayesNet({1: (0,), 2: (1,)})

    def member(z):
        a = softmax(z[:2])
        b = softmax(z[2:6].reshape(2, 2), axis=1)
        c = softmax(z[6:12].reshape(2, 3), axis=1)
        return a[:, None, None] * b[:, :, None] * c[None, :, :]

    best = _brute(lambda z: thermoinfo.kl(member(z), q), 12, 4)
    r = e_projection(q, chain, rng=0)
    assert chain.contains(r)
    assert thermoinfo.kl(r, q) <= best.fun + 1e-12
    np.testing.assert_allclose(r, member(best.x), atol=1e-5)


def test_exponential_family_matches_brute_force_and_product():
    q = _random((3, 3), 5)
    i, j = np.indices((3, 3))
    stats = np.stack([i, j, i * j]).astype(float)
    fam = ExponentialFamily(stats)
    T = stats.reshape(3, -1)
    lq = np.log(q.reshape(-1))

    def objective(theta):
        lr = theta @ T - logsumexp(theta @ T)
        return float(np.exp(lr) @ (lr - lq))

    best = _brute(objective, 3, 6)
    r = e_projection(q, fam, rng=0)
    assert thermoinfo.kl(r, q) <= best.fun + 1e-12
    np.testing.assert_allclose(r, fam.member(best.x), atol=1e-6)
    clique = ExponentialFamily.from_cliques((3, 3), [(0,), (1,)])
    np.testing.assert_allclose(e_projection(q, clique, rng=0), e_projection(q, Product(), rng=0), atol=1e-7)


def test_member_is_its_own_e_projection_and_zeros_are_handled():
    q = np.outer([0.2, 0.8], [0.5, 0.3, 0.2])
    np.testing.assert_allclose(e_projection(q, Product(), rng=0), q, atol=1e-12)
    z = np.array([[0.5, 0.0], [0.2, 0.3]])
    r = e_projection(z, Product(), rng=0)
    assert np.isfinite(thermoinfo.kl(r, z))
    assert r[0, 1] == 0.0
    with raises_named(ValueError, "q") as check:
        e_projection(z, ExponentialFamily(lambda x, y: [x, y]))
    assert "e-projection is undefined" in str(check.value)


def test_labelled_input_keeps_dims_and_matches_names():
    q = xr.DataArray(_random((2, 3, 2), 7), dims=("a", "b", "c"))
    net = BayesNet({"b": ("a",), "c": ("b",)})
    r = e_projection(q, net, rng=0)
    assert r.dims == ("a", "b", "c")
    np.testing.assert_allclose(r.values, e_projection(q.values, BayesNet({1: (0,), 2: (1,)}), rng=0),
                               atol=1e-12)
