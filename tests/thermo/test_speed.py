"""Fisher-metric speed limit along master-equation trajectories, against independent integration."""

import numpy as np
import pytest
import scipy.linalg
from scipy.integrate import quad

import thermoinfo
from thermoinfo.thermo.speed import as_rates, fisher_speed, rate_generator, speed_limit


def _detailed_balance_rates(rng, n, beta=1.0):
    E = rng.normal(size=n)
    A = rng.random((n, n)) + 0.2
    A = A + A.T  # symmetric attempt rates
    w = A * np.exp(-beta * (E[None, :] - E[:, None]) / 2)
    np.fill_diagonal(w, 0.0)
    peq = np.exp(-beta * E)
    return w, peq / peq.sum()


def _bhattacharyya_angle(p, q):
    return 2 * np.arccos(min(1.0, float(np.sum(np.sqrt(p * q)))))


@pytest.mark.parametrize("seed, n", [(0, 3), (1, 4)])
def test_relaxation_against_direct_integration(seed, n):
    rng = np.random.default_rng(seed)
    w, peq = _detailed_balance_rates(rng, n)
    p0 = rng.dirichlet(np.ones(n)) * 0.9 + 0.1 / n
    tau = 1.3
    r = speed_limit(p0, w, tau)
    G = rate_generator(w)
    lam, V = np.linalg.eig(G)  # the exact solution p(t) = p0 V exp(lam t) V^-1, integrated by quad
    a, Vinv = p0 @ V, np.linalg.inv(V)

    def p_at(t):
        return np.real((a * np.exp(lam * t)) @ Vinv)

    def speed(t):
        p = p_at(t)
        d = p @ G
        return np.sqrt(np.sum(d ** 2 / p))

    L = quad(speed, 0, tau, epsabs=1e-13, epsrel=1e-12)[0]
    C = 0.5 * quad(lambda t: speed(t) ** 2, 0, tau, epsabs=1e-13, epsrel=1e-12)[0]
    p_tau = p_at(tau)
    np.testing.assert_allclose(p_tau, p0 @ scipy.linalg.expm(G * tau), atol=1e-12)
    assert r.length == pytest.approx(L, rel=1e-8)
    assert r.action == pytest.approx(C, rel=1e-8)
    np.testing.assert_allclose(r.p_final, p_tau, atol=1e-10)
    # the speed limit, strict for relaxation (the speed decays), and the geodesic bound
    assert r.length ** 2 < 2 * tau * r.action * (1 - 1e-3)
    assert r.efficiency < 1 - 1e-3
    assert r.minimum_time < tau
    assert r.length >= _bhattacharyya_angle(p0, p_tau) - 1e-10
    # entropy production of relaxation: the decrease of the distance to equilibrium
    sigma = thermoinfo.kl(p0, peq) - thermoinfo.kl(p_tau, peq)
    assert r.entropy_production == pytest.approx(sigma, rel=1e-8)
    assert r.entropy_bound is not None and r.entropy_bound > r.entropy_production + 1e-4


def test_constant_speed_protocol_saturates_the_speed_limit():
    # p_0(t) = cos^2(theta), theta = theta0 + omega t: a great circle of the sphere sqrt(p),
    # travelled at constant speed ds/dt = 2 omega by time-dependent two-state rates
    om, back, th0, tau = 0.5, 0.5, 0.2, 2.0

    def rates(t):
        th = th0 + om * t
        k01 = (om * np.sin(2 * th) + back * np.sin(th) ** 2) / np.cos(th) ** 2
        return np.array([[0.0, k01], [back, 0.0]])

    p0 = np.array([np.cos(th0) ** 2, np.sin(th0) ** 2])
    r = speed_limit(p0, rates, tau)
    th1 = th0 + om * tau
    np.testing.assert_allclose(r.p_final, [np.cos(th1) ** 2, np.sin(th1) ** 2], atol=1e-10)
    assert r.length == pytest.approx(2 * om * tau, rel=1e-9)
    assert r.action == pytest.approx(2 * om ** 2 * tau, rel=1e-9)
    assert r.efficiency == pytest.approx(1.0, abs=1e-9)
    assert r.minimum_time == pytest.approx(tau, rel=1e-9)
    # a geodesic: the length is the Bhattacharyya angle between the end points
    assert r.length == pytest.approx(_bhattacharyya_angle(p0, r.p_final), rel=1e-8)
    # the same path travelled at a varying speed is slower than the limit allows
    slow = speed_limit(p0, lambda t: _reparametrized(rates, t, tau), tau)
    assert slow.length == pytest.approx(r.length, rel=1e-6)
    assert slow.efficiency < 1 - 1e-3


def _reparametrized(rates, t, tau):
    """The rates of the same path at the time s(t) = tau (t/tau)^2, scaled by ds/dt."""
    return rates(tau * (t / tau) ** 2) * (2 * t / tau)


def test_driven_ring_without_detailed_balance():
    w = np.array([[0.0, 2.0, 0.5], [0.5, 0.0, 2.0], [2.0, 0.5, 0.0]])
    pi = np.full(3, 1 / 3)
    r = speed_limit(pi, w, 1.5)
    assert r.length == pytest.approx(0.0, abs=1e-12) and r.action == pytest.approx(0.0, abs=1e-12)
    rate = sum((pi[i] * w[i, j]) * np.log(w[i, j] / w[j, i]) for i in range(3) for j in range(3) if i != j)
    assert r.entropy_production == pytest.approx(1.5 * rate, rel=1e-10)
    assert r.entropy_bound is None
    # a jump without its reverse: infinite production, finite geometry
    one_way = np.array([[0.0, 1.0], [0.0, 0.0]])
    r = speed_limit([0.5, 0.5], one_way, 1.0)
    assert r.entropy_production == np.inf and np.isfinite(r.length)


def test_fisher_speed_by_hand():
    assert fisher_speed([0.2, 0.3, 0.5], [0.1, -0.3, 0.2]) == pytest.approx(
        np.sqrt(0.01 / 0.2 + 0.09 / 0.3 + 0.04 / 0.5), abs=1e-15)
    assert fisher_speed([0.0, 1.0], [0.1, -0.1]) == np.inf


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: as_rates([[0.0, -1.0], [1.0, 0.0]]), "^rates have negative off-diagonal"),
        (lambda: as_rates(np.ones((2, 3))), "^rates must be a square"),
        (lambda: as_rates([[0.0, np.inf], [1.0, 0.0]]), "^rates have non-finite"),
        (lambda: speed_limit([1.0, 0.0], [[0, 1], [1, 0]], 1.0), "^p0 must be positive"),
        (lambda: speed_limit([0.5, 0.5], [[0, 1], [1, 0]], 0.0), "^tau"),
        (lambda: speed_limit([0.5, 0.5], np.ones((3, 3)), 1.0), r"^rates must have shape \(2, 2\)"),
        (lambda: speed_limit([0.5, 0.5], lambda t: [[0, -1], [1, 0]], 1.0), "^rates have negative"),
        (lambda: fisher_speed([0.5, 0.5], [0.1, 0.1]), "^dp must sum to zero"),
        (lambda: fisher_speed([0.6, 0.6], [0.1, -0.1]), "^p"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
