"""Discrete closed forms against their own tables and against the general solvers
(the tabular problem is the closed-form problem): Hamming rate-distortion against
Blahut-Arimoto, the binary symmetric bottleneck against the alternating solver."""

import numpy as np
import pytest
from scipy.special import xlogy

from thermoinfo.freeenergy import discrete as H
from thermoinfo.freeenergy import rate_distortion, tabular
from thermoinfo.geometry.divergences import conditional_entropy, mutual_information
from thermoinfo.testing import raises_named

CASES = [  # (n_symbols, p, lam)
    (2, 0.3, 0.5), (2, 0.3, 1.5), (2, 0.3, 4.0), (2, 0.8, 2.0), (2, None, 0.7),
    (3, None, 0.3), (3, None, 2.0), (4, None, 1.0), (5, None, 3.5),
]


def _source(n_symbols, p):
    return np.array([1 - p, p]) if p is not None else np.full(n_symbols, 1.0 / n_symbols)


def _from_tables(p_x, enc, lam):
    q = p_x @ enc
    rho = H.hamming_distortion(p_x.size)
    R = float(np.sum(p_x[:, None] * (xlogy(enc, enc) - xlogy(enc, q[None, :]))))
    D = float(np.sum(p_x[:, None] * enc * rho))
    return R, D, q


@pytest.mark.parametrize("M,p,lam", CASES)
def test_parametric_solution_is_self_consistent(M, p, lam):
    sol = H.hamming_free_energy(lam, n_symbols=M, p=p)
    p_x = _source(M, p)
    R, D, q = _from_tables(p_x, sol.encoder, lam)
    assert R == pytest.approx(sol.R, abs=1e-12)
    assert D == pytest.approx(sol.D, abs=1e-12)
    np.testing.assert_allclose(q, sol.prior, atol=1e-12)     # Blahut-Arimoto fixed point
    assert H.hamming_rate_distortion(sol.D, n_symbols=M, p=p) == pytest.approx(sol.R, abs=1e-12)
    h = 1e-6
    dF = (H.hamming_free_energy(lam + h, n_symbols=M, p=p).F
          - H.hamming_free_energy(lam - h, n_symbols=M, p=p).F) / (2 * h)
    assert dF == pytest.approx(sol.D, abs=1e-8)


@pytest.mark.parametrize("M,p", [(2, 0.3), (2, None), (3, None), (4, None)])
def test_slope_of_rate_distortion_is_lam(M, p):
    """lam = -dR/dD along the curve (the first law with one term)."""
    for lam in (1.2, 2.5, 5.0):
        D = H.hamming_free_energy(lam, n_symbols=M, p=p).D
        h = 1e-6
        slope = (H.hamming_rate_distortion(D + h, n_symbols=M, p=p)
                 - H.hamming_rate_distortion(D - h, n_symbols=M, p=p)) / (2 * h)
        assert -slope == pytest.approx(lam, rel=1e-7)


def test_free_energy_is_the_legendre_transform():
    """F(lam) = min_D R(D) + lam D over a fine grid of D (never below, close above)."""
    grid = np.linspace(1e-6, 0.3, 30001)
    R = np.array([H.hamming_rate_distortion(d, p=0.3) for d in grid])
    for lam in (0.5, 1.5, 3.0):
        F = H.hamming_free_energy(lam, p=0.3).F
        assert np.min(R + lam * grid) >= F - 1e-12
        assert np.min(R + lam * grid) == pytest.approx(F, abs=1e-7)


def test_binary_uniform_equals_two_symbols():
    a = H.hamming_free_energy(1.3, p=0.5)
    b = H.hamming_free_energy(1.3, n_symbols=2)
    assert (a.R, a.D, a.F) == pytest.approx((b.R, b.D, b.F), abs=1e-15)


@pytest.mark.parametrize("M,p,lam", CASES)
def test_blahut_arimoto_agrees_with_closed_form(M, p, lam):
    p_x = _source(M, p)
    exact = H.hamming_free_energy(lam, n_symbols=M, p=p)
    ba = rate_distortion(p_x, H.hamming_distortion(M), lam)
    assert ba.F == pytest.approx(exact.F, abs=1e-8)
    assert ba.R == pytest.approx(exact.R, abs=1e-8)
    assert ba.D == pytest.approx(exact.D, abs=1e-8)


def test_bad_input():
    with raises_named(ValueError, "lam"):
        H.hamming_free_energy(-0.1)
    with raises_named(ValueError, "n_symbols"):
        H.hamming_free_energy(1.0, n_symbols=1)
    with raises_named(ValueError, "p") as check:
        H.hamming_free_energy(1.0, n_symbols=3, p=0.2)
    assert "only supported for n_symbols=2" in str(check.value)
    with raises_named(ValueError, "p"):
        H.hamming_rate_distortion(0.1, p=1.5)


BOTTLENECK = [  # (lam, gamma, eps): interior, near threshold, trivial, lam >= 1
    (0.2, 3.0, 0.1), (0.5, 1.5, 0.15), (0.0, 3.0, 0.2), (0.0, 10.0, 0.25), (0.3, 0.5, 0.1),
    (1.5, 1.0, 0.1), (0.0, 2.0, 0.0),
]


@pytest.mark.parametrize("lam,gamma,eps", BOTTLENECK)
def test_binary_symmetric_bottleneck_from_tables(lam, gamma, eps):
    sol = H.binary_symmetric_bottleneck(lam, gamma, eps)
    # p(x, y, z) = p(x, y) e(z|x): R = I(X;Z), D = H(X|Z), C = H(Y|Z)
    joint = sol.p_xy[:, :, None] * sol.encoder[:, None, :]
    assert sol.R == pytest.approx(mutual_information(joint.sum(axis=1)), abs=1e-12)
    assert sol.D == pytest.approx(conditional_entropy(joint.sum(axis=1), 0, 1), abs=1e-12)
    assert sol.C == pytest.approx(conditional_entropy(joint.sum(axis=0), 0, 1), abs=1e-12)
    # no binary symmetric channel does better (grid over the crossover)
    grid = np.linspace(0.0, 0.5, 5001)
    h = np.vectorize(H.binary_entropy)
    J = lam * np.log(2) + (1 - lam) * (np.log(2) - h(grid)) + gamma * h(eps * (1 - grid) + grid * (1 - eps))
    assert J.min() >= sol.F - 1e-12
    assert J.min() == pytest.approx(sol.F, abs=1e-6)


@pytest.mark.parametrize("lam,gamma,eps", BOTTLENECK)
@pytest.mark.parametrize("n_z", [2, 3])
def test_alternating_solver_agrees_with_bottleneck(lam, gamma, eps, n_z):
    exact = H.binary_symmetric_bottleneck(lam, gamma, eps)
    num = tabular.solve(exact.p_xy, lam, gamma, n_z, rng=0)
    for key in ("F", "R", "D", "C"):
        assert getattr(num, key) == pytest.approx(getattr(exact, key), abs=1e-8)


def test_bottleneck_envelope_and_threshold():
    h = 1e-6
    for lam, gamma, eps in BOTTLENECK[:4]:
        sol = H.binary_symmetric_bottleneck(lam, gamma, eps)
        dF_dlam = (H.binary_symmetric_bottleneck(lam + h, gamma, eps).F
                   - H.binary_symmetric_bottleneck(lam - h if lam > 0 else lam, gamma, eps).F) / (
            2 * h if lam > 0 else h)
        dF_dgamma = (H.binary_symmetric_bottleneck(lam, gamma + h, eps).F
                     - H.binary_symmetric_bottleneck(lam, gamma - h, eps).F) / (2 * h)
        assert dF_dlam == pytest.approx(sol.D, abs=1e-5)
        assert dF_dgamma == pytest.approx(sol.C, abs=1e-7)
    # the encoder switches on at gamma (1 - 2 eps)^2 = 1 - lam
    lam, eps = 0.2, 0.1
    critical = (1 - lam) / (1 - 2 * eps) ** 2
    assert H.binary_symmetric_bottleneck(lam, critical * 0.999, eps).crossover == 0.5
    assert H.binary_symmetric_bottleneck(lam, critical * 1.01, eps).crossover < 0.5
