"""Ising samplers against exact enumeration (chi-square) and Kaufman's energies (3 SE)."""

import numba
import numpy as np
import pytest
import xarray as xr

from thermoinfo.systems.ising import (
    CRITICAL_TEMPERATURE,
    IsingChains,
    configuration_energy,
    enumerate_exact,
    exact,
    kernels,
    measure,
    sample,
)
from thermoinfo.testing.sampling import chisquare_pvalue, state_counts

TC = CRITICAL_TEMPERATURE


def _chi2_pvalue(da, L, T, H, dim):
    flat = da.values.reshape(da.sizes["sample"], -1)
    _, p = enumerate_exact(L, T, H, dim=dim, return_probabilities=True)
    return chisquare_pvalue(state_counts(flat, values=(-1, 1)), p)


@pytest.mark.parametrize(
    ("algorithm", "T", "H"),
    [("metropolis", 2.5, 0.0), ("metropolis", 1.8, 0.3), ("heatbath", TC, 0.0),
     ("heatbath", 2.0, -0.4), ("wolff", TC, 0.0), ("wolff", 1.5, 0.0)],
)
def test_every_sampler_matches_enumeration_at_L3(algorithm, T, H):
    # sweeps_between well beyond tau_int (Wolff flips the whole 3 x 3 lattice at low T)
    da = sample(3, T, 12000, H=H, burn_in=50, sweeps_between=10, rng=11, algorithm=algorithm)
    pv = _chi2_pvalue(da.isel(temperature=0, field=0), 3, T, H, 2)
    assert pv > 1e-3
    # the same samples are rejected at another temperature: the test has power
    assert _chi2_pvalue(da.isel(temperature=0, field=0), 3, T * 1.25, H, 2) < 1e-3


@pytest.mark.parametrize("algorithm", ["metropolis", "heatbath", "wolff"])
def test_chain_samplers_match_enumeration(algorithm):
    H = 0.0 if algorithm == "wolff" else 0.25
    da = sample(8, 1.2, 12000, H=H, dim=1, burn_in=50, sweeps_between=10, rng=5, algorithm=algorithm)
    assert da.dims == ("temperature", "field", "sample", "x")
    assert _chi2_pvalue(da.isel(temperature=0, field=0), 8, 1.2, H, 1) > 1e-3


@pytest.mark.parametrize(
    ("algorithm", "L", "T", "n_sweeps"),
    [("metropolis", 8, TC, 1500), ("metropolis", 12, 2.0, 800), ("metropolis", 6, 3.2, 800),
     ("heatbath", 8, TC, 1500), ("heatbath", 10, 1.8, 800),
     ("wolff", 8, TC, 600), ("wolff", 16, TC, 400), ("wolff", 12, 3.0, 600)],
)
def test_energies_agree_with_kaufman(algorithm, L, T, n_sweeps):
    r = measure(L, T, n_sweeps, n_chains=64 if algorithm != "wolff" else 16,
                algorithm=algorithm, rng=2024)
    ref = exact(L, T)
    assert abs(r.u - ref.u) < 3 * r.u_se
    assert abs(r.c - ref.c) < 3 * r.c_se
    # the error bars are honest but not absurdly wide
    assert r.u_se < 0.01
    assert r.tau_energy >= 0.5


def test_field_energies_agree_with_exact():
    for dim, L, T, H in [(1, 16, 1.0, 0.3), (2, 4, 2.0, 0.5)]:
        r = measure(L, T, 1000, H=H, dim=dim, rng=3)
        assert abs(r.u - exact(L, T, H, dim).u) < 3 * r.u_se


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="3 million pure-Python word updates; the same "
                    "code runs compiled here and uncompiled in the small-lattice tests")
@pytest.mark.filterwarnings("ignore:|m|:thermoinfo.ConvergenceWarning")
def test_multispin_energy_within_3se_at_a_large_lattice():
    # L = 128 runs the parallel drivers of the multi-spin kernel
    r = measure(128, 2.6, 200, n_chains=64, rng=8)  # tau_int of |m| ~ 8: too few sweeps for |m|
    assert abs(r.u - exact(128, 2.6).u) < 3 * r.u_se


def test_parallel_and_serial_drivers_give_identical_chains():
    rng = np.random.default_rng(0)
    spins = np.where(rng.random((128, 8, 8)) < 0.5, 1, -1).astype(np.int8)
    thr, always = kernels.flip_thresholds(kernels.flip_probabilities(1 / TC, 0.0, 2, "metropolis"))
    streams = kernels.seed_streams(rng, (2, 8))
    out = []
    for driver in ("serial", "groups", "rows"):
        w = kernels.pack(spins)
        st = streams.copy()
        with np.errstate(over="ignore"):
            if driver == "serial":
                kernels._multispin_serial(w, st, thr, always, 2, False, 5, True)
            elif driver == "groups":
                kernels._multispin_groups(w, st, thr, always, 2, False, 5, True)
            else:
                kernels._multispin_rows(w, st, thr, always, 2, False, 5)
        out.append(w)
    assert np.array_equal(out[0], out[1]) and np.array_equal(out[0], out[2])
    assert not np.array_equal(out[0], kernels.pack(spins))


def test_word_observables_and_packing():
    rng = np.random.default_rng(1)
    spins = np.where(rng.random((70, 5, 5)) < 0.5, 1, -1).astype(np.int8)
    words = kernels.pack(spins)
    assert words.shape == (2, 5, 5)
    assert np.array_equal(kernels.unpack(words, 70), spins)
    E, M = kernels.word_observables(words, 70, 1.0, 0.3, 2)
    assert np.allclose(E, configuration_energy(spins, 1.0, 0.3, 2))
    assert np.array_equal(M, spins.sum(axis=(1, 2)))


def test_flip_tables():
    beta = 0.4
    p = kernels.flip_probabilities(beta, 0.2, 2, "metropolis")
    # n anti-aligned neighbours, spin up: dE = 2 (4 - 2 n) + 0.4
    for n in range(5):
        dE = 2 * (4 - 2 * n) + 0.4
        assert p[n, 1] == pytest.approx(min(1.0, np.exp(-beta * dE)))
    hb = kernels.flip_probabilities(beta, 0.2, 2, "heatbath")
    assert hb[1, 0] == pytest.approx(1 / (1 + np.exp(beta * (4 - 0.4))))
    thr, always = kernels.flip_thresholds(p)
    assert always[2:, 0].all() and not always[0, 1]
    assert thr[1, 1] / 2.0**64 == pytest.approx(p[1, 1], rel=1e-15)


def test_wolff_sweep_is_a_fixed_number_of_clusters():
    chains = IsingChains(16, TC, n_chains=8, algorithm="wolff", rng=4)
    n_c = chains.clusters_per_sweep
    assert 1 <= n_c < 16 * 16
    # near T_c the mean cluster is a sizable fraction of the lattice
    assert n_c < 20
    chains.sweep(3)
    assert chains.clusters_per_sweep == n_c and chains.sweeps_done == 3


def test_same_seed_same_samples_and_grid_layout():
    a = sample(6, [1.5, 3.0], 20, H=[0.0, 0.2], burn_in=10, sweeps_between=2, rng=7)
    b = sample(6, [1.5, 3.0], 20, H=[0.0, 0.2], burn_in=10, sweeps_between=2, rng=7)
    assert a.dims == ("temperature", "field", "sample", "y", "x")
    assert a.shape == (2, 2, 20, 6, 6) and a.dtype == np.int8
    assert np.array_equal(a.values, b.values)
    assert set(np.unique(a.values)) <= {-1, 1}
    assert np.isnan(a.tau_int).all()          # no pilot when both are given
    assert a.attrs["seed"] == 7 and a.temperature.attrs["units"] == "J/k_B"
    # low T sits near the ground state, high T does not
    e = configuration_energy(a.values, 1.0, 0.0, 2).mean(axis=2) / 36
    assert e[0, 0] < -1.8 and e[1, 0] > -1.2


def test_burn_in_and_thinning_from_autocorrelation():
    da = sample(3, [2.0, 2.5], 6000, rng=3)
    assert np.all(np.isfinite(da.tau_int))
    assert np.all(da.sweeps_between >= np.ceil(da.tau_int))
    assert np.all(da.burn_in >= 100)
    for k, T in enumerate([2.0, 2.5]):
        assert _chi2_pvalue(da.isel(temperature=k, field=0), 3, T, 0.0, 2) > 1e-3


def test_netcdf_round_trip(tmp_path):
    da = sample(4, [2.0, 2.5], 5, H=0.1, burn_in=5, sweeps_between=1, rng=1)
    path = tmp_path / "ising.nc"
    da.to_netcdf(path, engine="h5netcdf")
    with xr.open_dataarray(path, engine="h5netcdf") as back:
        back = back.load()
    assert back.dtype == np.int8
    xr.testing.assert_identical(back, da)


def test_progress_bar(capsys):
    sample(4, [2.0, 3.0], 4, burn_in=2, sweeps_between=1, rng=0, progress=True)
    assert "ising.sample" in capsys.readouterr().err
