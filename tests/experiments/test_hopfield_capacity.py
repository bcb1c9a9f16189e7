"""Hopfield capacity experiment: replica-symmetric theory and simulations."""

import numpy as np
import pytest
from scipy.special import erf, erfinv

from thermoinfo.experiments import hopfield_capacity as hc
from thermoinfo.testing import raises_named


def test_critical_load_matches_amit_gutfreund_sompolinsky():
    alpha_c, m_c = hc.critical_load()
    assert alpha_c == pytest.approx(0.138, abs=1e-3)
    assert m_c == pytest.approx(0.967, abs=1e-3)
    assert hc.replica_symmetric_overlap(alpha_c - 1e-6) == pytest.approx(m_c, abs=1e-3)
    assert hc.replica_symmetric_overlap(alpha_c + 1e-4) == 0.0


@pytest.mark.parametrize("alpha", [0.05, 0.08, 0.1, 0.13, 0.137])
def test_overlap_solves_the_original_replica_symmetric_equations(alpha):
    m = hc.replica_symmetric_overlap(alpha)
    # m = erf(y), y = m/sqrt(2 alpha r), C = sqrt(2/(pi alpha r)) exp(-y^2), r = 1/(1 - C)^2:
    # iterate r from the solution and check every equation holds
    y = erfinv(m)
    r = (m / y) ** 2 / (2 * alpha)
    c = np.sqrt(2 / (np.pi * alpha * r)) * np.exp(-y * y)
    assert r == pytest.approx(1 / (1 - c) ** 2, rel=1e-8)
    assert m == pytest.approx(erf(m / np.sqrt(2 * alpha * r)), abs=1e-12)
    # and it is the retrieval (largest) solution: m decreases with the load
    assert hc.replica_symmetric_overlap(alpha * 0.9) >= m


def test_simulated_overlap_agrees_with_theory_at_n_1000():
    ds = hc.run(n_units=(1000,), alpha=(0.06, 0.1), n_realizations=4, n_probes=10, model_units=60,
                alpha_model=(0.5,), rng=12345)
    for a in (0.06, 0.1):
        point = ds.sel(alpha=a, N=1000)
        gap = abs(float(point.overlap) - float(point.overlap_theory))
        assert gap <= max(3 * float(point.overlap_se), 5e-3), (a, float(point.overlap), gap)


def test_dataset_layout_attributes_and_reproducibility():
    kwargs = dict(n_units=(100, 200), alpha=(0.05, 0.3), n_realizations=3, n_probes=5, model_units=80,
                  alpha_model=(0.1, 0.6))
    ds = hc.run(**kwargs, rng=7)
    assert set(ds.data_vars) >= {"overlap", "overlap_se", "overlap_theory", "overlap_model",
                                 "overlap_model_se"}
    assert ds.overlap.dims == ("alpha", "N") and ds.overlap_theory.dims == ("alpha",)
    assert ds.overlap_model.dims == ("model", "alpha_model")
    assert list(ds.model.values) == ["hopfield", "dense_associative_memory", "modern_hopfield"]
    for name in ("overlap", "overlap_se", "overlap_theory", "overlap_model"):
        assert ds[name].attrs["units"] == "1" and ds[name].attrs["long_name"]
    assert ds.attrs["seed"] == "7" and ds.attrs["Conventions"].startswith("CF")
    assert ds.attrs["alpha_c"] == pytest.approx(0.1379, abs=1e-4)
    assert np.all(ds.overlap_se >= 0)
    # beyond alpha_c the classical memory fails while the dense and modern ones retrieve
    far = ds.overlap_model.sel(alpha_model=0.6)
    assert float(far.sel(model="hopfield")) < 0.8
    assert float(far.sel(model="dense_associative_memory")) == 1.0
    assert float(far.sel(model="modern_hopfield")) == 1.0
    again = hc.run(**kwargs, rng=7)
    for name in ds.data_vars:
        np.testing.assert_array_equal(ds[name].values, again[name].values)
    other = hc.run(**kwargs, rng=8)
    assert not np.array_equal(ds.overlap.values, other.overlap.values)


def test_plot_returns_a_figure():
    from matplotlib.figure import Figure

    ds = hc.run(n_units=(60,), alpha=(0.05, 0.2), n_realizations=2, n_probes=3, model_units=40,
                alpha_model=(0.2,), rng=0)
    fig = hc.plot(ds)
    assert isinstance(fig, Figure) and len(fig.axes) == 2


def test_bad_arguments_are_rejected():
    with raises_named(ValueError, "alpha"):
        hc.run(n_units=(50,), alpha=(-0.1,), rng=0)
    with raises_named(ValueError, "n_units"):
        hc.run(n_units=(0,), alpha=(0.1,), rng=0)
    with raises_named(ValueError, "alpha"):
        hc.replica_symmetric_overlap(-1.0)
