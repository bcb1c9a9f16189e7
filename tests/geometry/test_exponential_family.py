"""ExponentialFamily: moment matching, agreement with Product/BayesNet, scipy brute force."""

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

import thermoinfo
from thermoinfo import ConvergenceWarning
from thermoinfo.geometry.families import BayesNet, ExponentialFamily, Product
from thermoinfo.testing import raises_named


def _random(shape, seed, zeros=0):
    rng = np.random.default_rng(seed)
    p = rng.random(shape) + 0.05
    if zeros:
        p.reshape(-1)[rng.choice(p.size, zeros, replace=False)] = 0.0
    return p / p.sum()


@pytest.mark.parametrize("method", ["newton", "scaling"])
def test_moments_match_to_1e_12(method):
    p = _random((3, 4), 0)
    stats = np.stack([np.indices((3, 4))[0], np.indices((3, 4))[1] ** 2,
                      np.cos(np.arange(12.0)).reshape(3, 4)])
    fam = ExponentialFamily(stats, method=method)
    q = thermoinfo.m_projection(p, fam)
    moments = np.tensordot(stats, q, axes=2)
    np.testing.assert_allclose(moments, np.tensordot(stats, p, axes=2), atol=1e-12, rtol=0)
    assert q.sum() == pytest.approx(1.0, abs=1e-14)
    # q is a member: log q is affine in the statistics
    design = np.column_stack([stats.reshape(3, -1).T, np.ones(12)])
    resid = np.linalg.lstsq(design, np.log(q).reshape(-1), rcond=None)[1]
    assert float(resid[0]) < 1e-20


def test_callable_statistics_and_base_measure():
    p = _random((3, 3), 1)
    fam = ExponentialFamily(lambda x, y: x + y, base_measure=lambda x, y: 1.0 + x * y)
    q = thermoinfo.m_projection(p, fam)
    i, j = np.indices((3, 3))
    assert float(np.sum((i + j) * q)) == pytest.approx(float(np.sum((i + j) * p)), abs=1e-12)
    ratio = q / (1.0 + i * j) / np.exp(np.log(q[0, 0]))  # q / h is exp(theta (x + y))
    theta = np.log(ratio[0, 1])
    np.testing.assert_allclose(ratio, np.exp(theta * (i + j)), rtol=1e-10)


@pytest.mark.parametrize("method", ["newton", "scaling"])
@pytest.mark.parametrize("blocks", [None, [(0, 2)], [(0, 1, 2)]])
def test_product_agrees_with_clique_family(method, blocks):
    p = _random((2, 3, 2), 2, zeros=2)
    prod = Product(blocks)
    cliques = prod.resolved(3)
    fam = ExponentialFamily.from_cliques(p.shape, cliques, method=method)
    np.testing.assert_allclose(thermoinfo.m_projection(p, fam), thermoinfo.m_projection(p, prod),
                               atol=1e-11)


@pytest.mark.parametrize("method", ["newton", "scaling"])
@pytest.mark.parametrize("parents, cliques", [
    ({1: (0,), 2: (1,)}, [(0, 1), (1, 2), (3,)]),         # chain and a free axis
    ({1: (0,), 2: (0,), 3: (2,)}, [(0, 1), (0, 2), (2, 3)]),  # tree
    ({1: (0,), 2: (0, 1), 3: (2,)}, [(0, 1, 2), (2, 3)]),     # perfect DAG (no immoralities)
])
def test_bayesnet_agrees_with_clique_family(method, parents, cliques):
    shape = (2, 3, 2, 2)
    for zeros in (0, 3):
        p = _random(shape, 3 + zeros, zeros=zeros)
        fam = ExponentialFamily.from_cliques(shape, cliques, method=method)
        np.testing.assert_allclose(thermoinfo.m_projection(p, fam),
                                   thermoinfo.m_projection(p, BayesNet(parents)), atol=1e-11)


def test_boundary_moments_give_a_face():
    # p on a face of the marginal polytope: x*y has mean 0 -> q lives on x*y = 0
    p = np.array([[0.2, 0.3], [0.5, 0.0]])
    fam = ExponentialFamily(lambda x, y: [x, y, x * y])
    q = thermoinfo.m_projection(p, fam)
    np.testing.assert_allclose(q, p, atol=1e-12)


def test_m_projection_matches_scipy_brute_force():
    p = _random((3, 3), 4)
    i, j = np.indices((3, 3))
    stats = np.stack([i, j, i * j, (i - j) ** 2]).astype(float)
    fam = ExponentialFamily(stats)
    q = thermoinfo.m_projection(p, fam)
    T = stats.reshape(4, -1)

    def objective(theta):
        logits = theta @ T
        return -float(p.reshape(-1) @ (logits - logsumexp(logits)))

    res = minimize(objective, np.zeros(4), method="Nelder-Mead",
                   options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 40000, "maxfev": 40000})
    brute = fam.member(res.x)
    assert thermoinfo.kl(p, q) <= thermoinfo.kl(p, brute) + 1e-12
    np.testing.assert_allclose(q, brute, atol=1e-6)


def test_bayesnet_m_projection_matches_scipy_brute_force():
    shape = (2, 2, 3)
    p = _random(shape, 5)
    parents = {1: (0,), 2: (1,)}
    net = BayesNet(parents)
    q = thermoinfo.m_projection(p, net)
    sizes = [2, 2 * 2, 2 * 3]  # free logits of q(x0), q(x1|x0), q(x2|x1)

    def member(z):
        a = softmax(z[:2])
        b = softmax(z[2:6].reshape(2, 2), axis=1)
        c = softmax(z[6:12].reshape(2, 3), axis=1)
        return a[:, None, None] * b[:, :, None] * c[None, :, :]

    def objective(z):
        return thermoinfo.kl(p, member(z))

    res = minimize(objective, np.zeros(sum(sizes)), method="BFGS", options={"gtol": 1e-10})
    assert thermoinfo.kl(p, q) <= res.fun + 1e-12
    np.testing.assert_allclose(q, member(res.x), atol=1e-5)


def test_convergence_warning_when_iteration_cap_is_hit():
    p = _random((3, 3), 6)
    fam = ExponentialFamily(lambda x, y: [x, y, x * y], method="scaling", max_iter=3)
    with pytest.warns(ConvergenceWarning, match="moment error"):
        thermoinfo.m_projection(p, fam)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        thermoinfo.m_projection(p, ExponentialFamily(lambda x, y: [x, y, x * y]))


def test_bad_family_arguments():
    with raises_named(ValueError, "statistics"):
        ExponentialFamily(np.ones(3))
    with raises_named(ValueError, "statistics") as check:
        ExponentialFamily(np.full((1, 2, 2), np.nan))
    assert "non-finite" in str(check.value)
    with raises_named(ValueError, "base_measure"):
        ExponentialFamily(np.ones((1, 2)), base_measure=[-1.0, 1.0])
    with raises_named(ValueError, "method"):
        ExponentialFamily(np.ones((1, 2)), method="adam")
    fam = ExponentialFamily(np.ones((1, 2, 2)))
    with raises_named(ValueError, "statistics") as check:
        thermoinfo.m_projection(np.full((3, 2), 1 / 6), fam)
    assert "has table shape" in str(check.value)
    masked = ExponentialFamily(np.ones((1, 2)), base_measure=[1.0, 0.0])
    with raises_named(ValueError, "p") as check:
        thermoinfo.m_projection([0.5, 0.5], masked)
    assert "base_measure is 0" in str(check.value)
