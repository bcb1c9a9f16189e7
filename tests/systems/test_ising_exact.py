"""Exact Ising references: Kaufman and the transfer matrix against enumeration,
high-precision arithmetic and Onsager's infinite lattice."""

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thermoinfo.systems import ising
from thermoinfo.systems.ising import (
    CRITICAL_TEMPERATURE,
    enumerate_exact,
    exact,
    kaufman,
    onsager,
    transfer_matrix,
)

TC = CRITICAL_TEMPERATURE


@pytest.mark.parametrize("L", [2, 3, 4])
@pytest.mark.parametrize("T", [0.3, 1.0, 2.0, TC, 3.5, 10.0])
def test_kaufman_equals_enumeration(L, T):
    k = kaufman(L, T)
    e = enumerate_exact(L, T)
    assert k.log_z == pytest.approx(e.log_z, abs=1e-10)
    assert k.u == pytest.approx(e.u, abs=1e-10)
    assert k.c == pytest.approx(e.c, abs=1e-10)


def test_two_by_two_closed_form():
    # 2 x 2 torus (8 bonds): Z = 2 e^{8 beta} + 12 + 2 e^{-8 beta}.
    beta = 0.7
    z = 2 * np.exp(8 * beta) + 12 + 2 * np.exp(-8 * beta)
    dz = 16 * np.exp(8 * beta) - 16 * np.exp(-8 * beta)
    d2z = 128 * np.exp(8 * beta) + 128 * np.exp(-8 * beta)
    r = kaufman(2, 1 / beta)
    assert r.log_z == pytest.approx(np.log(z) / 4, abs=1e-14)
    assert r.u == pytest.approx(-dz / z / 4, abs=1e-14)
    assert r.c == pytest.approx(beta**2 * (d2z / z - (dz / z) ** 2) / 4, abs=1e-13)


def _mp_log_z(L, beta):
    """ln Z of the L x L torus from the Ferdinand-Fisher products, in 40-digit arithmetic."""
    K = beta
    c = mp.cosh(2 * K) / mp.tanh(2 * K)
    g = [mp.acosh(c - mp.cos(mp.pi * l / L)) for l in range(2 * L)]
    g[0] = 2 * K + mp.log(mp.tanh(K))
    z1 = mp.fprod([2 * mp.cosh(L * g[2 * r + 1] / 2) for r in range(L)])
    z2 = mp.fprod([2 * mp.sinh(L * g[2 * r + 1] / 2) for r in range(L)])
    z3 = mp.fprod([2 * mp.cosh(L * g[2 * r] / 2) for r in range(L)])
    z4 = mp.fprod([2 * mp.sinh(L * g[2 * r] / 2) for r in range(L)])
    return mp.log((2 * mp.sinh(2 * K)) ** (mp.mpf(L * L) / 2) * (z1 + z2 + z3 + z4) / 2)


@pytest.mark.slow
@pytest.mark.parametrize("T", [1.0, TC])
def test_kaufman_large_lattice_against_high_precision(T):
    L = 512
    with mp.workdps(40):
        beta = mp.log(1 + mp.sqrt(2)) / 2 if T == TC else 1 / mp.mpf(T)
        f = lambda b: _mp_log_z(L, b)  # noqa: E731
        d1 = mp.diff(f, beta, 1)
        d2 = mp.diff(f, beta, 2)
        ref = (float(f(beta) / L**2), float(-d1 / L**2), float(beta**2 * d2 / L**2))
    r = kaufman(L, T)
    assert r.log_z == pytest.approx(ref[0], abs=1e-9)
    assert r.u == pytest.approx(ref[1], abs=1e-9)
    assert r.c == pytest.approx(ref[2], abs=1e-9)


def test_kaufman_tends_to_onsager():
    # off criticality finite-size corrections decay exponentially
    for T in (1.5, 3.0):
        assert kaufman(128, T).u == pytest.approx(onsager(T).u, abs=1e-10)
        assert kaufman(128, T).c == pytest.approx(onsager(T).c, abs=1e-8)
    assert kaufman(128, 3.0).log_z == pytest.approx(onsager(3.0).log_z, abs=1e-10)
    # ordered phase: the two-fold degeneracy adds ln 2 / N
    assert kaufman(128, 1.5).log_z - onsager(1.5).log_z == pytest.approx(np.log(2) / 128**2, rel=1e-6)
    # at T_c the energy converges like 1/L and the specific heat grows like (8 K_c^2 / pi) ln L
    gaps = [abs(kaufman(L, TC).u - onsager(TC).u) for L in (32, 64, 128, 256)]
    assert np.all(np.diff(gaps) < 0)
    assert gaps[-2] / gaps[-1] == pytest.approx(2.0, rel=0.02)
    kc = 1 / TC
    slope = kaufman(512, TC).c - kaufman(256, TC).c
    assert slope == pytest.approx(8 * kc**2 / np.pi * np.log(2), rel=2e-3)


def test_onsager_published_values():
    r = onsager(TC)
    assert r.u == pytest.approx(-np.sqrt(2), abs=1e-12)
    assert np.isinf(r.c)
    assert r.abs_m == 0.0
    # spontaneous magnetization (Yang 1952) at T = 2: (1 - sinh(1)^-4)^(1/8)
    assert onsager(2.0).abs_m == pytest.approx((1 - np.sinh(1.0) ** -4) ** 0.125, abs=1e-14)
    assert onsager(2.0).abs_m == pytest.approx(0.911319, abs=1e-6)
    # ln Z / N at T_c: ln(sqrt 2) + 2 G / pi (G Catalan's constant)
    assert r.log_z == pytest.approx(0.5 * np.log(2) + 2 * 0.915965594177219 / np.pi, abs=1e-10)
    # high-T series ln Z / N = ln 2 + 2 ln cosh K + t^4 + 2 t^6 + 9/2 t^8 + ..., t = tanh K
    K = 0.05
    t = np.tanh(K)
    series = -2 * t - (4 * t**3 + 12 * t**5 + 36 * t**7) * (1 - t * t)
    assert onsager(1 / K).u == pytest.approx(series, abs=200 * t**9)
    assert abs(onsager(1 / K).u - series) < 0.01 * 36 * t**7


@pytest.mark.parametrize("N", [2, 3, 8])
@pytest.mark.parametrize("H", [0.0, 0.4, -1.3])
@pytest.mark.parametrize("T", [0.25, 1.0, 5.0])
def test_transfer_matrix_equals_enumeration(N, H, T):
    t = transfer_matrix(N, T, H)
    e = enumerate_exact(N, T, H, dim=1)
    assert t.log_z == pytest.approx(e.log_z, abs=1e-10)
    assert t.u == pytest.approx(e.u, abs=1e-10)
    assert t.c == pytest.approx(e.c, abs=1e-10)


@given(st.floats(0.5, 20.0), st.floats(-3.0, 3.0))
def test_transfer_matrix_thermodynamic_limit(T, H):
    # N -> infinity: ln Z / N = ln lambda_+, u = -d ln lambda_+ / d beta
    beta = 1 / T
    lam = lambda b: np.exp(b) * np.cosh(b * H) + np.sqrt(  # noqa: E731
        np.exp(2 * b) * np.sinh(b * H) ** 2 + np.exp(-2 * b))
    r = transfer_matrix(4000, T, H)
    assert r.log_z == pytest.approx(np.log(lam(beta)), rel=1e-10, abs=1e-10)
    h = 1e-6 * beta
    assert r.u == pytest.approx(-(np.log(lam(beta + h)) - np.log(lam(beta - h))) / (2 * h), abs=1e-6)
    assert r.c >= 0


def test_exact_dispatch_and_field_enumeration():
    assert exact(8, 2.0).c == kaufman(8, 2.0).c
    assert exact(8, 2.0, H=0.3, dim=1).u == transfer_matrix(8, 2.0, 0.3).u
    assert exact(3, 2.0, H=0.2).u == enumerate_exact(3, 2.0, H=0.2).u
    assert ising.exact is exact


def test_specific_heat_is_the_temperature_derivative_of_u():
    # c = du/dT: a relation between the two analytic derivatives, checked by a
    # centred difference far larger than its truncation error
    L, T, h = 32, 2.4, 1e-4
    fd = (kaufman(L, T + h).u - kaufman(L, T - h).u) / (2 * h)
    assert kaufman(L, T).c == pytest.approx(fd, rel=1e-6)


@pytest.mark.parametrize(("L", "dim", "H", "T"), [(3, 2, 0.3, 2.0), (4, 2, -0.7, 1.2), (12, 1, 0.4, 1.5)])
def test_density_of_states_path_equals_the_per_state_sum(L, dim, H, T):
    # the cached g(B, M) path against the Boltzmann sum over every configuration
    from thermoinfo.systems.ising.references import density_of_states, enumerate_exact

    fast = enumerate_exact(L, T, H, dim=dim)
    slow, p = enumerate_exact(L, T, H, dim=dim, return_probabilities=True)
    for name in ("log_z", "u", "c", "abs_m"):
        assert getattr(fast, name) == pytest.approx(getattr(slow, name), abs=1e-11)
    _, _, counts = density_of_states(L, dim)
    assert counts.sum() == 2 ** (L**dim)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
