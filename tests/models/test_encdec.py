"""Encoder/decoder/classifier networks: log-densities against scipy, the exact
weight KL against quadrature, the linear-Gaussian model against Shannon's R(D)
and the closed-form free energy, grids against sequential runs, checkpoints,
non-finite losses and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
from scipy.special import logsumexp

jax = pytest.importorskip("jax")
pytest.importorskip("optax")

import jax.numpy as jnp  # noqa: E402

from thermoinfo._errors import NonFiniteParameterError  # noqa: E402
from thermoinfo.freeenergy.gaussian import linear_gaussian, reverse_water_filling  # noqa: E402
from thermoinfo.models import encdec  # noqa: E402
from thermoinfo.models.encdec import Architecture, evaluate, fit_grid  # noqa: E402
from thermoinfo.testing import raises_named  # noqa: E402

VARIANCES = np.array([4.0, 1.0, 0.25])


def _gaussian_data(n, seed):
    return np.random.default_rng(seed).normal(size=(n, VARIANCES.size)) * np.sqrt(VARIANCES)


def _binary(n=64, d=4, seed=0):
    return (np.random.default_rng(seed).random((n, d)) < 0.4).astype(float)


def test_linear_gaussian_reaches_rate_distortion_and_closed_form_free_energy():
    arch = Architecture(n_features=3, n_latent=3, encoder="linear", prior="gaussian", decoder="gaussian",
                        decoder_hidden=(), stochastic_weights=False)
    fit = fit_grid(arch, _gaussian_data(4000, 0), lam=[1.0, 4.0], n_steps=2500, batch_size=256,
                   learning_rate=1e-2, rng=1, dtype="float64")
    ds = evaluate(fit, _gaussian_data(20000, 1), n_draws=8, rng=2)
    for lam in fit.lam:
        pt = ds.sel(lam=lam, gamma=0.0, sigma=0.0)
        R, D = float(pt.R), float(pt.D)
        mse = 2.0 * (D - 1.5 * np.log(2 * np.pi))  # D = n/2 log(2 pi s^2) + mse / (2 s^2), s^2 = 1
        shannon = reverse_water_filling(VARIANCES, distortion=mse).R
        assert abs(R - shannon) < 0.02 * shannon, (lam, R, shannon)
        exact = linear_gaussian(np.diag(VARIANCES), lam).F
        assert abs(float(pt.F) - exact) < 3 * float(pt.F_se), (lam, float(pt.F), exact, float(pt.F_se))
    # the two points differ by far more than their errors: the test resolves lam
    assert float((ds.R.sel(lam=4.0) - ds.R.sel(lam=1.0)).squeeze()) > 50 * float(ds.R_se.max())


def test_log_densities_match_scipy():
    arch = Architecture(n_features=4, n_latent=2, n_classes=3, prior="mixture", n_components=3,
                        hidden=(5,), decoder_hidden=(), stochastic_weights=False)
    params = encdec.init_posterior(jax.random.key(0), arch)["mean"]
    params["prior"]["logits"] = jnp.array([0.3, -0.2, 0.0])
    params["prior"]["log_std"] = params["prior"]["log_std"] + 0.2
    x = _binary(6, 4, 1)
    y = np.array([0, 1, 2, 0, 1, 2])
    key = jax.random.key(3)
    out = {k: np.asarray(v, dtype=float) for k, v in encdec.log_densities(params, arch, jnp.asarray(x),
                                                                            jnp.asarray(y), key).items()}
    # recover z and the network outputs to evaluate each density independently
    h = x @ np.asarray(params["encoder"][0]["w"]) + np.asarray(params["encoder"][0]["b"])
    h = np.where(h > 0, h, np.expm1(h))
    o = h @ np.asarray(params["encoder"][1]["w"]) + np.asarray(params["encoder"][1]["b"])
    mu, s = o[:, :2], np.exp(np.clip(o[:, 2:], -10, 5))
    z = mu + s * np.asarray(jax.random.normal(key, mu.shape))
    assert np.allclose(out["log_encoder"], scipy.stats.norm.logpdf(z, mu, s).sum(1), atol=1e-4)
    pr = {k: np.asarray(v) for k, v in params["prior"].items()}
    comp = np.stack([scipy.stats.multivariate_normal.logpdf(z, pr["mean"][k],
                                                            np.diag(np.exp(2 * pr["log_std"][k])))
                     for k in range(3)], axis=1)
    log_pi = pr["logits"] - logsumexp(pr["logits"])
    assert np.allclose(out["log_prior"], logsumexp(comp + log_pi, axis=1), atol=1e-4)
    logits = z @ np.asarray(params["decoder"][0]["w"]) + np.asarray(params["decoder"][0]["b"])
    p = 1 / (1 + np.exp(-logits))
    assert np.allclose(out["log_decoder"], scipy.stats.bernoulli.logpmf(x, p).sum(1), atol=1e-4)
    cl = z @ np.asarray(params["classifier"]["w"]) + np.asarray(params["classifier"]["b"])
    assert np.allclose(out["log_classifier"], (cl - logsumexp(cl, axis=1, keepdims=True))[np.arange(6), y],
                       atol=1e-4)



def test_elu_derivatives_are_exp_below_zero_and_one_above():
    """The ELU with its derivative from its value: the values of jax.nn.elu, first
    derivatives exp(h) (h <= 0) and 1 (h > 0), second derivatives exp(h) and 0, in
    reverse and forward mode, within one rounding of 1 (elu(h) + 1 near h = -30)."""
    with encdec.precision("float64"):
        h = jnp.array([-30.0, -3.0, -0.5, -1e-9, 0.0, 1e-9, 0.7, 4.0])
        elu = encdec._elu
        assert np.array_equal(elu(h), jax.nn.elu(h))
        first = np.where(h > 0, 1.0, np.exp(h))
        grad = jax.vmap(jax.grad(elu))(h)
        eps = np.finfo(np.float64).eps
        assert np.allclose(grad, first, rtol=eps, atol=eps)
        assert np.allclose(jax.jvp(elu, (h,), (jnp.ones_like(h),))[1], first, rtol=eps, atol=eps)
        second = jax.vmap(jax.grad(jax.grad(elu)))(h)
        assert np.allclose(second, np.where(h > 0, 0.0, np.exp(h)), rtol=eps, atol=eps)

def test_weight_kl_is_the_exact_gaussian_kl():
    m, ls, s0 = 0.7, -0.4, 1.5

    def integrand(t):
        p = scipy.stats.norm.pdf(t, m, np.exp(ls))
        return p * (scipy.stats.norm.logpdf(t, m, np.exp(ls)) - scipy.stats.norm.logpdf(t, 0, s0))

    one = scipy.integrate.quad(integrand, -20, 20)[0]
    post = {"mean": {"a": jnp.full((2, 3), m)}, "log_std": {"a": jnp.full((2, 3), ls)}}
    assert float(encdec.weight_kl(post, s0)) == pytest.approx(6 * one, rel=1e-5)


def test_grid_point_equals_its_own_sequential_run():
    arch = Architecture(n_features=4, n_latent=2, hidden=(6,), decoder_hidden=())
    x = _binary()
    grid = fit_grid(arch, x, lam=[0.5, 2.0], n_steps=30, batch_size=16, rng=5)
    alone = fit_grid(arch, x, lam=0.5, n_steps=30, batch_size=16, rng=5)
    a = jax.tree_util.tree_leaves(grid.point(0))
    b = jax.tree_util.tree_leaves(alone.point(0))
    assert all(np.allclose(u, v, atol=1e-6) for u, v in zip(a, b))
    c = jax.tree_util.tree_leaves(grid.point(1))
    assert not all(np.allclose(u, v, atol=1e-3) for u, v in zip(a, c))



def _parts(*bounds):
    return lambda n_points: list(bounds)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grid_in_concurrent_parts_equals_the_undivided_grid(monkeypatch, dtype):
    """The grid split into parts trained on concurrent threads (one per CPU core) has
    the numbers of the grid in one program: weights, optimizer state, key, history,
    in the requested precision (JAX's precision setting is per thread)."""
    if dtype == "float32":  # the architecture of the plain-loop test below: its programs are reused
        arch = Architecture(n_features=4, n_latent=2, n_classes=2, hidden=(5,), decoder_hidden=())
        kw = dict(gamma=1.5, sigma=1e-2, learning_rate=1e-2)
    else:
        arch = Architecture(n_features=4, n_latent=2, encoder="linear", decoder="gaussian", decoder_hidden=(),
                            stochastic_weights=False)
        kw = {}
    x = _binary(48, 4, 2)
    y = (x[:, 0] + x[:, 1] > 0).astype(int) if arch.n_classes else None
    kw.update(lam=[0.5, 2.0], n_steps=70, batch_size=8, rng=4, record_every=1, dtype=dtype)
    monkeypatch.setattr(encdec, "_part_bounds", _parts((0, 2)))
    whole = fit_grid(arch, x, y, **kw)
    monkeypatch.setattr(encdec, "_part_bounds", _parts((0, 1), (1, 2)))
    split = fit_grid(arch, x, y, **kw)
    atol = 1e-6 if dtype == "float32" else 1e-13
    assert int(split.state.step) == 70
    assert np.array_equal(jax.random.key_data(whole.state.key), jax.random.key_data(split.state.key))
    leaves = zip(jax.tree_util.tree_leaves((whole.state.posterior, whole.state.opt_state)),
                 jax.tree_util.tree_leaves((split.state.posterior, split.state.opt_state)))
    for u, v in leaves:
        assert u.shape == v.shape and u.dtype == v.dtype
        assert np.allclose(u, v, rtol=0, atol=atol)
    assert jax.tree_util.tree_leaves(split.state.posterior)[0].dtype == np.dtype(dtype)
    for name in ("J", "R", "D", "C", "S"):
        assert np.allclose(whole.history[name], split.history[name], rtol=10 * atol, atol=10 * atol), name
    # the two points differ, so swapped parts would show
    a, b = (np.concatenate([np.ravel(v) for v in jax.tree_util.tree_leaves(split.point(i))]) for i in (0, 1))
    assert not np.allclose(a, b, atol=1e-3)


@pytest.mark.parametrize("lams, bad", [([1.0, 1e30], 1), ([1e30, 1.0], 0)])
def test_non_finite_loss_in_one_part_stops_every_part_at_the_last_finite_step(monkeypatch, tmp_path, lams,
                                                                               bad):
    arch = Architecture(n_features=3, n_latent=2, encoder="linear", decoder="gaussian", decoder_hidden=(),
                        stochastic_weights=False)
    x = _gaussian_data(32, 3) * 1e18
    monkeypatch.setattr(encdec, "_part_bounds", _parts((0, 1), (1, 2)))
    path = tmp_path / "ck.npz"
    with pytest.raises(NonFiniteParameterError, match="step 1 ") as err:
        fit_grid(arch, x, lam=lams, n_steps=5, batch_size=8, rng=0, checkpoint=path)
    assert f"grid points [{bad}]" in str(err.value)
    start = fit_grid(arch, x, lam=lams, n_steps=0, rng=0)  # the initial state
    with np.load(path) as saved:
        assert int(saved["step"]) == 0
        leaves = [saved[k] for k in sorted(saved.files) if k.startswith("leaf_")]
    for u, v in zip(jax.tree_util.tree_leaves((start.state.posterior, start.state.opt_state)), leaves):
        assert np.array_equal(np.asarray(u), v)


def test_part_bounds_cover_the_grid_in_order():
    for n in (1, 2, 3, 16, 17):
        bounds = encdec._part_bounds(n)
        assert bounds[0][0] == 0 and bounds[-1][1] == n
        assert all(b0[1] == b1[0] and b0[0] < b0[1] for b0, b1 in zip(bounds, bounds[1:] + [(n, n + 1)]))
        assert len(bounds) <= n

def test_checkpoint_resumes_to_the_same_numbers(tmp_path):
    arch = Architecture(n_features=4, n_latent=2, hidden=(6,), decoder_hidden=())
    x = _binary()
    kw = dict(lam=[0.5, 2.0], gamma=0.0, sigma=[0.0, 1e-3], batch_size=16, rng=7, checkpoint_every=7)
    full = fit_grid(arch, x, n_steps=40, **kw)
    path = tmp_path / "run.npz"
    fit_grid(arch, x, n_steps=20, checkpoint=path, **kw)  # a run stopped at step 20
    resumed = fit_grid(arch, x, n_steps=40, checkpoint=path, resume=True, **kw)
    assert int(resumed.state.step) == 40
    for u, v in zip(jax.tree_util.tree_leaves(full.state), jax.tree_util.tree_leaves(resumed.state)):
        if hasattr(u, "dtype") and jnp.issubdtype(u.dtype, jax.dtypes.prng_key):
            u, v = jax.random.key_data(u), jax.random.key_data(v)
        assert np.array_equal(np.asarray(u), np.asarray(v))
    # a checkpoint of another run is refused, naming the path
    with pytest.raises(ValueError, match=r"^checkpoint .*run\.npz belongs to a different run"):
        fit_grid(arch, x, n_steps=40, checkpoint=path, resume=True, **{**kw, "lam": [0.5, 3.0]})
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"^checkpoint .*bad\.npz is not a readable thermoinfo checkpoint"):
        fit_grid(arch, x, n_steps=40, checkpoint=bad, resume=True, **kw)


def test_non_finite_loss_names_the_step_and_keeps_the_last_finite_state(tmp_path):
    arch = Architecture(n_features=3, n_latent=2, encoder="linear", decoder="gaussian", decoder_hidden=(),
                        stochastic_weights=False)
    x = _gaussian_data(32, 3) * 1e18  # squared errors overflow float32 once multiplied by lam
    path = tmp_path / "ck.npz"
    with pytest.raises(NonFiniteParameterError, match="step 1 ") as err:
        fit_grid(arch, x, lam=[1.0, 1e30], n_steps=5, batch_size=8, rng=0, checkpoint=path)
    assert "grid points [1]" in str(err.value) and str(path) in str(err.value)
    with np.load(path) as saved:
        assert int(saved["step"]) == 0
        assert all(np.all(np.isfinite(saved[k])) for k in saved.files if k.startswith("leaf_"))


def test_digits_classifier_with_mixture_prior_learns_and_sigma_lowers_S():
    from thermoinfo.systems.datasets import load_digits

    X, y = load_digits(return_labels=True)
    X = X.astype(float)
    arch = Architecture(n_features=64, n_latent=4, n_classes=10, hidden=(32,), prior="mixture",
                        n_components=4, decoder_hidden=())
    fit = fit_grid(arch, X[:1200], y[:1200], lam=1.0, gamma=[1.0], sigma=[0.0, 1e-2],
                   n_steps=250, batch_size=64, learning_rate=5e-3, rng=0)
    ds = evaluate(fit, X[1200:], y[1200:], rng=1)
    assert float(ds.accuracy.min()) > 0.35  # chance is 0.1; 250 steps of a stochastic-weight network
    # the weight term pays: more sigma, less weight information
    s = ds.S.sel(lam=1.0, gamma=1.0).values
    assert s[1] < s[0]


def test_cnn_encoder_takes_images():
    from thermoinfo.systems.datasets import load_digits

    X = load_digits().astype(float)[:200]
    arch = Architecture(n_features=64, n_latent=2, encoder="cnn", image_shape=(8, 8), channels=2,
                        hidden=(8,), decoder_hidden=(), stochastic_weights=False)
    fit = fit_grid(arch, X.reshape(-1, 8, 8), n_steps=20, batch_size=16, learning_rate=1e-2, rng=0)
    ds = evaluate(fit, X.reshape(-1, 8, 8), n_draws=2, rng=1)
    assert np.isfinite(float(ds.F.squeeze()))
    first, last = fit.history["J"][0, 0], fit.history["J"][-1, 0]
    assert last < first


@pytest.mark.parametrize("kwargs, name", [
    ({"lam": -1.0}, "lam"),
    ({"gamma": [1.0, np.nan]}, "gamma"),
    ({"sigma": np.inf}, "sigma"),
    ({"y": np.zeros(10, dtype=int)}, "y"),
    ({"y": np.full(64, 3)}, "y"),
    ({"y": np.full(64, 0.5)}, "y"),
    ({"x": np.zeros((64, 5))}, "x"),
    ({"x": np.zeros((64, 3, 3))}, "x"),
    ({"x": np.full((64, 4), 0.5)}, "x"),
    ({"dtype": "float16"}, "dtype"),
    ({"n_steps": -1}, "n_steps"),
])
def test_bad_input_names_the_argument(kwargs, name):
    arch = Architecture(n_features=4, n_latent=2, n_classes=3, hidden=(4,), decoder_hidden=(),
                        image_shape=None)
    args = {"x": _binary(), "y": np.zeros(64, dtype=int), "n_steps": 1, **kwargs}
    x, y = args.pop("x"), args.pop("y")
    with raises_named(ValueError, name):
        fit_grid(arch, x, y, **args)


@pytest.mark.parametrize("kwargs, match", [
    ({"encoder": "rnn"}, "encoder"),
    ({"encoder": "cnn", "image_shape": (3, 3)}, "image_shape"),
    ({"n_latent": 0}, "n_latent"),
    ({"decoder_variance": -1.0}, "decoder_variance"),
])
def test_bad_architecture(kwargs, match):
    with pytest.raises(ValueError, match=f"^{match}"):
        Architecture(n_features=4, **kwargs)


def test_cnn_images_of_the_wrong_shape():
    arch = Architecture(n_features=64, encoder="cnn", image_shape=(8, 8))
    with pytest.raises(ValueError, match=r"^x must hold images of shape"):
        fit_grid(arch, np.zeros((10, 4, 16)), n_steps=1)


def test_training_run_equals_the_documented_adam_loop_over_public_pieces():
    """fit_grid against a plain loop: per step, key, k_batch, k_noise = split(key, 3),
    indices from k_batch, and J of sample_weights + log_densities + weight_kl at
    k_noise, minimized by optax's Adam, one point at a time. 70 steps cross the
    boundary of a compiled run of steps."""
    import optax

    arch = Architecture(n_features=4, n_latent=2, n_classes=2, hidden=(5,), decoder_hidden=())
    x = _binary(48, 4, 2)
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    lams, gamma, sigma, n_steps, batch = [0.5, 2.0], 1.5, 1e-2, 70, 8
    fit = fit_grid(arch, x, y, lam=lams, gamma=gamma, sigma=sigma, n_steps=n_steps, batch_size=batch,
                   learning_rate=1e-2, rng=4, record_every=1)
    seeds = np.random.default_rng(4).integers(0, 2 ** 31 - 1, size=2)
    start = encdec.init_posterior(jax.random.key(int(seeds[0])), arch, jnp.float32)
    opt = optax.adam(1e-2)

    def loss(posterior, key, xb, yb, lam):
        k_w, k_z = jax.random.split(key)
        ld = encdec.log_densities(encdec.sample_weights(posterior, k_w), arch, xb, yb, k_z)
        return ((ld["log_encoder"] - ld["log_prior"]).mean() - lam * ld["log_decoder"].mean()
                - gamma * ld["log_classifier"].mean() + sigma * encdec.weight_kl(posterior, 1.0))

    @jax.jit
    def step(posterior, state, key, lam):
        key, k_batch, k_noise = jax.random.split(key, 3)
        idx = jax.random.randint(k_batch, (batch,), 0, x.shape[0])
        J, g = jax.value_and_grad(loss)(posterior, k_noise, jnp.asarray(x, jnp.float32)[idx],
                                        jnp.asarray(y)[idx], lam)
        updates, state = opt.update(g, state, posterior)
        return optax.apply_updates(posterior, updates), state, key, J

    for p, lam in enumerate(lams):
        posterior, state, key = start, opt.init(start), jax.random.key(int(seeds[1]))
        Js = []
        for _ in range(n_steps):
            posterior, state, key, J = step(posterior, state, key, lam)
            Js.append(J)
        assert np.allclose(np.asarray(Js), fit.history["J"][:, p], rtol=1e-4, atol=1e-4), p
        for u, v in zip(jax.tree_util.tree_leaves(posterior), jax.tree_util.tree_leaves(fit.point(p))):
            assert np.allclose(u, v, atol=1e-5)
    assert np.array_equal(jax.random.key_data(key), jax.random.key_data(fit.state.key))
    assert int(fit.state.step) == n_steps
