"""Boltzmann machines: exact thermodynamics, Gibbs sampling, learning."""

import itertools

import numpy as np
import pytest

from thermoinfo._enumerate import states as all_states
from thermoinfo._errors import NonFiniteParameterError
from thermoinfo.models import BoltzmannMachine
from thermoinfo.testing import raises_named
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
    assert th.log_partition.item() == pytest.approx(brute_log_z(w, b, units, t), abs=1e-12)
    lz = {d: machine(t + d * h).log_partition() for d in (-2, -1, 1, 2)}
    dlogz = (-lz[2] + 8 * lz[1] - 8 * lz[-1] + lz[-2]) / (12 * h)
    assert th.energy.item() == pytest.approx(t**2 * dlogz, abs=1e-8)
    # S = d(T log Z)/dT, C = dU/dT
    tlz = {d: (t + d * h) * lz[d] for d in lz}
    assert th.entropy.item() == pytest.approx((-tlz[2] + 8 * tlz[1] - 8 * tlz[-1] + tlz[-2]) / (12 * h),
                                              abs=1e-8)
    u = {d: machine(t + d * h).thermodynamics().energy.item() for d in (-2, -1, 1, 2)}
    assert th.heat_capacity.item() == pytest.approx((-u[2] + 8 * u[1] - 8 * u[-1] + u[-2]) / (12 * h),
                                                    abs=1e-7)
    assert th.free_energy.item() == pytest.approx(-t * brute_log_z(w, b, units, t), abs=1e-11)
    # moments against the enumerated distribution
    s = all_states(7, values=VALUES[units]).astype(float)
    p = machine(t).probabilities()
    np.testing.assert_allclose(th.means.values, p @ s, atol=1e-12)
    np.testing.assert_allclose(th.correlations.values, (s * p[:, None]).T @ s, atol=1e-12)


def test_thermodynamics_is_a_labelled_dataset_over_temperature():
    rng = np.random.default_rng(11)
    w, b = random_params(rng, 5)
    bm = BoltzmannMachine.from_params(w, b, units="spin", temperature=0.8)
    temps = [0.5, 0.8, 2.0]
    ds = bm.thermodynamics(temps)
    assert ds.energy.dims == ("temperature",) and ds.correlations.dims == ("temperature", "unit_i", "unit_j")
    np.testing.assert_array_equal(ds.temperature.values, temps)
    for name in ("log_partition", "free_energy", "energy", "entropy", "heat_capacity", "means",
                 "correlations", "temperature"):
        assert {"long_name", "units"} <= set(ds[name].attrs)
    assert ds.entropy.attrs["units"] == "nat"
    for t in temps:  # each temperature as its own machine, and log Z by a direct sum
        one = BoltzmannMachine.from_params(w, b, units="spin", temperature=t).thermodynamics()
        assert ds.log_partition.sel(temperature=t).item() == pytest.approx(brute_log_z(w, b, "spin", t),
                                                                           abs=1e-12)
        np.testing.assert_allclose(ds.sel(temperature=t).means.values, one.means.values, atol=1e-13)
        assert ds.heat_capacity.sel(temperature=t).item() == pytest.approx(one.heat_capacity.item(),
                                                                           abs=1e-12)
    assert bm.thermodynamics().temperature.item() == 0.8 and bm.thermodynamics().energy.dims == ()


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
    np.testing.assert_allclose(th.means.values, xf.mean(axis=0), atol=1e-8)
    off = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(th.correlations.values[off], (xf.T @ xf / len(x))[off], atol=1e-8)
    # moment matching is the maximum of the likelihood: no parameters do better
    assert fit.log_likelihood(x) >= true.log_likelihood(x)
    assert np.max(np.abs(fit.weights_ - w)) < 0.4


def test_fit_with_hidden_units_raises_the_likelihood_and_stops_at_a_stationary_point():
    rng = np.random.default_rng(5)
    x = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0]] * 20, dtype=np.int8)
    x = x[rng.permutation(len(x))]
    seen = []
    bm = BoltzmannMachine(4, 2, learning_rate=1.0, n_epochs=400, rng=0,
                          callbacks=[lambda state: seen.append(state.model.log_likelihood(x))])
    bm.fit(x)
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


_X = np.array([[1, 0, 1]], dtype=np.int8)
BAD_CALLS = {
    "n_visible 0": (lambda: BoltzmannMachine(0).fit(np.zeros((1, 0))), ValueError, "n_visible"),
    "n_visible 2.5": (lambda: BoltzmannMachine(2.5).fit(_X), TypeError, "n_visible"),
    "n_hidden -1": (lambda: BoltzmannMachine(3, -1).fit(_X), ValueError, "n_hidden"),
    "temperature 0": (lambda: BoltzmannMachine(3, temperature=0.0).fit(_X), ValueError, "temperature"),
    "learning_rate NaN": (lambda: BoltzmannMachine(3, learning_rate=np.nan).fit(_X), ValueError,
                          "learning_rate"),
    "n_epochs 0": (lambda: BoltzmannMachine(3, n_epochs=0).fit(_X), ValueError, "n_epochs"),
    "tol -1": (lambda: BoltzmannMachine(3, tol=-1.0).fit(_X), ValueError, "tol"),
    "method": (lambda: BoltzmannMachine(3, method="cd").fit(_X), ValueError, "method"),
    "units": (lambda: BoltzmannMachine(3, units="ising").fit(_X), ValueError, "units"),
    "rng and random_state": (lambda: BoltzmannMachine(3, rng=0, random_state=0).fit(_X), ValueError, "rng"),
    "from_params n_visible": (lambda: BoltzmannMachine.from_params(np.zeros((2, 2)), n_visible=3),
                              ValueError, "n_visible"),
    "sample n_samples": (lambda: BoltzmannMachine.from_params(np.zeros((2, 2))).sample(0), ValueError,
                         "n_samples"),
    "sample n_sweeps": (lambda: BoltzmannMachine.from_params(np.zeros((2, 2))).sample(2, n_sweeps=1.5),
                        TypeError, "n_sweeps"),
    "sample init rows": (lambda: BoltzmannMachine.from_params(np.zeros((2, 2))).sample(2, init=[[0, 1]]),
                         ValueError, "init"),
    "not fitted": (lambda: BoltzmannMachine(3).sample(2), ValueError,
                   "this BoltzmannMachine has no parameters"),
}


@pytest.mark.parametrize("call", sorted(BAD_CALLS))
def test_bad_arguments_raise_errors_that_start_with_their_name(call):
    fn, error, name = BAD_CALLS[call]
    with raises_named(error, name):
        fn()


def test_exact_enumeration_is_refused_beyond_twenty_units():
    with pytest.raises(ValueError, match=r"^exact enumeration is limited to 20 units"):
        BoltzmannMachine.from_params(np.zeros((21, 21))).log_partition()


def test_callbacks_see_each_epoch_and_stop_training_when_one_returns_true():
    x = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]] * 5, dtype=np.int8)
    epochs, gaps = [], []

    def watch(state):
        epochs.append(state.epoch)
        gaps.append(state.moment_gap)
        assert state.model is bm

    bm = BoltzmannMachine(3, learning_rate=0.5, n_epochs=50, callbacks=[watch, lambda s: s.epoch == 4])
    bm.fit(x)
    assert epochs == [1, 2, 3, 4] and bm.n_iter_ == 4
    # the first gap is the moment gap of the zero-parameter machine: uniform units, <u_i> = 1/2
    xf = x.astype(float)
    off = ~np.eye(3, dtype=bool)
    first = max(np.max(np.abs(xf.mean(axis=0) - 0.5)), np.max(np.abs((xf.T @ xf / len(x) - 0.25)[off])))
    assert gaps[0] == pytest.approx(first, abs=1e-12)
    assert BoltzmannMachine(3, n_epochs=7, callbacks=[lambda s: None]).fit(x).n_iter_ == 7
    with pytest.raises(TypeError,
                       match=r"^BoltzmannMachine\.fit\(\) got an unexpected keyword argument 'callback'"):
        BoltzmannMachine(3).fit(x, callback=watch)
    with raises_named(TypeError, "callbacks"):
        BoltzmannMachine(3, callbacks=watch).fit(x)
    with raises_named(TypeError, "callbacks[1]"):
        BoltzmannMachine(3, callbacks=[watch, 3]).fit(x)
