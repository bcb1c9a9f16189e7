"""Boltzmann machines: exact thermodynamics, Gibbs sampling, learning."""

import itertools

import numpy as np
import pytest

from thermoinfo._enumerate import states as all_states
from thermoinfo._errors import NonFiniteParameterError
from thermoinfo.models import BoltzmannMachine
from thermoinfo.testing.sampling import chisquare_pvalue, state_counts

VALUES = {"binary": (0, 1), "spin": (-1, 1)}


def random_params(rng, n, scale=1.0):
    w = np.triu(rng.normal(0.0, scale, (n, n)), 1)
    return w + w.T, rng.normal(0.0, scale, n)


def brute_log_z(w, b, units, t):
    total = 0.0
    for s in itertools.product(VALUES[units], repeat=len(b)):
        s = np.array(s, dtype=float)
        total += np.exp((0.5 * s @ w @ s + b @ s) / t)
    return np.log(total)


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_log_partition_matches_a_direct_sum(units):
    rng = np.random.default_rng(0)
    w, b = random_params(rng, 6)
    bm = BoltzmannMachine.from_params(w, b, units=units, temperature=0.7)
    assert bm.log_partition() == pytest.approx(brute_log_z(w, b, units, 0.7), abs=1e-12)
    assert bm.probabilities().sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_exact_thermodynamics_are_derivatives_of_log_z(units):
    rng = np.random.default_rng(1)
    w, b = random_params(rng, 7)
    t, h = 1.3, 1e-4

    def machine(temp):
        return BoltzmannMachine.from_params(w, b, units=units, temperature=temp)

    th = machine(t).thermodynamics()
    lz = {d: machine(t + d * h).log_partition() for d in (-2, -1, 1, 2)}
    dlogz = (-lz[2] + 8 * lz[1] - 8 * lz[-1] + lz[-2]) / (12 * h)
    assert th.mean_energy == pytest.approx(t**2 * dlogz, abs=1e-8)
    # S = d(T log Z)/dT, C = dU/dT
    tlz = {d: (t + d * h) * lz[d] for d in lz}
    assert th.entropy == pytest.approx((-tlz[2] + 8 * tlz[1] - 8 * tlz[-1] + tlz[-2]) / (12 * h), abs=1e-8)
    u = {d: machine(t + d * h).thermodynamics().mean_energy for d in (-2, -1, 1, 2)}
    assert th.heat_capacity == pytest.approx((-u[2] + 8 * u[1] - 8 * u[-1] + u[-2]) / (12 * h), abs=1e-7)
    assert th.free_energy == pytest.approx(-t * th.log_z)
    assert th.free_energy == pytest.approx(th.mean_energy - t * th.entropy)
    # moments against the enumerated distribution
    s = all_states(7, values=VALUES[units]).astype(float)
    p = machine(t).probabilities()
    np.testing.assert_allclose(th.means, p @ s, atol=1e-12)
    np.testing.assert_allclose(th.correlations, (s * p[:, None]).T @ s, atol=1e-12)


def test_visible_probabilities_and_log_likelihood_agree():
    rng = np.random.default_rng(2)
    w, b = random_params(rng, 5)
    bm = BoltzmannMachine.from_params(w, b, n_visible=3, temperature=0.9)
    pv = bm.visible_probabilities()
    v = all_states(3)
    assert pv.sum() == pytest.approx(1.0, abs=1e-12)
    for row, p in zip(v, pv):
        assert bm.log_likelihood(row[None, :]) == pytest.approx(np.log(p), abs=1e-10)


def test_learning_gradient_is_the_log_likelihood_gradient():
    rng = np.random.default_rng(3)
    w, b = random_params(rng, 5, 0.8)
    t = 1.5
    bm = BoltzmannMachine.from_params(w, b, n_visible=3, temperature=t)
    x = rng.integers(0, 2, size=(40, 3)).astype(np.int8)
    d1, d2 = bm.data_moments(x)
    m1, m2 = bm.model_moments()
    eps = 1e-6
    for i, j in [(0, 1), (0, 4), (3, 4)]:
        wp, wm = w.copy(), w.copy()
        wp[i, j] += eps
        wp[j, i] += eps
        wm[i, j] -= eps
        wm[j, i] -= eps
        up = BoltzmannMachine.from_params(wp, b, n_visible=3, temperature=t).log_likelihood(x)
        dn = BoltzmannMachine.from_params(wm, b, n_visible=3, temperature=t).log_likelihood(x)
        # a symmetric change of w_ij and w_ji moves E by -u_i u_j
        assert (up - dn) / (2 * eps) == pytest.approx((d2[i, j] - m2[i, j]) / t, abs=1e-6)
    for i in range(5):
        bp, bn = b.copy(), b.copy()
        bp[i] += eps
        bn[i] -= eps
        up = BoltzmannMachine.from_params(w, bp, n_visible=3, temperature=t).log_likelihood(x)
        dn = BoltzmannMachine.from_params(w, bn, n_visible=3, temperature=t).log_likelihood(x)
        assert (up - dn) / (2 * eps) == pytest.approx((d1[i] - m1[i]) / t, abs=1e-6)


@pytest.mark.parametrize("units, rate", [("binary", 1.0), ("spin", 0.3)])
def test_fit_matches_the_moments_of_data_from_a_known_machine(units, rate):
    rng = np.random.default_rng(4)
    n = 5
    w, b = random_params(rng, n, 0.5)
    true = BoltzmannMachine.from_params(w, b, units=units)
    s = all_states(n, values=VALUES[units])
    x = s[rng.choice(2**n, size=3000, p=true.probabilities())]
    fit = BoltzmannMachine(n, units=units, learning_rate=rate, n_epochs=5000, tol=1e-9).fit(x)
    assert fit.converged_
    th = fit.thermodynamics()
    xf = x.astype(float)
    np.testing.assert_allclose(th.means, xf.mean(axis=0), atol=1e-8)
    off = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(th.correlations[off], (xf.T @ xf / len(x))[off], atol=1e-8)
    # moment matching is the maximum of the likelihood: no parameters do better
    assert fit.log_likelihood(x) >= true.log_likelihood(x)
    assert np.max(np.abs(fit.weights_ - w)) < 0.4


def test_fit_with_hidden_units_raises_the_likelihood_and_stops_at_a_stationary_point():
    rng = np.random.default_rng(5)
    x = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0]] * 20, dtype=np.int8)
    x = x[rng.permutation(len(x))]
    seen = []
    bm = BoltzmannMachine(4, 2, learning_rate=1.0, n_epochs=400, rng=0)
    bm.fit(x, callback=lambda epoch, model: seen.append(model.log_likelihood(x)))
    assert seen[-1] > seen[0] + 0.5
    assert seen[-1] > 4 * np.log(0.5)  # better than independent fair coins
    d1, _ = bm.data_moments(x)
    m1, _ = bm.model_moments()
    assert bm.moment_gap_ < 0.05 and np.max(np.abs(d1 - m1)) < 0.05


def test_fit_with_sampled_averages_approaches_the_exact_fit():
    rng = np.random.default_rng(6)
    w, b = random_params(rng, 4, 0.5)
    true = BoltzmannMachine.from_params(w, b)
    x = all_states(4)[rng.choice(16, size=2000, p=true.probabilities())]
    exact = BoltzmannMachine(4, learning_rate=1.0).fit(x)
    sampled = BoltzmannMachine(4, method="gibbs", learning_rate=0.2, n_epochs=150, n_chains=300,
                               n_sweeps=3, rng=1).fit(x)
    assert sampled.log_likelihood(x) > exact.log_likelihood(x) - 0.02
    assert np.max(np.abs(sampled.weights_ - exact.weights_)) < 0.6


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gibbs_samples_match_exact_enumeration(units, seed):
    rng = np.random.default_rng(20 + seed)
    w, b = random_params(rng, 5, 0.6)
    bm = BoltzmannMachine.from_params(w, b, n_visible=3, units=units, temperature=1.2)
    n_samples = 2000
    s = bm.sample(n_samples, n_sweeps=15, rng=seed)
    counts = state_counts(s, VALUES[units])
    assert counts.sum() == n_samples
    assert chisquare_pvalue(counts, bm.probabilities()) > 1e-3


def test_non_finite_parameters_stop_training_naming_the_epoch():
    x = np.ones((4, 3), dtype=np.int8)  # the likelihood grows without bound as w -> inf
    bm = BoltzmannMachine(3, learning_rate=1e308, n_epochs=50)
    with pytest.raises(NonFiniteParameterError, match="epoch"):
        bm.fit(x)
    assert np.all(np.isfinite(bm.weights_)) and np.all(np.isfinite(bm.bias_))


def test_bad_input_raises_errors_naming_the_argument():
    x = np.array([[1, 0, 1]], dtype=np.int8)
    with pytest.raises(ValueError, match="X"):
        BoltzmannMachine(3).fit([[1, 2, 0]])
    with pytest.raises(ValueError, match="X"):
        BoltzmannMachine(3, units="spin").fit(x)
    with pytest.raises(ValueError, match="non-finite"):
        BoltzmannMachine(3).fit([[1.0, np.nan, 0.0]])
    with pytest.raises(ValueError, match="3 units"):
        BoltzmannMachine(3).fit([[1, 0]])
    with pytest.raises(ValueError, match="n_visible"):
        BoltzmannMachine(0).fit(np.zeros((1, 0)))
    with pytest.raises(ValueError, match="n_hidden"):
        BoltzmannMachine(3, -1).fit(x)
    with pytest.raises(ValueError, match="temperature"):
        BoltzmannMachine(3, temperature=0.0).fit(x)
    with pytest.raises(ValueError, match="temperature"):
        BoltzmannMachine.from_params(np.zeros((2, 2)), temperature=-1.0)
    with pytest.raises(ValueError, match="method"):
        BoltzmannMachine(3, method="cd").fit(x)
    with pytest.raises(ValueError, match="symmetric"):
        BoltzmannMachine.from_params(np.array([[0.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="enumeration"):
        BoltzmannMachine.from_params(np.zeros((21, 21))).log_partition()
    with pytest.raises(ValueError, match="no parameters"):
        BoltzmannMachine(3).sample(2)
