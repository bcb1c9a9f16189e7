"""Bipartite dynamics: Horowitz-Esposito flows against independent computations, the
Ito-Sagawa generalized second law and fluctuation theorem, exactly and by Monte Carlo."""

import numpy as np
import pytest
import scipy.linalg

import thermoinfo
from thermoinfo.systems.glauber import glauber_kernel, glauber_rates, spin_kernels
from thermoinfo.thermo.bipartite import (
    as_bipartite_rates,
    generalized_second_law,
    generalized_second_law_mc,
    generator,
    information_flow,
    sequential_kernel,
)


def _random_rates(rng, nx, ny):
    w = np.zeros((nx, ny, nx, ny))
    for y in range(ny):
        r = rng.random((nx, nx)) + 0.1
        np.fill_diagonal(r, 0)
        w[:, y, :, y] = r
    for x in range(nx):
        r = rng.random((ny, ny)) + 0.1
        np.fill_diagonal(r, 0)
        w[x, :, x, :] = r
    return w


def _kernel(rng, shape, floor=0.05):
    K = rng.random(shape) + floor
    return K / K.sum(axis=-1, keepdims=True)


def _entropy(v):
    return -float(np.sum(v * np.log(v)))


@pytest.mark.parametrize("seed, nx, ny", [(0, 2, 3), (1, 3, 2)])
def test_information_flow_against_schnakenberg_and_finite_differences(seed, nx, ny):
    rng = np.random.default_rng(seed)
    w = _random_rates(rng, nx, ny)
    p = _kernel(rng, nx * ny)
    f = information_flow(p.reshape(nx, ny), w)
    Q = generator(w)
    # Schnakenberg's entropy production rate of the whole chain
    J = p[:, None] * Q
    n = nx * ny
    sig = 0.5 * sum((J[i, j] - J[j, i]) * np.log(J[i, j] / J[j, i])
                    for i in range(n) for j in range(n) if i != j and Q[i, j] > 0)
    assert f.entropy_production == pytest.approx(sig, abs=1e-12)
    assert f.partial_x >= 0 and f.partial_y >= 0
    # time derivatives by central differences of the exact solution p(t) = p expm(Q t)
    dt = 1e-5
    pp = (p @ scipy.linalg.expm(Q * dt)).reshape(nx, ny)
    pm = (p @ scipy.linalg.expm(-Q * dt)).reshape(nx, ny)
    d_mi = (thermoinfo.mutual_information(pp) - thermoinfo.mutual_information(pm)) / (2 * dt)
    assert f.mutual_information_rate == pytest.approx(d_mi, abs=1e-8)
    assert f.flow_x + f.flow_y == pytest.approx(d_mi, abs=1e-8)
    assert f.system_x == pytest.approx((_entropy(pp.sum(1)) - _entropy(pm.sum(1))) / (2 * dt), abs=1e-8)
    assert f.system_y == pytest.approx((_entropy(pp.sum(0)) - _entropy(pm.sum(0))) / (2 * dt), abs=1e-8)
    # each part: its own entropy change plus its bath term minus its information flow
    assert f.partial_x == pytest.approx(f.system_x + f.bath_x - f.flow_x, abs=1e-12)
    assert f.partial_y == pytest.approx(f.system_y + f.bath_y - f.flow_y, abs=1e-12)
    # generalized second law: the subsystem's own production is bounded by the flow
    assert f.system_x + f.bath_x >= f.flow_x - 1e-12
    # at stationarity the flows cancel, and one subsystem pays for the other's information
    pi = scipy.linalg.null_space(Q.T)[:, 0]
    pi = pi / pi.sum()
    g = information_flow(pi.reshape(nx, ny), w)
    assert g.flow_x == pytest.approx(-g.flow_y, abs=1e-12)
    assert g.system_x == pytest.approx(0.0, abs=1e-12)
    assert abs(g.flow_x) > 1e-4
    assert g.bath_x >= g.flow_x - 1e-12 and g.bath_y >= g.flow_y - 1e-12


def test_glauber_rates_at_equilibrium_have_no_flow_and_a_flow_on_the_way():
    beta, J, h = 1.2, 0.9, (0.3, -0.2)
    w = glauber_rates(beta, J, h)
    spins = np.array([[a, b] for a in (-1, 1) for b in (-1, 1)], dtype=float)
    E = -J * spins[:, 0] * spins[:, 1] - h[0] * spins[:, 0] - h[1] * spins[:, 1]
    pi = np.exp(-beta * E) / np.exp(-beta * E).sum()
    f = information_flow(pi, w, shape=(2, 2))
    for v in (f.entropy_production, f.partial_x, f.partial_y, f.flow_x, f.flow_y):
        assert v == pytest.approx(0.0, abs=1e-14)
    # relaxing from anti-aligned spins with J > 0, the correlations decay through both spins' jumps
    g = information_flow(np.array([0.05, 0.45, 0.45, 0.05]), w, shape=(2, 2))
    assert g.mutual_information_rate < -1e-3
    assert g.flow_x < -1e-3 and g.flow_y < -1e-3
    # bath terms: heat flows of each spin over the temperature, -beta d<E>/dt by the jumps of that spin
    Q = generator(w, shape=(2, 2))
    flux = np.array([0.05, 0.45, 0.45, 0.05])[:, None] * Q
    heat_x = -beta * sum(flux[k, m] * (E[m] - E[k]) for k in range(4) for m in range(4)
                         if k != m and spins[k, 0] != spins[m, 0])
    assert g.bath_x == pytest.approx(heat_x, abs=1e-13)


def test_random_sequential_glauber_is_a_sequential_kernel():
    for J in (-0.5, 1.3):
        T = sequential_kernel(*spin_kernels(0.8, J, (0.1, 0.2)))
        np.testing.assert_allclose(T, glauber_kernel(0.8, J, (0.1, 0.2), update="random"), atol=1e-15)


def test_one_step_decomposition_by_hand():
    rng = np.random.default_rng(4)
    p0 = _kernel(rng, 6).reshape(2, 3)
    Kx, Ky = _kernel(rng, (2, 3, 2)), _kernel(rng, (2, 3, 3))
    a = 0.35
    r = generalized_second_law(p0, Kx, Ky, n_steps=1, prob_x=a)
    # the joint table p[x0, y0, m, x1, y1] of one step
    P = np.zeros((2, 3, 2, 2, 3))
    for x in range(2):
        for y in range(3):
            for x1 in range(2):
                P[x, y, 0, x1, y] += p0[x, y] * a * Kx[x, y, x1]
            for y1 in range(3):
                P[x, y, 1, x, y1] += p0[x, y] * (1 - a) * Ky[x, y, y1]
    CMI = thermoinfo.conditional_mutual_information
    assert r.i_initial == pytest.approx(thermoinfo.mutual_information(p0), abs=1e-12)
    assert r.transfer == pytest.approx(CMI(P, [4], [0], [1, 2]), abs=1e-12)
    assert r.i_final == pytest.approx(thermoinfo.mutual_information(P, [3], [1, 2, 4]), abs=1e-12)
    px1 = P.sum(axis=(0, 1, 2, 4))
    bath = sum(p0[x, y] * a * Kx[x, y, x1] * np.log(Kx[x, y, x1] / Kx[x1, y, x])
               for x in range(2) for y in range(3) for x1 in range(2))
    assert r.sigma == pytest.approx(_entropy(px1) - _entropy(p0.sum(1)) + bath, abs=1e-12)
    assert r.theta == pytest.approx(r.i_final - r.i_initial - r.transfer, abs=1e-14)
    assert r.fluctuation == pytest.approx(1.0, abs=1e-12)
    assert r.sigma >= r.theta


@pytest.mark.parametrize("case", ["glauber", "random"])
def test_generalized_second_law_and_fluctuation_theorem(case):
    rng = np.random.default_rng(7)
    if case == "glauber":
        Kx, Ky = spin_kernels(1.5, 1.0, (0.2, -0.1))
        p0, a = np.array([[0.05, 0.05], [0.1, 0.8]]), 0.5
    else:
        Kx, Ky = _kernel(rng, (2, 2, 2)), _kernel(rng, (2, 2, 2))
        p0, a = _kernel(rng, 4).reshape(2, 2), 0.3
    r = generalized_second_law(p0, Kx, Ky, n_steps=4, prob_x=a)
    assert r.fluctuation == pytest.approx(1.0, abs=1e-12)
    assert r.sigma - r.theta > 1e-3  # strict: irreversibility beyond the information terms
    assert r.transfer > 1e-3
    est = generalized_second_law_mc(p0, Kx, Ky, n_steps=4, prob_x=a, n_samples=20000, rng=3)
    mean, se = est["fluctuation"]
    assert abs(mean - 1.0) < 3 * se
    for name, exact in (("sigma", r.sigma), ("theta", r.theta), ("gap", r.sigma - r.theta)):
        m, s = est[name]
        assert abs(m - exact) < 3 * s, (name, m, exact, s)


def test_the_other_subsystem_obeys_its_own_law():
    rng = np.random.default_rng(8)
    Kx, Ky = _kernel(rng, (2, 3, 2)), _kernel(rng, (2, 3, 3))
    p0 = _kernel(rng, 6).reshape(2, 3)
    ry = generalized_second_law(p0, Kx, Ky, n_steps=2, prob_x=0.4, subsystem="y")
    # the same as running the process with the roles exchanged
    swapped = generalized_second_law(p0.T, Ky.transpose(1, 0, 2), Kx.transpose(1, 0, 2), n_steps=2,
                                     prob_x=0.6)
    assert ry == swapped
    assert ry.fluctuation == pytest.approx(1.0, abs=1e-12) and ry.sigma >= ry.theta
    # one step by hand: <sigma_Y> = H(Y1) - H(Y0) + (1 - a) E log K_Y / K_Y^rev
    r1 = generalized_second_law(p0, Kx, Ky, n_steps=1, prob_x=0.4, subsystem="y")
    p1 = (p0.ravel() @ sequential_kernel(Kx, Ky, 0.4)).reshape(2, 3)
    bath = sum(p0[x, y] * 0.6 * Ky[x, y, y1] * np.log(Ky[x, y, y1] / Ky[x, y1, y])
               for x in range(2) for y in range(3) for y1 in range(3))
    assert r1.sigma == pytest.approx(_entropy(p1.sum(0)) - _entropy(p0.sum(0)) + bath, abs=1e-12)
    with pytest.raises(ValueError, match=r"^subsystem"):
        generalized_second_law(p0, Kx, Ky, n_steps=1, subsystem="z")


def test_monte_carlo_detects_a_wrong_decomposition():
    # dropping the transfer entropy from Theta breaks the fluctuation theorem by far more than 3 SE
    from thermoinfo.thermo import bipartite

    Kx, Ky = spin_kernels(1.5, 1.0, (0.2, -0.1))
    p0 = np.array([[0.05, 0.05], [0.1, 0.8]])
    X, Y, M = bipartite._paths(2, 2, 4)
    prob = np.exp(bipartite._log_path_prob(p0, Kx, Ky, 0.5, X, Y, M))
    W = sequential_kernel(Kx, Ky)
    dists = [p0]
    for _ in range(4):
        dists.append((dists[-1].ravel() @ W).reshape(2, 2))
    sigma = bipartite._sigma_x(p0, Kx, dists, X, Y, M)
    i_fin, i_ini, transfer = bipartite._information_terms(prob, X, Y, M)
    assert prob @ np.exp(i_fin - i_ini - transfer - sigma) == pytest.approx(1.0, abs=1e-12)
    assert abs(prob @ np.exp(i_fin - i_ini - sigma) - 1.0) > 0.05


@pytest.mark.parametrize(
    "rates, kwargs, match",
    [
        (np.ones((2, 2, 2, 2)), {}, "^rates are not bipartite"),
        (-np.eye(4)[[1, 0, 3, 2]].reshape(2, 2, 2, 2), {}, "^rates have negative off-diagonal"),
        (np.full((2, 2, 2, 2), np.nan), {}, "^rates have non-finite"),
        (np.zeros((4, 4)), {}, "^rates is a matrix"),
        (np.zeros((4, 4)), {"shape": (2, 3)}, r"^rates must have shape \(6, 6\)"),
        (np.zeros((2, 3, 2, 2)), {}, r"^rates must be indexed"),
    ],
)
def test_bad_rates(rates, kwargs, match):
    with pytest.raises(ValueError, match=match):
        as_bipartite_rates(rates, **kwargs)


def test_bad_kernels_and_distributions():
    K = np.full((2, 2, 2), 0.5)
    bad = K.copy()
    bad[0, 1] = [0.7, 0.7]
    p0 = np.full((2, 2), 0.25)
    with pytest.raises(ValueError, match=r"^K_x\b"):
        generalized_second_law(p0, bad, K, n_steps=1)
    with pytest.raises(ValueError, match=r"^K_y\b"):
        sequential_kernel(K, bad)
    with pytest.raises(ValueError, match=r"^K_y must be indexed"):
        sequential_kernel(K, np.full((2, 2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"^prob_x"):
        sequential_kernel(K, K, prob_x=1.0)
    with pytest.raises(ValueError, match=r"^p0"):
        generalized_second_law(np.full(3, 1 / 3), K, K, n_steps=1)
    with pytest.raises(ValueError, match=r"^n_steps"):
        generalized_second_law(p0, K, K, n_steps=0)
    with pytest.raises(ValueError, match=r"^p\b"):
        information_flow(np.full(3, 1 / 3), glauber_rates(1.0, 1.0), shape=(2, 2))


def test_monte_carlo_warns_when_rare_paths_carry_the_average():
    # X almost never leaves 1, but the backward process almost always stays there: the
    # weights exp(-sigma + Theta) sit on a few rare paths and the error bar is meaningless
    from thermoinfo import UnreliableEstimateWarning

    Kx = np.array([[[0.5, 0.5], [0.5, 0.5]], [[0.001, 0.999], [0.001, 0.999]]])
    Ky = np.full((2, 2, 2), 0.5)
    with pytest.warns(UnreliableEstimateWarning, match="effective sample size"):
        est = generalized_second_law_mc([[0.4995, 0.4995], [0.0005, 0.0005]], Kx, Ky, n_steps=3,
                                        n_samples=2000, rng=0, prob_x=0.9)
    assert est.ess < 10


def test_discrete_step_of_one_subsystem_is_bounded_by_its_information_flow():
    # a step in which only X moves (K_x, y kept) as a network: z0 <- (x0, x1), z1 <- x1, run back by
    # T^B_0(x0 | z0, z1) = K_x(x0 | z0, z1) and x1 <- z1. Its information term is the change of
    # I(X; Y) in the step, the discrete form of Horowitz and Esposito's sigma_X >= I'_X.
    from thermoinfo.thermo.graphical import network_entropy_production

    rng = np.random.default_rng(9)
    Kx = _kernel(rng, (3, 2, 3))
    p = _kernel(rng, 6).reshape(3, 2)
    keep = np.eye(2)
    ep = network_entropy_production(p, [Kx, keep], [("x0", "x1"), ("x1",)],
                                    back_kernels=[Kx, keep], back_parents=[("z0", "z1"), ("z1",)])
    s = ep.subsystem(0)
    p_after = np.einsum("xy,xyz->zy", p, Kx)
    flow = thermoinfo.mutual_information(p_after) - thermoinfo.mutual_information(p)
    assert s.information == pytest.approx(flow, abs=1e-12)
    assert s.total >= flow - 1e-12
    bath = np.sum(p[:, :, None] * Kx * np.log(Kx / np.transpose(Kx, (2, 1, 0))))
    assert s.total == pytest.approx(_entropy(p_after.sum(1)) - _entropy(p.sum(1)) + bath, abs=1e-12)
    # Y does not move: its own production is 0 and the sum rule charges the flow to X alone
    assert ep.subsystem(1).total == pytest.approx(0.0, abs=1e-14)
    assert ep.correlation_change == pytest.approx(flow, abs=1e-12)
