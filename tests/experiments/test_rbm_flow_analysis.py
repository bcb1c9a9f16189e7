"""RBM-flow analyses: the flow with either unit set against closed forms, the
N_h / N_temp scan, the systematics table and the RBM's own heat-capacity peak."""

import itertools

import numpy as np
import pytest

from thermoinfo.experiments import rbm_flow, rbm_flow_analysis
from thermoinfo.models import RBM
from thermoinfo.systems.ising import EnergyThermometer, MagnetizationThermometer


def _independent_spins(units, bias, n_visible=36):
    """W = 0: every flow step draws independent spins with mean m = tanh(b) (spin)
    or 2 sigmoid(b) - 1 = tanh(b / 2) (binary)."""
    rbm = RBM.from_params(np.zeros((n_visible, 2)), np.full(n_visible, bias), np.zeros(2), units=units)
    m = np.tanh(bias) if units == "spin" else np.tanh(bias / 2)
    return rbm, m


@pytest.mark.parametrize("units", ["spin", "binary"])
def test_flow_maps_either_unit_set_to_spins(units):
    rbm, _ = _independent_spins(units, 30.0, 16)
    v0 = -np.ones((3, 16), dtype=np.int8)
    path = rbm_flow.flow(rbm, v0, 2, np.random.default_rng(0))
    assert path.dtype == np.int8
    np.testing.assert_array_equal(path[0], v0)
    np.testing.assert_array_equal(path[1:], 1)   # a huge positive bias: every unit up, spin +1
    rbm, _ = _independent_spins(units, -30.0, 16)
    np.testing.assert_array_equal(rbm_flow.flow(rbm, -v0, 2, np.random.default_rng(0))[1:], -1)


@pytest.mark.parametrize("units", ["spin", "binary"])
def test_read_flow_energy_of_independent_spins(units):
    # independent spins of mean m on a periodic 6 x 6 lattice (2 N bonds): <e> = -2 m^2 exactly
    rbm, m = _independent_spins(units, 0.6)
    th_e = EnergyThermometer(6)
    th_m = MagnetizationThermometer.from_calibration(6, [1.0, 2.0, 3.0, 4.0], [0.95, 0.9, 0.5, 0.2])
    v0 = np.ones((50, 36), dtype=np.int8)
    rd = rbm_flow.read_flow(rbm, v0, 40, np.random.default_rng(3), th_e, th_m)
    assert rd.energy.shape == rd.temperature.shape == (41,)
    assert rd.energy[0] == -2.0 and rd.temperature[0] == 0.0
    assert abs(rd.end_energy - (-2 * m**2)) < 4 * rd.end_energy_se
    # 10 steps x 50 chains of sd ~0.23 each: SE ~0.01, neither collapsed nor inflated
    assert 0.004 < rd.end_energy_se < 0.02
    assert rd.stationary
    assert rd.end_temperature == pytest.approx(th_e.temperature_of_energy(rd.end_energy))
    assert np.all(rd.abs_m[1:] < 1.0)


@pytest.fixture(scope="module")
def small_scan():
    return rbm_flow_analysis.scan(L=6, n_hidden=(4, 16), n_temperatures=(5, 40), n_per_temperature=40,
                                  learning_rate=0.01, n_epochs=10, n_replicas=1, n_flow_steps=24,
                                  n_flow_chains=20, rng=0)


def test_scan_more_temperatures_raise_the_fixed_point_energy(small_scan):
    ds = small_scan
    assert ds.end_energy.dims == ("n_hidden", "n_temperatures", "replica", "start")
    np.testing.assert_allclose(ds.hidden_ratio, [4 / 36, 16 / 36])
    np.testing.assert_allclose(ds.max_temperature, [0.4, 3.9])
    e = ds.end_energy.mean(("replica", "start"))
    # data at T <= 0.4 are nearly ground states: the flow stays ordered (e near -2);
    # with data up to T = 3.9 it ends far above (Funai 2021: the energy grows with N_temp)
    assert np.all(e.sel(n_temperatures=5) < -1.6)
    assert np.all(e.sel(n_temperatures=40) > e.sel(n_temperatures=5) + 0.25)
    # from T = 0 and from random spins (T = infinity) the flows end at the same energy
    spread = np.abs(ds.end_energy.sel(start="low") - ds.end_energy.sel(start="high"))
    assert np.all(spread < 0.15)
    assert ds.flows_meet.dims == ("n_hidden", "n_temperatures", "replica")
    assert np.all(spread < 4 * np.hypot(ds.end_energy_se.sel(start="low"), ds.end_energy_se.sel(start="high"))
                  + 0.05)
    ratio = ds.energy_minimum_ratio.sel(n_temperatures=40)
    assert float(ratio) == float(ds.hidden_ratio[int(np.argmin(e.sel(n_temperatures=40).values))])


def test_scan_is_reproducible(small_scan):
    again = rbm_flow_analysis.scan(L=6, n_hidden=(4, 16), n_temperatures=(5, 40), n_per_temperature=40,
                                   learning_rate=0.01, n_epochs=10, n_replicas=1, n_flow_steps=24,
                                   n_flow_chains=20, rng=0)
    np.testing.assert_array_equal(again.end_energy.values, small_scan.end_energy.values)


def test_plot_scan(small_scan):
    assert len(rbm_flow_analysis.plot_scan(small_scan).axes) == 1


def test_systematics_table():
    ds = rbm_flow_analysis.systematics(
        L=6, baseline={"n_hidden": 9, "n_epochs": 5, "learning_rate": 0.003, "biases": True,
                       "units": "spin"},
        variations={"n_hidden": (9, 4), "biases": (False,), "units": ("binary",)}, n_replicas=2,
        temperatures=[0.0, 1.0, 2.0, 3.0, 4.0], n_per_temperature=30, n_flow_steps=16,
        n_flow_chains=10, rng=1)
    assert [str(s) for s in ds.setting.values] == ["baseline", "n_hidden=4", "biases=False",
                                                   "units=binary"]
    assert list(ds.n_hidden.values) == [9, 4, 9, 9]
    assert list(ds.biases.values) == [1, 1, 0, 1]
    assert list(ds.units.values) == ["spin", "spin", "spin", "binary"]
    assert ds.fixed_point_temperature.dims == ("setting", "replica", "start")
    # mean and spread over the stationary flows of replicas x starts, per thermometer
    for th, var in (("energy", "fixed_point_temperature"), ("abs_m", "fixed_point_temperature_abs_m")):
        v = ds[var].sel(setting="baseline").values.ravel()
        v = v[np.isfinite(v)]
        assert int(ds.n_stationary.sel(setting="baseline", thermometer=th)) == v.size
        if v.size > 1:
            assert float(ds.fixed_point_mean.sel(setting="baseline", thermometer=th)) == pytest.approx(
                v.mean())
            assert float(ds.fixed_point_spread.sel(setting="baseline", thermometer=th)) == pytest.approx(
                v.std(ddof=1))
    assert np.all(np.isfinite(ds.end_energy))
    assert len(rbm_flow_analysis.plot_systematics(ds).axes) == 1


def test_training_without_biases_keeps_them_zero():
    X = np.where(np.random.default_rng(0).random((40, 16)) < 0.7, 1, -1).astype(np.int8)
    rbm = rbm_flow_analysis._train(X, 3, n_epochs=2, learning_rate=0.05, biases=False, rng=0)
    assert np.all(rbm.visible_bias_ == 0) and np.all(rbm.hidden_bias_ == 0)
    rbm = rbm_flow_analysis._train(X, 3, n_epochs=2, learning_rate=0.05, units="binary", rng=0)
    assert rbm.units == "binary" and np.any(rbm.visible_bias_ != 0)


def _brute_force_heat_capacity(W, b, c, beta):
    """beta^2 Var(E) over every joint (v, h) of a spin RBM."""
    n_v, n_h = W.shape
    states = np.array(list(itertools.product((-1.0, 1.0), repeat=n_v + n_h)))
    v, h = states[:, :n_v], states[:, n_v:]
    E = -np.einsum("si,ij,sj->s", v, W, h) - v @ b - h @ c
    out = []
    for bt in np.atleast_1d(beta):
        logw = -bt * E
        w = np.exp(logw - logw.max())
        w /= w.sum()
        mean = w @ E
        out.append(bt**2 * (w @ (E - mean) ** 2))
    return np.array(out)


def test_heat_capacity_peak_of_an_rbm_against_enumeration():
    rng = np.random.default_rng(4)
    W, b, c = rng.normal(0, 0.6, (5, 3)), rng.normal(0, 0.2, 5), rng.normal(0, 0.2, 3)
    fine = np.linspace(0.2, 3.0, 28001)
    reference = fine[int(np.argmax(_brute_force_heat_capacity(W, b, c, fine)))]
    assert 0.4 < reference < 2.8   # an interior maximum
    coarse = np.round(np.arange(0.2, 3.01, 0.2), 10)
    rbm = RBM.from_params(W, b, c, units="spin")
    heat = rbm.thermodynamics(1.0 / coarse).heat_capacity.values
    np.testing.assert_allclose(heat, _brute_force_heat_capacity(W, b, c, coarse), rtol=1e-9)
    peak = rbm_flow_analysis.heat_capacity_peak(coarse, heat)
    assert abs(peak - reference) < 0.02
    assert abs(peak - reference) < abs(coarse[int(np.argmax(heat))] - reference)   # refined, not the grid


@pytest.mark.parametrize(
    ("call", "start"),
    [(lambda: rbm_flow_analysis.heat_capacity_peak([1.0, 0.5, 2.0], [1.0, 2.0, 1.0]), "beta"),
     (lambda: rbm_flow_analysis.heat_capacity_peak([0.5, 1.0, 2.0], [1.0, np.nan, 1.0]), "heat_capacity"),
     (lambda: rbm_flow_analysis.scan(L=4, n_temperatures=(1,)), "n_temperatures"),
     (lambda: rbm_flow_analysis.scan(L=1), "L"),
     (lambda: rbm_flow_analysis.scan(L=4, temperature_step=0.0), "temperature_step"),
     (lambda: rbm_flow_analysis.systematics(L=4, variations={"momentum": (0.5,)}), "variations"),
     (lambda: rbm_flow_analysis.systematics(L=4, baseline={"n_hidden": 4}), "baseline"),
     (lambda: rbm_flow_analysis.systematics(L=4, variations={"units": ("potts",)}), "units")],
)
def test_bad_input(call, start):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value).startswith(start)


def test_heat_capacity_of_trained_rbms():
    ds = rbm_flow_analysis.heat_capacity(L=4, n_hidden=(4,), training=("all", "low"),
                                         rbm_betas=[0.1, 0.4, 0.7, 1.0, 1.5, 2.5],
                                         temperatures=[0.0, 1.0, 2.0, 3.0, 4.0, 6.0],
                                         n_per_temperature=40, n_epochs=10, n_samples=60,
                                         n_gibbs_steps=30, rng=2)
    assert ds.heat_capacity.dims == ("n_hidden", "training", "rbm_beta")
    assert np.all(ds.heat_capacity > 0)
    t = ds.ising_temperature.isel(n_hidden=0)
    # hotter RBM (small beta), hotter samples: near-random spins at beta = 0.1, ordered at 2.5
    assert np.all(t.isel(rbm_beta=0) > 4.0) and np.all(t.isel(rbm_beta=-1) < 2.0)
    assert np.all((ds.peak_beta >= 0.1) & (ds.peak_beta <= 2.5))
    # the trained model's C equals C(beta = 1) on the grid
    np.testing.assert_allclose(ds.heat_capacity_at_one, ds.heat_capacity.sel(rbm_beta=1.0))
    assert len(rbm_flow_analysis.plot_heat_capacity(ds).axes) == 2
