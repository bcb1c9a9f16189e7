"""The VampPrior q(z) = (1/K) sum_k e(z|u_k) (Tomczak and Welling, arXiv:1705.07120):
its density against scipy, its rate term against quadrature and against the
mutual-information limit log K, training of the pseudo-inputs, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
from scipy.special import logsumexp

jax = pytest.importorskip("jax")
pytest.importorskip("optax")

import jax.numpy as jnp  # noqa: E402

from thermoinfo.models import encdec  # noqa: E402
from thermoinfo.models.encdec import Architecture, GridFit, TrainState, evaluate, fit_grid  # noqa: E402
from thermoinfo.testing import raises_named  # noqa: E402


def _as_fit(arch, params, dtype="float64"):
    """A one-point GridFit holding given point weights."""
    posterior = jax.tree_util.tree_map(lambda a: a[None], {"mean": params})
    return GridFit(arch=arch, lam=np.array([1.0]), gamma=np.array([0.0]), sigma=np.array([0.0]),
                   state=TrainState(posterior, None, None, 0), dtype=dtype)


def _elu(h):
    return np.where(h > 0, h, np.expm1(h))


def test_vamp_log_prior_is_the_encoder_mixture_at_the_pseudo_inputs():
    arch = Architecture(n_features=4, n_latent=2, prior="vamp", n_components=5, hidden=(6,),
                        decoder_hidden=(), stochastic_weights=False)
    params = encdec.init_posterior(jax.random.key(0), arch)["mean"]
    assert params["prior"]["pseudo_inputs"].shape == (5, 4)
    x = jnp.asarray(np.random.default_rng(1).random((7, 4)) < 0.5, dtype=jnp.float32)
    out = encdec.log_densities(params, arch, x, None, jax.random.key(2))
    # the encoder evaluated independently in numpy at the pseudo-inputs, and at x to recover z
    enc = [{k: np.asarray(v, dtype=float) for k, v in layer.items()} for layer in params["encoder"]]

    def encode(v):
        o = _elu(v @ enc[0]["w"] + enc[0]["b"]) @ enc[1]["w"] + enc[1]["b"]
        return o[:, :2], np.exp(np.clip(o[:, 2:], -10, 5))

    mu_x, s_x = encode(np.asarray(x, dtype=float))
    z = mu_x + s_x * np.asarray(jax.random.normal(jax.random.key(2), mu_x.shape))
    mu_u, s_u = encode(np.asarray(params["prior"]["pseudo_inputs"], dtype=float))
    comp = np.stack([scipy.stats.multivariate_normal.logpdf(z, mu_u[k], np.diag(s_u[k] ** 2))
                     for k in range(5)], axis=1)
    expected = logsumexp(comp, axis=1) - np.log(5)
    assert np.allclose(np.asarray(out["log_prior"], dtype=float), expected, atol=1e-4)


def test_vamp_rate_matches_quadrature():
    # linear encoder into one latent dimension: e(z|x) = N(a.x + b, s^2); the rate of each x,
    # KL(e(.|x) || (1/K) sum_k e(.|u_k)), by quadrature, against the Monte Carlo estimate of
    # evaluate() with the same x (paired, so the error is the Monte Carlo error alone)
    arch = Architecture(n_features=2, n_latent=1, encoder="linear", prior="vamp", n_components=3,
                        decoder="gaussian", decoder_hidden=(), stochastic_weights=False)
    with encdec.precision("float64"):
        params = encdec.init_posterior(jax.random.key(0), arch)["mean"]
        params["encoder"] = {"w": jnp.array([[0.8], [-0.5]]), "b": jnp.array([0.3]),
                             "log_std": jnp.array([np.log(0.6)])}
        params["prior"] = {"pseudo_inputs": jnp.array([[1.0, 0.0], [-1.0, 1.0], [0.0, -2.0]])}
    a, b, s = np.array([0.8, -0.5]), 0.3, 0.6
    centers = np.array([[1.0, 0.0], [-1.0, 1.0], [0.0, -2.0]]) @ a + b
    x = np.random.default_rng(3).normal(size=(40, 2))

    def kl(m):
        def integrand(t):
            log_e = scipy.stats.norm.logpdf(t, m, s)
            log_q = logsumexp(scipy.stats.norm.logpdf(t, centers, s)) - np.log(3)
            return np.exp(log_e) * (log_e - log_q)

        return scipy.integrate.quad(integrand, m - 12 * s, m + 12 * s, epsabs=1e-11)[0]

    exact = np.array([kl(m) for m in x @ a + b])
    ds = evaluate(_as_fit(arch, params), x, n_draws=2000, rng=4, per_example=True)
    diff = ds.R_example.values.ravel() - exact
    mc_se = diff.std(ddof=1) / np.sqrt(diff.size)
    assert abs(diff.mean()) < 3 * mc_se, (diff.mean(), mc_se)
    # the check resolves the rate: the error is under 1% of R
    assert mc_se < 0.01 * exact.mean() and exact.mean() > 0.3


def test_vamp_rate_at_separated_data_pseudo_inputs_is_log_k():
    # pseudo-inputs at the K data points and encodings far apart compared with s: q is the
    # aggregate posterior of a noiseless channel, so R = I(x; z) = H(x) = log K
    K = 4
    arch = Architecture(n_features=3, n_latent=1, encoder="linear", prior="vamp", n_components=K,
                        decoder="gaussian", decoder_hidden=(), stochastic_weights=False)
    x = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    with encdec.precision("float64"):
        params = encdec.init_posterior(jax.random.key(0), arch)["mean"]
        params["encoder"] = {"w": jnp.array([[1.0], [2.0], [3.0]]), "b": jnp.array([0.0]),
                             "log_std": jnp.array([np.log(0.02)])}
        params["prior"] = {"pseudo_inputs": jnp.asarray(x)}
    ds = evaluate(_as_fit(arch, params), x, n_draws=16, rng=0)
    assert float(ds.R.squeeze()) == pytest.approx(np.log(K), abs=1e-9)
    # the standard normal prior, by contrast, pays for where the codes sit
    std = Architecture(n_features=3, n_latent=1, encoder="linear", decoder="gaussian", decoder_hidden=(),
                       stochastic_weights=False)
    params_std = {k: v for k, v in params.items() if k != "prior"}
    assert float(evaluate(_as_fit(std, params_std), x, n_draws=16, rng=0).R.squeeze()) > np.log(K) + 1


def test_vamp_pseudo_inputs_are_trained():
    from thermoinfo.systems.datasets import load_digits

    X = load_digits().astype(float)[:300]
    arch = Architecture(n_features=64, n_latent=2, prior="vamp", n_components=4, hidden=(8,),
                        decoder_hidden=(), stochastic_weights=False)
    fit = fit_grid(arch, X, lam=1.0, n_steps=80, batch_size=32, learning_rate=1e-2, rng=0, record_every=5)
    start = fit_grid(arch, X, lam=1.0, n_steps=0, rng=0).point(0)["mean"]["prior"]["pseudo_inputs"]
    trained = np.asarray(fit.point(0)["mean"]["prior"]["pseudo_inputs"])
    assert trained.shape == (4, 64) and np.all(np.isfinite(trained))
    assert np.max(np.abs(trained - np.asarray(start))) > 0.05   # the pseudo-inputs moved
    J = fit.history["J"][:, 0]
    assert J[-4:].mean() < J[:4].mean()
    assert np.all(fit.history["R"] > 0)


@pytest.mark.parametrize("kwargs, name, error", [
    ({"prior": "vampprior"}, "prior", ValueError),
    ({"prior": "vamp", "n_components": 0}, "n_components", ValueError),
    ({"prior": "vamp", "n_components": 2.5}, "n_components", TypeError),
])
def test_bad_architecture(kwargs, name, error):
    with raises_named(error, name):
        Architecture(n_features=4, **kwargs)


def test_init_with_pseudo_inputs_of_the_wrong_shape():
    arch = Architecture(n_features=4, n_latent=2, prior="vamp", n_components=3, hidden=(4,),
                        decoder_hidden=(), stochastic_weights=False)
    init = encdec.init_posterior(jax.random.key(0), arch)
    init["mean"]["prior"]["pseudo_inputs"] = jnp.zeros((3, 5))
    x = (np.random.default_rng(0).random((16, 4)) < 0.5).astype(float)
    with pytest.raises(ValueError, match=r"^init"):
        fit_grid(arch, x, n_steps=1, init=init)
