"""Learned contours: the Jacobian, the thimble of a Gaussian, HMC + reweighting
against exact answers (one-variable models and the free lattice theory), training,
checkpoints."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermoinfo.sampling import path_optimization as po
from thermoinfo.systems import phi4
from thermoinfo.testing import raises_named


def test_closed_form_jacobian_matches_autodiff():
    params = po.init_neural(6, 3, rng=0)
    params["alpha"] = np.linspace(0.2, 1.0, 6)
    params["beta"] = np.full(6, 0.1)
    affine = {"A": np.random.default_rng(1).normal(size=(6, 6)), "b": np.zeros(6)}
    t = jnp.asarray(np.random.default_rng(2).normal(size=6))
    with jax.enable_x64(True):
        for p in (params, affine):
            jp = po._as_jax_params(p)
            auto = jax.jacfwd(lambda u, jp=jp: po.path(jp, u))(t)
            np.testing.assert_allclose(po.jacobian(jp, t), auto, atol=1e-14)
            sign, log_abs = np.linalg.slogdet(np.asarray(auto))
            fast_sign, fast_log_abs = po.log_det_jacobian(jp, t)      # Sylvester for the neural path
            assert float(fast_log_abs) == pytest.approx(log_abs, rel=1e-12)
            assert complex(fast_sign) == pytest.approx(sign, abs=1e-12)
            # Re S_eff = Re S - log|det J|, theta = -Im S + arg det J
            re, theta, z = po.effective_action(lambda z: jnp.sum(z ** 2) / 2, jp, t)
            det = np.linalg.det(np.asarray(auto))
            s = np.sum(np.asarray(z) ** 2) / 2
            assert float(re) == pytest.approx(s.real - np.log(abs(det)), rel=1e-12)
            expected = np.exp(1j * (-s.imag + np.angle(det)))
            assert np.exp(1j * float(theta)) == pytest.approx(expected, abs=1e-12)


def test_affine_thimble_makes_a_complex_gaussian_real():
    rng = np.random.default_rng(4)
    a = rng.normal(size=(5, 5))
    K = a @ a.T + 5 * np.eye(5) + 1j * (lambda b: b + b.T)(rng.normal(size=(5, 5)))
    B = po.affine_thimble(K)["A"]
    P = np.eye(5) + 1j * B
    C = P.T @ K @ P
    assert np.abs(C.imag).max() < 1e-10 * np.abs(C.real).max()
    assert np.all(np.linalg.eigvalsh(C.real) > 0)


def test_neural_path_from_an_affine_one_starts_on_it():
    B = phi4.Lattice(4, 4, m=1.0, lam=1.0, mu=1.2).gaussian_path()["A"]
    t = np.random.default_rng(3).normal(size=(50, 32))
    U, S, Vt = np.linalg.svd(B)
    with jax.enable_x64(True):
        for n_hidden, A in [(None, B), (8, (U[:, :8] * S[:8]) @ Vt[:8])]:    # truncated: leading SVD
            jp = po._as_jax_params(po.init_neural_from_affine({"A": B, "b": np.full(32, 0.3)}, n_hidden))
            z = np.asarray(jax.vmap(lambda u, jp=jp: po.path(jp, u))(jnp.asarray(t)))
            np.testing.assert_allclose(z.real, t)
            target = t @ A.T + 0.3
            assert np.abs(z.imag - target).max() < 0.1 * np.abs(target - 0.3).max()   # tanh curvature
    with pytest.raises(ValueError, match=r"^affine "):
        po.init_neural_from_affine({"A": B})


@pytest.fixture(scope="module")
def free_lattice():
    lat = phi4.Lattice(4, 4, m=1.0, lam=0.0, mu=0.8)
    action, couplings = lat.flat_action()
    with jax.enable_x64(True):
        hess = [jax.hessian(lambda x, part=part: getattr(action(x, couplings), part))(jnp.zeros(32))
                for part in ("real", "imag")]
    return lat, action, couplings, np.asarray(hess[0]) + 1j * np.asarray(hess[1])


def test_free_lattice_real_plane_reweighting_matches_exact(free_lattice):
    lat, action, couplings, _ = free_lattice
    exact = lat.free_field()                   # phase factor 0.548, n = 0.300, n_pq = 0.403
    s = po.sample_path(action, 32, 3000, couplings=couplings, rng=7)
    density = np.asarray(lat.flat_density()(s.z, couplings))
    r = po.reweight(s, density)
    assert abs(r.phase_factor - exact.phase_factor) < 4 * r.phase_factor_stderr
    assert r.phase_factor_stderr < 0.04
    assert abs(r.value - exact.density) < 4 * r.stderr and r.stderr < 0.025
    # without the phase, the phase-quenched density comes out instead
    assert abs(density.real.mean() - exact.density_phase_quenched) < 0.03
    assert abs(exact.density_phase_quenched - exact.density) > 5 * r.stderr


def test_free_lattice_on_the_affine_thimble_has_no_sign_problem(free_lattice):
    lat, action, couplings, K = free_lattice
    exact = lat.free_field()
    s = po.sample_path(action, 32, 3000, params=po.affine_thimble(K), couplings=couplings, rng=8)
    r = po.reweight(s, np.asarray(lat.flat_density()(s.z, couplings)))
    assert abs(r.phase_factor) == pytest.approx(1.0, abs=1e-9)    # exactly 1 on the thimble
    assert abs(r.value - exact.density) < 4 * r.stderr and r.stderr < 0.02


def test_training_an_affine_path_raises_the_free_phase_factor(free_lattice):
    lat, action, couplings, _ = free_lattice
    opt = po.PathOptimization(action, 32, path="affine", n_epochs=40, samples_per_epoch=32,
                              learning_rate=0.01, n_warmup=100, couplings=couplings, rng=3).fit()
    assert lat.free_field().phase_factor < 0.56
    assert opt.history_["phase_factor"][-10:].mean() > 0.8


POWER_MODEL = phi4.GaussianPowerModel(20, 10.0)
TRAINING = dict(n_hidden=4, samples_per_epoch=64, learning_rate=0.05, n_warmup=200)


def _power_model_action(z):
    return POWER_MODEL.action(z[0])


def _one_variable(action, n_epochs, rng):
    real = po.sample_path(action, 1, 3000, rng=rng, n_warmup=200)
    opt = po.PathOptimization(action, 1, n_epochs=n_epochs, rng=rng, **TRAINING).fit()
    learned = opt.sample(5000, rng=rng + 1)
    return real, learned


@pytest.mark.slow
def test_learned_path_solves_the_gaussian_power_model():
    exact = POWER_MODEL.exact()                # phase factor 0.079, <x> = -2.653i, <x^2> = -5.53
    real, learned = _one_variable(_power_model_action, 50, rng=0)
    on_real = po.reweight(real)
    first = po.reweight(learned, learned.z[:, 0])
    second = po.reweight(learned, learned.z[:, 0] ** 2)
    assert abs(abs(on_real.phase_factor) - exact.phase_factor.real) < 4 * on_real.phase_factor_stderr
    assert abs(first.phase_factor) > 0.95
    assert abs(first.value - exact.mean) < 4 * first.stderr and first.stderr < 0.1
    assert abs(second.value - exact.second_moment) < 4 * second.stderr and second.stderr < 1.0


@pytest.mark.slow
def test_learned_path_raises_the_quartic_model_phase_factor():
    model = phi4.QuarticModel(a=1.0, lam=1.0, h=2j)
    exact = model.exact()                      # phase factor 0.352, <x> = -1.191i, <x^2> = -0.426
    real, learned = _one_variable(lambda z: model.action(z[0]), 50, rng=5)
    first = po.reweight(learned, learned.z[:, 0])
    second = po.reweight(learned, learned.z[:, 0] ** 2)
    assert abs(po.reweight(real).phase_factor - exact.phase_factor) < 0.05
    assert abs(first.phase_factor) > exact.phase_factor.real + 0.25
    assert abs(first.value - exact.mean) < 4 * first.stderr and first.stderr < 0.1
    assert abs(second.value - exact.second_moment) < 4 * second.stderr and second.stderr < 0.2


# A fixed, curved neural path through the saddle z = -2.76i of the power model, on which
# log|det dz/dt| ranges over 0 ... 0.39: dropping the Jacobian moves <x^2> by 0.53 + 0.91i,
# flipping its sign by 0.8 + 1.8i (quadrature).
CURVED_PATH = {"W1": [[0.7], [-0.49], [0.28]], "b1": [0.2, -0.1, 0.3], "W2": [[0.8, -0.5, 1.1]],
               "b2": [-0.3], "alpha": [1.0], "beta": [-2.76]}


def test_power_model_integral_along_a_curved_path_equals_the_real_line_integral():
    """Cauchy: int dt e^{-S_eff(t)} along z(t) is Z, by trapezoid quadrature (spectrally
    accurate for this smooth, Gaussian-decaying integrand) against the real line."""
    t = np.linspace(-14.0, 14.0, 40001)
    with jax.enable_x64(True):
        jp = po._as_jax_params(po._check_params(CURVED_PATH, 1))
        re, theta, z = (np.asarray(v) for v in jax.vmap(
            lambda u: po.effective_action(_power_model_action, jp, u[None]))(jnp.asarray(t)))
        _, log_j = jax.vmap(lambda u: po.log_det_jacobian(jp, u[None]))(jnp.asarray(t))
    z = z[:, 0]
    bulk = np.abs(t + 2.0) < 3.0
    assert np.ptp(np.asarray(log_j)[bulk]) > 0.3            # the Jacobian matters on this path
    shift = re.min()
    weight = np.exp(-(re - shift) + 1j * theta)
    x = t + 0j
    real_line = (x + 10j) ** 20 * np.exp(-x * x / 2 + shift)
    assert weight.sum() == pytest.approx(real_line.sum(), rel=1e-9)
    exact = POWER_MODEL.exact()
    assert (z * weight).sum() / weight.sum() == pytest.approx(exact.mean, rel=1e-9)
    assert (z * z * weight).sum() / weight.sum() == pytest.approx(exact.second_moment, rel=1e-9)


def test_power_model_sampled_on_a_curved_path_reproduces_the_exact_answers():
    """HMC + reweighting on the curved path: the phase factor of this path by quadrature
    (z(t) and dz/dt in numpy, independent of the package) and the exact <x>."""
    p = {k: np.asarray(v, float) for k, v in CURVED_PATH.items()}
    t = np.linspace(-14.0, 14.0, 200001)
    a = np.tanh(np.outer(t, p["W1"][:, 0]) + p["b1"])
    z = t + 1j * (p["alpha"][0] * np.tanh(a @ p["W2"][0] + p["b2"][0]) + p["beta"][0])
    weight = np.gradient(z, t) * (z + 10j) ** 20 * np.exp(-z * z / 2)
    path_phase_factor = abs(weight.sum()) / np.abs(weight).sum()   # 0.732; 0.867 without the
    assert path_phase_factor == pytest.approx(0.732, abs=1e-3)    # Jacobian, 0.942 sign-flipped
    s = po.sample_path(_power_model_action, 1, 10000, params=CURVED_PATH, rng=11, n_warmup=200)
    first = po.reweight(s, s.z[:, 0])
    assert abs(abs(first.phase_factor) - path_phase_factor) < 4 * first.phase_factor_stderr
    assert first.phase_factor_stderr < 0.02
    exact = POWER_MODEL.exact()
    assert abs(first.value - exact.mean) < 4 * first.stderr and first.stderr < 0.04


def _power_action(z, couplings):
    return z[0] ** 2 / 2 - couplings[0] * jnp.log(z[0] + 1j * couplings[1])


def test_checkpoint_resumes_to_the_same_numbers(tmp_path):
    kwargs = dict(adapt_every=3, checkpoint_every=2, rng=9, **TRAINING)   # compiled once, with the test above
    straight = po.PathOptimization(_power_model_action, 1, n_epochs=6, **kwargs).fit()
    ckpt = tmp_path / "path.npz"
    po.PathOptimization(_power_model_action, 1, n_epochs=4, checkpoint=ckpt, **kwargs).fit()
    resumed = po.PathOptimization(_power_model_action, 1, n_epochs=6, checkpoint=ckpt, **kwargs)
    steps = list(resumed.train())
    assert [s.epoch for s in steps] == [4, 5]        # picked up at epoch 4
    for k, v in straight.params_.items():
        np.testing.assert_array_equal(resumed.params_[k], v)
    np.testing.assert_array_equal(resumed.history_["phase_factor"], straight.history_["phase_factor"])
    np.testing.assert_array_equal(resumed.position_, straight.position_)


def test_corrupted_or_foreign_checkpoint_names_the_path(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    opt = po.PathOptimization(_power_action, 1, n_epochs=1, checkpoint=bad, couplings=np.array([2.0, 1.0]))
    with pytest.raises(ValueError, match=r"^checkpoint .*bad\.npz: not a readable"):
        opt.fit()
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.ones(3))
    with pytest.raises(ValueError, match=r"^checkpoint .*foreign\.npz: not a path-optimization checkpoint"):
        po.PathOptimization(_power_action, 1, n_epochs=1, checkpoint=foreign,
                            couplings=np.array([2.0, 1.0])).fit()


@pytest.mark.parametrize(("call", "name", "error"), [
    (lambda: po.PathOptimization("S", 1).fit(), "action", TypeError),
    (lambda: po.PathOptimization(_power_action, 0).fit(), "n_variables", ValueError),
    (lambda: po.PathOptimization(_power_action, 1, path="spline").fit(), "path", ValueError),
    (lambda: po.PathOptimization(_power_action, 1, learning_rate=-1.0).fit(), "learning_rate", ValueError),
    (lambda: po.PathOptimization(_power_action, 1, samples_per_epoch=1).fit(), "samples_per_epoch",
     ValueError),
    (lambda: po.sample_path(_power_action, 1, 10, params={"W": 1}), "params", ValueError),
    (lambda: po.sample_path(_power_action, 1, 10, params=[1.0]), "params", TypeError),
    (lambda: po.PathOptimization(_power_action, 1).sample(10), "sample", ValueError),
    (lambda: po.affine_thimble(np.ones((2, 3))), "hessian", ValueError),
    (lambda: po.affine_thimble(-np.eye(2)), "hessian", ValueError),
])
def test_bad_input_names_the_argument(call, name, error):
    with raises_named(error, name):
        call()
