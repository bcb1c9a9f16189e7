"""Weights at a temperature: MALA/NUTS thermodynamics against Bayesian linear
regression's closed-form Z(beta), thermodynamic integration against the exact
Gibbs weights of a finite family, SGLD against the exact posterior."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("blackjax")

import jax.numpy as jnp  # noqa: E402

from thermoinfo.freeenergy.weights import gibbs_weights  # noqa: E402
from thermoinfo.sampling.langevin import (  # noqa: E402
    beta_ladder,
    integrate_log_partition,
    sgld_chain,
    tempered_logdensity,
    thermodynamics,
)

N, DIM, NOISE, ALPHA = 10, 2, 1.0, 1.0


def _regression():
    g = np.random.default_rng(0)
    X = g.normal(size=(N, DIM))
    y = X @ np.array([1.0, -0.5]) + np.sqrt(NOISE) * g.normal(size=N)
    return X, y


def _log_z_exact(X, y, b):
    """log int N(w; 0, I/alpha) p(y|X, w)^b dw in closed form."""
    A = ALPHA * np.eye(DIM) + b / NOISE * X.T @ X
    v = b / NOISE * X.T @ y
    return (-b * N / 2 * np.log(2 * np.pi * NOISE) + DIM / 2 * np.log(ALPHA)
            - 0.5 * np.linalg.slogdet(A)[1] - b * y @ y / (2 * NOISE) + 0.5 * v @ np.linalg.solve(A, v))


def _energy_and_prior(X, y):
    Xj, yj = jnp.asarray(X, dtype=jnp.float32), jnp.asarray(y, dtype=jnp.float32)

    def energy(w):
        return 0.5 * N * jnp.log(2 * jnp.pi * NOISE) + jnp.sum((yj - Xj @ w) ** 2) / (2 * NOISE)

    def log_prior(w):
        return -0.5 * ALPHA * jnp.sum(w ** 2) + 0.5 * DIM * jnp.log(ALPHA / (2 * jnp.pi))

    return energy, log_prior



def _z_against_exact(ds, X, y, betas):
    """Exact log Z(beta) and the z-scores of the estimated log Z (beta > 0) and <E>."""
    exact = np.array([_log_z_exact(X, y, b) for b in betas])
    h = 1e-6
    exact_e = np.array([-(_log_z_exact(X, y, b + h) - _log_z_exact(X, y, b)) / h for b in betas])
    z_log_z = (ds.log_z.values[1:] - exact[1:]) / ds.log_z_se.values[1:]
    z_energy = (ds.energy.values - exact_e) / ds.energy_se.values
    return exact, z_log_z, z_energy

def test_mala_log_partition_matches_bayesian_linear_regression():
    X, y = _regression()
    energy, log_prior = _energy_and_prior(X, y)
    betas = beta_ladder(1.0, 10, power=2)
    ds = thermodynamics(energy, np.zeros(DIM), betas, 3000, log_prior_fn=log_prior, method="mala",
                        step_size=0.2 / (1 + 5 * betas), n_warmup=200, rng=1)
    exact, z_log_z, z_energy = _z_against_exact(ds, X, y, betas)
    assert np.all(np.abs(z_log_z) < 3), z_log_z
    assert np.all(np.abs(z_energy) < 3.5), z_energy
    # the effect is far larger than the error bar: log Z(1) is -20 nats, its error ~0.05
    assert ds.log_z_se.values[-1] < 0.01 * abs(exact[-1])
    assert np.all(ds.acceptance_rate.values > 0.5)
    assert np.all(ds.heat_capacity.values[1:] > 0)


def test_hmc_log_partition_matches_bayesian_linear_regression():
    # window-adapted HMC with a random number of leapfrog steps per trajectory; a fixed
    # length is nearly periodic on this near-Gaussian target
    X, y = _regression()
    energy, log_prior = _energy_and_prior(X, y)
    betas = beta_ladder(1.0, 10, power=2)
    ds = thermodynamics(energy, np.zeros(DIM), betas, 2000, log_prior_fn=log_prior, method="hmc",
                        n_warmup=300, rng=3)
    exact, z_log_z, z_energy = _z_against_exact(ds, X, y, betas)
    assert np.all(np.abs(z_log_z) < 3), z_log_z
    assert np.all(np.abs(z_energy) < 3), z_energy
    assert ds.log_z_se.values[-1] < 0.01 * abs(exact[-1])
    assert np.all(ds.ess.values > 500)


def test_thermodynamic_integration_of_a_finite_family_matches_gibbs_weights():
    g = np.random.default_rng(3)
    energies = g.exponential(2.0, size=12)
    prior = g.dirichlet(np.ones(12))
    betas = beta_ladder(3.0, 25, power=2)
    mean_e, var_e, log_z = [], [], []
    for b in betas[1:]:
        w = gibbs_weights(energies, 1.0 / b, prior)
        mean_e.append(w.energy)
        var_e.append(-w.dS_dsigma * w.sigma ** 3)
        log_z.append(-w.F * b)
    # beta = 0 samples the prior
    mean0 = prior @ energies
    mean_e.insert(0, mean0)
    var_e.insert(0, prior @ (energies - mean0) ** 2)
    log_z.insert(0, 0.0)
    got, se = integrate_log_partition(betas, mean_e, var_e)
    assert np.allclose(got, log_z, atol=1e-5, rtol=0)
    assert np.all(se == 0)
    # without the variance (Hermite) correction the trapezoid rule misses by far more
    plain, _ = integrate_log_partition(betas, mean_e, np.zeros_like(betas))
    assert np.max(np.abs(plain - np.array(log_z))) > 1e-3


def test_integrate_log_partition_propagates_errors():
    b = np.array([0.0, 1.0])
    _, se = integrate_log_partition(b, [1.0, 2.0], [0.0, 0.0], energy_se=[0.2, 0.4], variance_se=[0.0, 0.0])
    assert np.isclose(se[-1], np.hypot(0.1, 0.2))


def test_sgld_samples_the_regression_posterior():
    X, y = _regression()
    energy, log_prior = _energy_and_prior(X, y)
    Xj, yj = jnp.asarray(X, jnp.float32), jnp.asarray(y, jnp.float32)
    batch = 5
    n_steps = 30_000
    idx = np.random.default_rng(4).integers(0, N, size=(n_steps, batch))

    def grad(w, mb):
        xb, yb = mb
        return jax.grad(lambda v: log_prior(v) - N / batch * jnp.sum((yb - xb @ v) ** 2) / (2 * NOISE))(w)

    samples = jax.jit(lambda k: sgld_chain(grad, jnp.zeros(DIM), k, (Xj[idx], yj[idx]), step_size=2e-3))(
        jax.random.key(0))
    samples = np.asarray(samples)[2000:]
    A = ALPHA * np.eye(DIM) + X.T @ X / NOISE
    cov = np.linalg.inv(A)
    mean = cov @ X.T @ y / NOISE
    assert np.allclose(samples.mean(axis=0), mean, atol=0.1 * np.sqrt(np.diag(cov)).max() + 0.02)
    ratio = np.diag(np.cov(samples.T)) / np.diag(cov)
    assert np.all(np.abs(ratio - 1) < 0.35), ratio
    # tempered density is the one sampled
    assert float(tempered_logdensity(energy, log_prior, 0.0)(jnp.zeros(DIM))) == pytest.approx(
        float(log_prior(jnp.zeros(DIM))))


@pytest.mark.parametrize("kwargs, match", [
    ({"beta": [0.1, 0.5]}, "beta"),
    ({"beta": [0.0, 0.5], "method": "sgld"}, "method"),
    ({"beta": [0.0, 0.5], "method": "mala", "n_warmup": 0}, "n_warmup"),
    ({"beta": [0.0, 0.5], "method": "mala", "step_size": -1.0}, "step_size"),
])
def test_bad_input(kwargs, match):
    energy, log_prior = _energy_and_prior(*_regression())
    with pytest.raises(ValueError, match=f"^{match}"):
        thermodynamics(energy, np.zeros(DIM), n_samples=10, log_prior_fn=log_prior, **kwargs)


@pytest.mark.slow
def test_trained_classifier_thermodynamics_obey_the_gibbs_bounds():
    import warnings

    from thermoinfo._errors import UnreliableEstimateWarning
    from thermoinfo.models.encdec import Architecture, classifier_energy, fit_grid
    from thermoinfo.systems.datasets import load_digits

    X, y = load_digits(return_labels=True)
    X, y = X[:300].astype(float), y[:300]
    arch = Architecture(n_features=64, n_latent=3, n_classes=10, hidden=(16,), decoder_hidden=(),
                        stochastic_weights=False)
    fit = fit_grid(arch, X, y, gamma=1.0, n_steps=150, batch_size=64, learning_rate=1e-2, rng=0)
    energy, theta = classifier_energy(fit, X, y)

    def log_prior(t):
        return -0.5 * jnp.sum(t ** 2) - 0.5 * t.size * jnp.log(2 * jnp.pi)

    betas = beta_ladder(1.0, 6, power=2)
    # the defaults (window-adapted NUTS) give reliable estimates on the trained network
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreliableEstimateWarning)
        ds = thermodynamics(energy, np.zeros_like(theta), betas, 500, log_prior_fn=log_prior, rng=2)
    assert np.all(ds.ess.values > 150), ds.ess.values
    e, lz, se = ds.energy.values, ds.log_z.values, ds.log_z_se.values
    # <E> falls with beta (d<E>/dbeta = -Var E) and the heat capacity is positive
    assert np.all(np.diff(e) < 0)
    assert np.all(ds.heat_capacity.values[1:] > 0)
    # Gibbs bounds: -beta <E>_0 <= log Z(beta) <= -beta <E>_beta, from independent chains
    assert np.all(lz[1:] >= -betas[1:] * e[0] - 3 * se[1:])
    assert np.all(lz[1:] <= -betas[1:] * e[1:] + 3 * se[1:])
    # the trained weights sit far below the prior's mean energy
    assert float(energy(jnp.asarray(theta))) < e[0]
    # MALA, even with its step size adapted (acceptance near 0.574), moves diffusively
    # through the 40 classifier weights: a short chain is unreliable, and says so
    with pytest.warns(UnreliableEstimateWarning, match="effective sample size"):
        mala = thermodynamics(energy, np.zeros_like(theta), betas, 200, log_prior_fn=log_prior,
                              method="mala", n_warmup=100, rng=2)
    assert np.all(np.abs(mala.acceptance_rate.values - 0.574) < 0.15), mala.acceptance_rate.values
