"""The temperature classifier: near-Bayes-optimal reading, biases that record the free energy
(Aoki, Fujita & Kobayashi, arXiv:1901.03817) and clear errors on bad input."""

import numpy as np
import pytest
from scipy.special import log_softmax

from thermoinfo.systems.ising import (
    CRITICAL_TEMPERATURE,
    TemperatureClassifier,
    bias_free_energy,
    configuration_energy,
    exact,
    sample,
    second_derivative,
)

L = 10
T_GRID = np.round(np.arange(1.4, 3.81, 0.2), 4)
PEAK_WINDOW = (CRITICAL_TEMPERATURE - 0.4, CRITICAL_TEMPERATURE + 0.45)


def _bayes(spins, temps, labels):
    """Cross entropy and accuracy of the exact posterior p(T_k|s) ~ exp(-beta_k E(s) - ln Z_k)
    (equal priors)."""
    side = spins.shape[-1]
    energy = configuration_energy(spins, 1.0, 0.0, 2)
    ln_z = np.array([exact(side, t).log_z * side * side for t in temps])
    lp = log_softmax(-energy[:, None] / temps[None, :] - ln_z[None, :], axis=1)
    return float(-np.mean(lp[np.arange(labels.size), labels])), float(np.mean(lp.argmax(axis=1) == labels))


def test_second_derivative_exact_for_quadratics_on_uneven_grid():
    x = np.array([0.1, 0.3, 0.35, 0.9, 1.4])
    np.testing.assert_allclose(second_derivative(2.5 * x**2 - 3 * x + 7, x), 5.0, rtol=1e-12)


def test_bias_free_energy_reads_the_exact_specific_heat():
    # the Bayes-optimal biases: -ln Z/N plus an arbitrary affine function of beta
    temps = np.round(np.arange(1.4, 3.81, 0.1), 4)
    minus_log_z = np.array([-exact(L, t).log_z for t in temps])
    r = bias_free_energy(temps, minus_log_z - 0.7 / temps + 3.0, L)
    assert r.correlation == pytest.approx(1.0, abs=1e-12)
    assert r.slope == pytest.approx(1.0, abs=1e-9)
    c = r.dataset["specific_heat"].values[1:-1]
    c_exact = np.array([exact(L, t).c for t in temps[1:-1]])
    # three-point differences in beta: error O(h^2), under 2% for h_beta <= 0.05 here
    np.testing.assert_allclose(c, c_exact, rtol=0.02)
    assert r.peak_temperature == r.exact_peak_temperature
    assert PEAK_WINDOW[0] < r.peak_temperature < PEAK_WINDOW[1]


def test_bias_free_energy_rejects_bad_input():
    with pytest.raises(ValueError, match=r"^temperatures"):
        bias_free_energy([3.0, 2.0, 1.0, 0.5], [0.0] * 4, L)
    with pytest.raises(ValueError, match=r"^bias"):
        bias_free_energy([1.0, 2.0, 3.0, 4.0], [0.0] * 3, L)
    with pytest.raises(ValueError, match=r"^L"):
        bias_free_energy([1.0, 2.0, 3.0, 4.0], [0.0] * 4, 1)


@pytest.fixture(scope="module")
def small_fit():
    data = sample(6, [1.5, 2.5, 4.0], 90, burn_in=50, sweeps_between=4, rng=3)
    clf = TemperatureClassifier(6, hidden=(16,), n_steps=300, rng=4).fit(data)
    return data, clf


def test_predict_and_score_are_consistent(small_fit):
    data, clf = small_fit
    p = clf.predict_proba(data)
    assert p.shape == (270, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-9)
    pred = clf.predict(data)
    np.testing.assert_allclose(pred["temperature_mean"].values, p @ clf.temperatures_)
    np.testing.assert_array_equal(pred["temperature_argmax"].values, clf.temperatures_[p.argmax(axis=1)])
    s = clf.score(data)
    conf = s["confusion"].values
    assert conf.sum() == 270 and np.all(conf.sum(axis=1) == 90)
    assert float(s["accuracy"]) == pytest.approx(np.trace(conf) / 270)
    _, bayes_accuracy = _bayes(data.isel(field=0).values.reshape(-1, 6, 6), clf.temperatures_,
                               np.repeat(np.arange(3), 90))
    assert float(s["accuracy"]) > bayes_accuracy - 0.1
    # the same labels as plain arrays give the same score
    x = data.isel(field=0).values.reshape(-1, 6, 6)
    s2 = clf.score(x, np.repeat(data["temperature"].values, 90))
    np.testing.assert_array_equal(s2["confusion"].values, conf)
    # one temperature's configurations, labelled by their scalar coordinate
    s3 = clf.score(data.isel(temperature=1, field=0))
    np.testing.assert_array_equal(s3["confusion"].values, np.diag([0, 1, 0]) @ conf)


def test_same_seed_same_network(small_fit):
    data, clf = small_fit
    again = TemperatureClassifier(6, hidden=(16,), n_steps=300, rng=4).fit(data)
    np.testing.assert_array_equal(again.bias_, clf.bias_)


def test_bad_input_names_the_argument(small_fit):
    data, clf = small_fit
    with pytest.raises(ValueError, match=r"^spins must hold Ising spins"):
        clf.predict((data.values.reshape(-1, 6, 6) + 1) // 2)  # {0, 1} units
    with pytest.raises(ValueError, match=r"^spins must end in the lattice shape"):
        clf.predict(np.ones((3, 8, 8)))
    with pytest.raises(TypeError, match=r"^spins"):
        clf.predict("up")
    with pytest.raises(ValueError, match=r"^temperature 9\.0 is not a training temperature"):
        clf.score(np.ones((2, 6, 6)), [1.5, 9.0])
    with pytest.raises(ValueError, match=r"^temperature must"):
        TemperatureClassifier(6).fit(np.ones((2, 6, 6)))
    with pytest.raises(ValueError, match=r"^TemperatureClassifier is not fitted"):
        TemperatureClassifier(6).predict(np.ones((2, 6, 6)))
    with pytest.raises(ValueError, match=r"^spins must hold one field"):
        TemperatureClassifier(6).fit(sample(6, 2.0, 4, H=[0.0, 0.5], burn_in=5, sweeps_between=1, rng=0))
    with pytest.raises(ValueError, match=r"^n_steps"):
        TemperatureClassifier(6, n_steps=0).fit(data)


@pytest.fixture(scope="module")
def critical_data():
    train = sample(L, T_GRID, 1000, burn_in=200, sweeps_between=10, rng=0)
    held_out = sample(L, T_GRID, 300, burn_in=200, sweeps_between=10, rng=1)
    return train, held_out


@pytest.mark.slow
def test_biases_record_the_free_energy_and_peak_near_tc(critical_data):
    train, held_out = critical_data
    clf = TemperatureClassifier(L, hidden=(128,), n_steps=3000, rng=1).fit(train)
    # within 0.1 nat of the Bayes-optimal reading on held-out configurations (0.04-0.06
    # measured; uniform guessing is 0.9 nat above it) and never below it beyond sampling
    # noise (0.02 nat)
    x = held_out.isel(field=0).values.reshape(-1, L, L)
    labels = np.repeat(np.arange(T_GRID.size), 300)
    bayes, _ = _bayes(x, T_GRID, labels)
    score = clf.score(held_out)
    assert bayes - 0.03 < float(score["cross_entropy"]) < bayes + 0.1
    r = clf.free_energy()
    assert r.correlation > 0.98
    assert 0.8 < r.slope < 1.3
    assert PEAK_WINDOW[0] < r.peak_temperature < PEAK_WINDOW[1]
    c_max = np.nanmax(r.dataset["specific_heat_exact"].values)
    assert np.nanmax(r.dataset["specific_heat"].values) > 0.5 * c_max


@pytest.mark.slow
def test_shuffled_labels_carry_no_free_energy(critical_data):
    train, _ = critical_data
    x = train.isel(field=0).values.reshape(-1, L, L)
    labels = np.random.default_rng(5).permutation(np.repeat(T_GRID, 1000))
    r = TemperatureClassifier(L, hidden=(128,), n_steps=3000, rng=1).fit(x, labels).free_energy()
    assert abs(r.slope) < 0.2
    c_max = np.nanmax(r.dataset["specific_heat_exact"].values)
    assert np.nanmax(r.dataset["specific_heat"].values) < 0.2 * c_max
