"""Markov chains: entropy production along a protocol, at stationarity, and the fluctuation theorem."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import thermoinfo
from thermoinfo.testing import strategies as ts
from thermoinfo.testing.errors import raises_named
from thermoinfo.thermo.fluctuation import (
    fluctuation_theorem_exact,
    fluctuation_theorem_mc,
    path_entropy_production,
    sample_paths,
)
from thermoinfo.thermo.markov import (
    detailed_balance,
    evolve,
    stationary_distribution,
    stationary_entropy_production,
    trajectory_entropy_production,
)


def _kernel(rng, n, floor=0.05):
    W = rng.random((n, n)) + floor
    return W / W.sum(axis=1, keepdims=True)


def _metropolis(energy, beta=1.0):
    """A Metropolis chain with uniform proposals: detailed balance for exp(-beta E)."""
    n = len(energy)
    W = np.minimum(1.0, np.exp(-beta * (energy[None, :] - energy[:, None]))) / n
    np.fill_diagonal(W, 0.0)
    W[np.diag_indices(n)] = 1.0 - W.sum(axis=1)
    return W


def test_trajectory_is_the_sum_of_one_step_productions():
    rng = np.random.default_rng(0)
    Ws = np.stack([_kernel(rng, 3) for _ in range(4)])
    p0 = np.array([0.7, 0.2, 0.1])
    ep = trajectory_entropy_production(p0, Ws)
    p = p0
    for t in range(4):
        one = thermoinfo.entropy_production(p, Ws[t])
        assert ep.step_total[t] == pytest.approx(one.total, abs=1e-14)
        assert ep.step_bath[t] == pytest.approx(one.bath, abs=1e-14)
        p = p @ Ws[t]
    np.testing.assert_allclose(ep.distributions[-1], p, atol=1e-15)
    np.testing.assert_allclose(evolve(p0, Ws), ep.distributions, atol=1e-15)
    assert ep.total == pytest.approx(ep.system + ep.bath, abs=1e-12)
    assert ep.system == pytest.approx(thermoinfo.entropy(p) - thermoinfo.entropy(p0), abs=1e-12)


def test_schnakenberg_formula_equals_one_step_production_at_stationarity():
    rng = np.random.default_rng(1)
    W = _kernel(rng, 4)
    pi = stationary_distribution(W)
    np.testing.assert_allclose(pi @ W, pi, atol=1e-14)
    sigma = stationary_entropy_production(W)
    by_hand = sum(pi[i] * W[i, j] * np.log(pi[i] * W[i, j] / (pi[j] * W[j, i]))
                  for i, j in itertools.product(range(4), repeat=2))
    assert sigma == pytest.approx(by_hand, abs=1e-14)
    one = thermoinfo.entropy_production(pi, W)
    assert one.system == pytest.approx(0.0, abs=1e-13)
    assert sigma == pytest.approx(one.total, abs=1e-13)
    assert sigma > 1e-3
    # the same number along a stationary trajectory, step after step
    traj = trajectory_entropy_production(pi, W, n_steps=3)
    np.testing.assert_allclose(traj.step_total, sigma, atol=1e-12)


def test_detailed_balance_gives_zero_and_a_driven_ring_does_not():
    energy = np.array([0.0, 0.4, -0.3, 1.1])
    W = _metropolis(energy, beta=1.5)
    assert detailed_balance(W)
    assert stationary_entropy_production(W) == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(stationary_distribution(W),
                               np.exp(-1.5 * energy) / np.exp(-1.5 * energy).sum(), atol=1e-14)
    # a biased walk on a ring of three: sigma_st = (p - q) log(p / q) per step from uniform
    a, b = 0.6, 0.3
    ring = np.array([[0.1, a, b], [b, 0.1, a], [a, b, 0.1]])
    assert not detailed_balance(ring)
    assert stationary_entropy_production(ring) == pytest.approx((a - b) * np.log(a / b), abs=1e-14)
    # a forbidden reverse transition makes it infinite
    one_way = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    assert stationary_entropy_production(one_way) == np.inf


def test_relaxation_with_detailed_balance_is_free_energy_decrease():
    # under detailed balance sigma_t = D(p_t || pi) - D(p_{t+1} || pi)
    energy = np.array([0.0, 1.0, 0.5])
    W = _metropolis(energy)
    pi = stationary_distribution(W)
    p0 = np.array([0.05, 0.9, 0.05])
    ep = trajectory_entropy_production(p0, W, n_steps=6)
    rel = [thermoinfo.kl(p, pi) for p in ep.distributions]
    np.testing.assert_allclose(ep.step_total, -np.diff(rel), atol=1e-13)
    assert np.all(np.diff(rel) <= 1e-15)


@settings(max_examples=30)
@given(st.integers(2, 3).flatmap(lambda n: st.tuples(
    ts.distributions(shape=(n,), positive=True), ts.conditionals(n, n, positive=True),
    st.integers(1, 3))))
def test_integral_fluctuation_theorem_by_enumeration(args):
    p0, W, n_steps = args
    r = fluctuation_theorem_exact(p0, W, n_steps)
    assert r.mean_exp == pytest.approx(1.0, abs=1e-12)
    assert r.backward_mass_outside == 0.0
    traj = trajectory_entropy_production(p0, W, n_steps)
    assert r.mean_sigma == pytest.approx(traj.total, abs=1e-10)
    assert r.mean_sigma >= -1e-12
    assert r.n_paths == len(p0) ** (n_steps + 1)


@settings(max_examples=30)
@given(st.integers(2, 3).flatmap(lambda n: st.tuples(
    ts.distributions(shape=(n,)), ts.conditionals(n, n), st.integers(1, 3))))
def test_fluctuation_theorem_with_zeros_misses_exactly_the_unreachable_backward_mass(args):
    # <exp(-sigma)> = 1 - q(p = 0) for kernels and initial states with zeros
    p0, W, n_steps = args
    r = fluctuation_theorem_exact(p0, W, n_steps)
    assert r.mean_exp == pytest.approx(1.0 - r.backward_mass_outside, abs=1e-12)
    assert 0.0 <= r.mean_exp <= 1.0 + 1e-12


def test_fluctuation_theorem_for_a_time_dependent_protocol_and_backward_kernel():
    rng = np.random.default_rng(3)
    Ws = np.stack([_kernel(rng, 3) for _ in range(3)])
    Wb = np.stack([_kernel(rng, 3) for _ in range(3)])
    p0 = np.array([0.5, 0.3, 0.2])
    r = fluctuation_theorem_exact(p0, Ws, W_back=Wb)
    assert r.mean_exp == pytest.approx(1.0, abs=1e-13)
    traj = trajectory_entropy_production(p0, Ws, W_back=Wb)
    assert r.mean_sigma == pytest.approx(traj.total, abs=1e-12)
    # path sigma by hand for one path
    path = np.array([[2, 0, 1, 1]])
    ps = [p0]
    for t in range(3):
        ps.append(ps[-1] @ Ws[t])
    logp = np.log(p0[2]) + np.log(Ws[0, 2, 0]) + np.log(Ws[1, 0, 1]) + np.log(Ws[2, 1, 1])
    logq = np.log(ps[3][1]) + np.log(Wb[0, 0, 2]) + np.log(Wb[1, 1, 0]) + np.log(Wb[2, 1, 1])
    assert path_entropy_production(path, p0, Ws, Wb)[0] == pytest.approx(logp - logq, abs=1e-13)


def test_fluctuation_theorem_monte_carlo_within_three_standard_errors():
    rng = np.random.default_rng(4)
    W = _kernel(rng, 3)
    p0 = np.array([0.8, 0.15, 0.05])
    est = fluctuation_theorem_mc(p0, W, n_steps=4, n_samples=20000, rng=12345)
    assert est.n_samples == 20000 and est.stderr > 0
    assert abs(est.mean - 1.0) < 3 * est.stderr
    # same seed, same numbers
    assert fluctuation_theorem_mc(p0, W, n_steps=4, n_samples=20000, rng=12345) == est
    assert est.ess > 0.1 * est.n_samples  # no warning


def test_fluctuation_mc_warns_on_a_small_effective_sample_size():
    from thermoinfo import UnreliableEstimateWarning

    W = np.array([[0.5, 0.5], [0.001, 0.999]])  # forward leaves 0 at once; backward stays at 1
    with pytest.warns(UnreliableEstimateWarning, match="effective sample size"):
        est = fluctuation_theorem_mc([0.999, 0.001], W, n_steps=3, n_samples=2000, rng=0)
    assert est.ess < 10


def test_sampled_paths_follow_the_chain():
    # chi-square of sampled two-step paths against the exact path probabilities
    from scipy.stats import chisquare

    W = np.array([[0.7, 0.3], [0.4, 0.6]])
    p0 = np.array([0.25, 0.75])
    paths = sample_paths(p0, W, n_steps=2, n_samples=40000, rng=2024)
    assert paths.dtype == np.int8 and paths.shape == (40000, 3)
    counts = np.bincount(paths[:, 0] * 4 + paths[:, 1] * 2 + paths[:, 2], minlength=8)
    expected = np.array([p0[a] * W[a, b] * W[b, c] for a in range(2) for b in range(2) for c in range(2)])
    assert chisquare(counts, 40000 * expected).pvalue > 1e-3


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: trajectory_entropy_production([0.5, 0.5], [[0.5, 0.6], [0.5, 0.5]], 2), "W"),
        (lambda: trajectory_entropy_production([0.5, 0.5], np.eye(2)), "n_steps"),
        (lambda: trajectory_entropy_production([0.5, 0.6], np.eye(2), 2), "p0"),
        (lambda: trajectory_entropy_production([0.5, 0.5], np.full((2, 3), 1 / 3), 2), "W"),
        (lambda: trajectory_entropy_production([0.5, 0.5], np.eye(2), 2, W_back=np.eye(3)), "W_back"),
        (lambda: trajectory_entropy_production([1 / 3] * 3, np.eye(2), 2), "p0"),
        (lambda: trajectory_entropy_production([0.5, 0.5], [[np.nan, 1], [0, 1]], 2), "W"),
        (lambda: trajectory_entropy_production([0.5, 0.5], np.full((2, 2, 3), 1 / 3)), "W"),
        (lambda: stationary_distribution(np.eye(2)), "W"),
        (lambda: stationary_entropy_production(np.eye(2) * 0.5 + 0.25, p=[0.9, 0.1]), "p"),
        (lambda: fluctuation_theorem_exact([0.5, 0.5], np.eye(2), n_steps=0), "n_steps"),
        (lambda: path_entropy_production([[0, 2]], [0.5, 0.5], np.eye(2)), "paths"),
        (lambda: sample_paths([0.5, 0.5], np.eye(2), 2, n_samples=0), "n_samples"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with raises_named(ValueError, name):
        call()
