"""RBM: free energy, exact partition function, thermodynamics, sampling, persistence."""

import warnings

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

import thermoinfo
from thermoinfo import UnreliableEstimateWarning
from thermoinfo._enumerate import states
from thermoinfo.models import RBM
from thermoinfo.models.rbm import energy_moments_exact, free_energy, log_partition_exact
from thermoinfo.models.rbm_thermodynamics import thermodynamics_mc
from thermoinfo.testing import raises_named
from thermoinfo.testing.sampling import chisquare_pvalue, state_counts

UNITS = ["binary", "spin"]


def _random_params(nv, nh, seed, scale=0.7):
    r = np.random.default_rng(seed)
    return r.normal(0, scale, (nv, nh)), r.normal(0, 0.5, nv), r.normal(0, 0.5, nh)


def _brute(W, b, c, units, temperature=1.0):
    """All (v, h): energies and log Z at the temperature."""
    vals = (0, 1) if units == "binary" else (-1, 1)
    V = states(W.shape[0], values=vals).astype(float)
    H = states(W.shape[1], values=vals).astype(float)
    E = -(V @ W @ H.T) - (V @ b)[:, None] - (H @ c)[None, :]
    return V, H, E, logsumexp(-E / temperature)


@settings(max_examples=25)
@given(nv=st.integers(1, 5), nh=st.integers(1, 5), seed=st.integers(0, 2**16),
       units=st.sampled_from(UNITS), temperature=st.floats(0.3, 10.0))
def test_log_partition_and_free_energy_match_brute_force(nv, nh, seed, units, temperature):
    W, b, c = _random_params(nv, nh, seed)
    V, _, E, log_z = _brute(W, b, c, units, temperature)
    assert log_partition_exact(W, b, c, units, temperature) == pytest.approx(log_z, abs=1e-10)
    f = free_energy(V, W, b, c, units, temperature)
    # F_T(v) = -T log sum_h exp(-E(v, h) / T)
    np.testing.assert_allclose(-f / temperature, logsumexp(-E / temperature, axis=1), atol=1e-10)


@settings(max_examples=20)
@given(nv=st.integers(1, 5), nh=st.integers(1, 5), seed=st.integers(0, 2**16),
       units=st.sampled_from(UNITS), temperature=st.floats(0.3, 10.0))
def test_energy_moments_match_brute_force(nv, nh, seed, units, temperature):
    W, b, c = _random_params(nv, nh, seed)
    _, _, E, log_z = _brute(W, b, c, units, temperature)
    p = np.exp(-E / temperature - log_z)
    mean = float(np.sum(p * E))
    var = float(np.sum(p * (E - mean) ** 2))
    lz, u, v = energy_moments_exact(W, b, c, units, temperature)
    assert lz == pytest.approx(log_z, abs=1e-10)
    assert u == pytest.approx(mean, abs=1e-10)
    assert v == pytest.approx(var, abs=1e-9)


@pytest.mark.parametrize("units", UNITS)
def test_chunked_enumeration_equals_single_chunk(units):
    W, b, c = _random_params(14, 9, 1)
    whole = energy_moments_exact(W, b, c, units, 0.8)
    with thermoinfo.memory_budget(200_000):  # forces many chunks
        parts = energy_moments_exact(W, b, c, units, 0.8)
        lz = log_partition_exact(W, b, c, units, 0.8)
    np.testing.assert_allclose(parts, whole, rtol=1e-12)
    assert lz == pytest.approx(whole[0], abs=1e-10)


@pytest.mark.parametrize("units", UNITS)
def test_thermodynamics_identities_and_finite_differences(units):
    W, b, c = _random_params(6, 9, 2)
    rbm = RBM.from_params(W, b, c, units=units)
    temps = np.array([0.6, 1.0, 1.4, 3.0])
    ds = rbm.thermodynamics(temps)
    assert isinstance(ds, xr.Dataset) and ds["temperature"].values.tolist() == temps.tolist()
    for name in ("log_partition", "free_energy", "energy", "entropy", "heat_capacity"):
        assert {"long_name", "units"} <= set(ds[name].attrs)
    assert ds["entropy"].attrs["units"] == "nat"
    lz = ds["log_partition"].values
    np.testing.assert_allclose(ds["free_energy"], -temps * lz, rtol=1e-12)
    np.testing.assert_allclose(ds["entropy"], (ds["energy"] - ds["free_energy"]) / temps, rtol=1e-10)
    # U = T^2 d log Z / dT and C = dU/dT, by finite differences of the exact log Z(T)
    eps = 1e-4

    def energy_fd(t):
        lp, lm = (rbm.log_partition(temperature=t + s) for s in (eps, -eps))
        return t**2 * (lp - lm) / (2 * eps)

    for t, u, cap in zip(temps, ds["energy"].values, ds["heat_capacity"].values):
        assert u == pytest.approx(energy_fd(t), rel=1e-6, abs=1e-7)
        assert cap == pytest.approx((energy_fd(t + 1e-3) - energy_fd(t - 1e-3)) / 2e-3, rel=1e-4, abs=1e-5)
    # a scalar temperature gives a scalar coordinate, as for the other models
    one = rbm.thermodynamics(1.4)
    assert one["temperature"].ndim == 0 and one["energy"].item() == ds["energy"].values[2]
    # the entropy of a finite system is between 0 and log(#states)
    assert np.all(ds["entropy"] > 0) and np.all(ds["entropy"] < 15 * np.log(2))


@pytest.mark.parametrize("units", UNITS)
def test_thermodynamics_mc_agrees_with_exact(units):
    W, b, c = _random_params(10, 6, 3, scale=0.5)
    rbm = RBM.from_params(W, b, c, units=units)
    temps = [1.0, 2.0]
    exact = rbm.thermodynamics(temps)
    mc = rbm.thermodynamics(temps, method="mc", rng=4, n_runs=300, n_steps=300)
    err = np.abs(mc["log_partition"] - exact["log_partition"])
    assert np.all(err <= 3 * mc["log_partition_se"])
    err_u = np.abs(mc["energy"] - exact["energy"])
    assert np.all(err_u <= 4 * mc["energy_se"])
    np.testing.assert_allclose(mc["heat_capacity"], exact["heat_capacity"], rtol=0.25)
    assert mc["ess"].dims == ("temperature",)
    assert np.all(mc["ess"] > 0.2 * 300) and np.all(mc["ess"] <= 300)


def test_thermodynamics_mc_warns_when_few_runs_carry_the_weight():
    # strong couplings, a cold temperature and a ten-step path: the weights of 200 runs
    # collapse onto a few, the reported sizes say so, and a warning names the temperature
    W, b, c = _random_params(10, 6, 3, scale=3.0)
    rbm = RBM.from_params(W, b, c)
    with pytest.warns(UnreliableEstimateWarning, match=r"temperature\(s\) 0\.25"):
        mc = rbm.thermodynamics([0.25, 4.0], method="mc", rng=0, n_runs=200, n_steps=10)
    assert float(mc["ess"].sel(temperature=0.25)) < 0.2 * 200
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreliableEstimateWarning)
        rbm.thermodynamics(4.0, method="mc", rng=0, n_runs=200, n_steps=2000)


@pytest.mark.parametrize("units", UNITS)
def test_thermodynamics_mc_function_and_method_give_identical_numbers(units):
    W, b, c = _random_params(7, 5, 8, scale=3.0)
    rbm = RBM.from_params(W, b, c, units=units)
    for temps, seed in (([0.5, 1.5], 3), (0.5, 11)):
        # strong couplings on a five-step path: both warn, each at this file (the user's call)
        with pytest.warns(UnreliableEstimateWarning) as by_method:
            method = rbm.thermodynamics(temps, method="mc", rng=seed, n_runs=40, n_steps=5)
        with pytest.warns(UnreliableEstimateWarning) as by_function:
            function = thermodynamics_mc(W, b, c, units, temps, rng=seed, n_runs=40, n_steps=5)
        assert {w.filename for w in [*by_method, *by_function]} == {__file__}
        xr.testing.assert_identical(method, function.assign_attrs(method.attrs))
        assert method["temperature"].ndim == np.ndim(temps)
        # another seed gives other numbers: the comparison above is not vacuous
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnreliableEstimateWarning)
            other = thermodynamics_mc(W, b, c, units, temps, rng=seed + 1, n_runs=40, n_steps=5)
        assert not np.allclose(other["energy"], function["energy"])


@pytest.mark.parametrize("units", UNITS)
def test_score_samples_normalized_and_pseudo_likelihood(units):
    W, b, c = _random_params(5, 3, 4)
    rbm = RBM.from_params(W, b, c, units=units)
    V = states(5, values=(0, 1) if units == "binary" else (-1, 1))
    log_p = rbm.score_samples(V)
    assert logsumexp(log_p) == pytest.approx(0.0, abs=1e-12)
    assert rbm.log_likelihood(V) == pytest.approx(log_p.mean(), abs=1e-12)
    assert rbm.score(V) == pytest.approx(log_p.mean(), abs=1e-12)
    # pseudo-likelihood: sum_i log P(v_i | v_-i) from the exact joint table
    pl = rbm.score_samples(V, method="pseudo")
    lo, hi = (0, 1) if units == "binary" else (-1, 1)
    table = dict(zip(map(tuple, V.tolist()), log_p))
    for row, value in zip(V.tolist(), pl):
        total = 0.0
        for i in range(5):
            other = list(row)
            other[i] = lo + hi - other[i]
            total += table[tuple(row)] - np.logaddexp(table[tuple(row)], table[tuple(other)])
        assert value == pytest.approx(total, abs=1e-10)


@pytest.mark.parametrize("units", UNITS)
def test_transform_is_hidden_conditional_mean(units):
    W, b, c = _random_params(4, 3, 5)
    rbm = RBM.from_params(W, b, c, units=units)
    V, H, E, _ = _brute(W, b, c, units)
    p_h = np.exp(-E - logsumexp(-E, axis=1, keepdims=True))
    np.testing.assert_allclose(rbm.transform(V), p_h @ H, atol=1e-12)
    np.testing.assert_allclose(rbm.energy(V[:1].repeat(len(H), 0), H), E[0], atol=1e-12)


@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize("seed", [11, 12])
def test_sample_matches_exact_marginal(units, seed):
    W, b, c = _random_params(4, 3, seed, scale=0.5)
    rbm = RBM.from_params(W, b, c, units=units)
    v = rbm.sample(5000, n_steps=60, rng=seed)
    assert v.dtype == np.int8 and v.shape == (5000, 4)
    V = states(4, values=(0, 1) if units == "binary" else (-1, 1))
    p = np.exp(rbm.score_samples(V))
    counts = state_counts(v, (0, 1) if units == "binary" else (-1, 1))
    assert chisquare_pvalue(counts, p) > 1e-3


def test_weight_spectrum():
    W, b, c = _random_params(9, 4, 6)
    spec = RBM.from_params(W, b, c).weight_spectrum()
    sv = np.linalg.svd(W, compute_uv=False)
    np.testing.assert_allclose(spec.eigenvalues[:4], sv**2, rtol=1e-10)
    np.testing.assert_allclose(spec.eigenvalues[4:], 0.0, atol=1e-10)
    for j in range(4):
        vec = spec.eigenvectors[:, j]
        np.testing.assert_allclose(W @ W.T @ vec, spec.eigenvalues[j] * vec, atol=1e-10)
    imgs = spec.images((3, 3), n=2)
    assert imgs.shape == (2, 3, 3)
    np.testing.assert_array_equal(imgs[1].ravel(), spec.eigenvectors[:, 1])
    with raises_named(ValueError, "shape"):
        spec.images((2, 2))


def test_save_load_roundtrip(tmp_path):
    X = np.array([[1, 0, 1, 0], [0, 1, 0, 1]] * 10, dtype=np.int8)
    rbm = RBM(4, 3, units="binary", method="cd", k=2, learning_rate=0.05, batch_size=5, n_epochs=3,
              momentum=0.5, weight_decay=1e-3, rng=0).fit(X)
    path = rbm.save(tmp_path / "model.npz")
    back = RBM.load(path)
    for name in ("weights_", "visible_bias_", "hidden_bias_", "persistent_chains_"):
        np.testing.assert_array_equal(getattr(back, name), getattr(rbm, name))
    for name in ("n_visible", "n_hidden", "units", "method", "k", "learning_rate", "batch_size",
                 "n_epochs", "momentum", "weight_decay"):
        assert getattr(back, name) == getattr(rbm, name)
    assert back.n_steps_ == rbm.n_steps_ == 12 and back.n_iter_ == 3
    back.partial_fit(X)
    assert back.n_steps_ == 16


def test_exact_refuses_large_layers():
    rbm = RBM.from_params(np.zeros((30, 25)))
    with raises_named(ValueError, "weights") as check:
        rbm.log_partition()
    assert "method='ais'" in str(check.value)
    # the smaller layer counts: 30 x 3 is fine
    assert RBM.from_params(np.zeros((30, 3))).log_partition() == pytest.approx(33 * np.log(2))


def test_reverse_ais_from_gibbs_chains_brackets_exact():
    # the smaller layer has 21 > 20 units: reverse AIS starts from Gibbs chains
    W, b, c = _random_params(21, 21, 8, scale=0.1)
    rbm = RBM.from_params(W, b, c)
    exact = rbm.log_partition()
    betas = np.linspace(0, 1, 200)
    fwd = rbm.log_partition("ais", rng=1, n_runs=50, betas=betas)
    rev = rbm.log_partition("reverse_ais", rng=2, n_runs=50, betas=betas, n_burn=100)
    assert abs(rev.log_z - exact) <= 3 * rev.stderr
    assert fwd.lower <= exact <= rev.upper


@pytest.mark.parametrize("units", UNITS)
def test_sample_at_temperature(units):
    W, b, c = _random_params(3, 2, 13)
    temperature = 2.0
    hot = RBM.from_params(W / temperature, b / temperature, c / temperature, units=units)
    v, h = RBM.from_params(W, b, c, units=units).sample(4000, n_steps=30, temperature=temperature,
                                                         return_hidden=True, rng=1)
    assert h.shape == (4000, 2)
    V = states(3, values=(0, 1) if units == "binary" else (-1, 1))
    p = np.exp(hot.score_samples(V))
    counts = state_counts(v, (0, 1) if units == "binary" else (-1, 1))
    assert chisquare_pvalue(counts, p) > 1e-3
