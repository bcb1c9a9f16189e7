"""Two Glauber spins: kernels, rates, detailed balance, the network entropy production."""

import numpy as np
import pytest

import thermoinfo
from thermoinfo.systems.glauber import (
    glauber_kernel,
    glauber_rates,
    ising_energy,
    little_energy,
    spin_kernels,
    two_spin_glauber,
)

SPINS = np.array([[a, b] for a in (-1, 1) for b in (-1, 1)], dtype=float)


def _heat_bath_by_hand(beta, field, s):
    return np.exp(beta * s * field) / (2 * np.cosh(beta * field))


def test_kernels_by_hand():
    beta, J, h = 0.9, -0.6, (0.3, 0.1)
    par = glauber_kernel(beta, J, h)
    rnd = glauber_kernel(beta, J, h, update="random")
    for k, (s0, s1) in enumerate(SPINS):
        f0, f1 = J * s1 + h[0], J * s0 + h[1]
        for m, (t0, t1) in enumerate(SPINS):
            want = _heat_bath_by_hand(beta, f0, t0) * _heat_bath_by_hand(beta, f1, t1)
            assert par[k, m] == pytest.approx(want, abs=1e-15)
            r = 0.0
            if t1 == s1:
                r += 0.5 * _heat_bath_by_hand(beta, f0, t0)
            if t0 == s0:
                r += 0.5 * _heat_bath_by_hand(beta, f1, t1)
            assert rnd[k, m] == pytest.approx(r, abs=1e-15)
    K0, K1 = spin_kernels(beta, J, h)
    assert K0[1, 0, 1] == pytest.approx(_heat_bath_by_hand(beta, -J + h[0], 1), abs=1e-15)
    assert K1[1, 0, 0] == pytest.approx(_heat_bath_by_hand(beta, J + h[1], -1), abs=1e-15)


@pytest.mark.parametrize("J", [-1.0, 0.0, 0.7, 2.0])
@pytest.mark.parametrize("update, energy", [("random", "ising"), ("parallel", "little")])
def test_glauber_bath_term_is_heat_over_temperature(J, update, energy):
    beta, h = 0.8, (0.3, -0.4)
    T = glauber_kernel(beta, J, h, update=update)
    E = ising_energy(SPINS, J, h) if energy == "ising" else little_energy(beta, J, h)
    # detailed balance with respect to exp(-beta E)
    pi = np.exp(-beta * E) / np.exp(-beta * E).sum()
    flux = pi[:, None] * T
    np.testing.assert_allclose(flux, flux.T, atol=1e-15)
    p_x = np.array([0.1, 0.2, 0.3, 0.4])
    ep = thermoinfo.entropy_production(p_x, T)
    heat = p_x @ E - (p_x @ T) @ E  # energy released to the bath
    assert ep.bath == pytest.approx(beta * heat, abs=1e-13)
    # from equilibrium nothing is produced
    assert thermoinfo.entropy_production(pi, T).total == pytest.approx(0.0, abs=1e-14)


def test_rates_are_bipartite_and_in_detailed_balance_with_ising_energy():
    beta, J, h = 1.1, 0.8, (0.2, -0.3)
    w = glauber_rates(beta, J, h, rate=2.0)
    pi = np.exp(-beta * ising_energy(SPINS, J, h))
    pi /= pi.sum()
    np.testing.assert_allclose(pi[:, None] * w, (pi[:, None] * w).T, atol=1e-15)
    for k in range(4):
        for m in range(4):
            flips = int(np.sum(SPINS[k] != SPINS[m]))
            if flips != 1:
                assert w[k, m] == 0.0
            else:
                i = int(np.argmax(SPINS[k] != SPINS[m]))
                f = J * SPINS[k, 1 - i] + h[i]
                assert w[k, m] == pytest.approx(2.0 * _heat_bath_by_hand(beta, f, SPINS[m, i]), abs=1e-15)


def test_two_spin_glauber_network():
    beta, J, h = 1.3, 0.9, (0.2, -0.1)
    p_x = np.array([[0.1, 0.2], [0.3, 0.4]])
    ep = two_spin_glauber(beta, J, h, p_x)
    flat = thermoinfo.entropy_production(p_x.ravel(), glauber_kernel(beta, J, h))
    assert ep.total == pytest.approx(flat.total, abs=1e-13)
    assert ep.bath == pytest.approx(flat.bath, abs=1e-13)
    # spin 0 by hand: x0 <- z1 with T_0(x0|z1) = heat bath in the field J z1 + h0
    p = ep.p_joint
    s = np.array([-1.0, 1.0])
    T0 = np.exp(beta * s[None, :] * (J * s[:, None] + h[0]))
    T0 /= T0.sum(axis=1, keepdims=True)  # [z1, x0]
    p_x0_z1 = p.sum(axis=(1, 2))  # [x0, z1]
    marginal = thermoinfo.kl(p_x0_z1, T0.T * p_x0_z1.sum(axis=0)[None, :])
    assert ep.marginal_partial[0] == pytest.approx(marginal, abs=1e-13)
    # partial: E log p(x0 | x1, z) / T_0(x0 | z1)
    cond = p / p.sum(axis=0, keepdims=True)
    partial = np.sum(p * (np.log(cond) - np.log(T0.T)[:, None, None, :]))
    assert ep.partial[0] == pytest.approx(partial, abs=1e-13)
    # without coupling the spins do not interact
    free = two_spin_glauber(beta, 0.0, h, np.outer([0.3, 0.7], [0.6, 0.4]))
    assert free.interaction == pytest.approx(0.0, abs=1e-14)
    assert free.stochastic_interaction == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: two_spin_glauber(-1.0, 1.0), "beta"),
        (lambda: two_spin_glauber(1.0, float("nan")), "J"),
        (lambda: glauber_kernel(1.0, 1.0, (0.1,)), "h"),
        (lambda: glauber_kernel(1.0, 1.0, update="sequential"), "update"),
        (lambda: glauber_rates(1.0, 1.0, rate=0.0), "rate"),
        (lambda: ising_energy([1, 1, 1], 1.0), "s"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()
