"""Representation learning as entropy production: sigma_tot = J - H at lam = gamma = 1, on
tabular models (against the free-energy layer) and on the linear-Gaussian closed form."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import thermoinfo
from thermoinfo.freeenergy import gaussian, solve
from thermoinfo.freeenergy.functionals import functionals
from thermoinfo.geometry.gaussian import gaussian_entropy
from thermoinfo.testing import strategies as ts
from thermoinfo.thermo.graphical import FixedKernelFamily
from thermoinfo.thermo.representation import (
    linear_gaussian_entropy_production,
    representation_entropy_production,
)


@st.composite
def models(draw):
    nx, ny, nz = draw(st.integers(2, 4)), draw(st.integers(2, 3)), draw(st.integers(2, 3))
    p = draw(ts.distributions(shape=(nx, ny), positive=draw(st.booleans())))
    e = draw(ts.conditionals(nx, nz, positive=True))
    d = draw(ts.conditionals(nz, nx, positive=True))
    c = draw(ts.conditionals(nz, ny, positive=True))
    q = draw(ts.distributions(shape=(nz,), positive=True))
    return p, e, d, c, q


@settings(max_examples=40)
@given(models())
def test_tabular_identities_by_enumeration(model):
    p, e, d, c, q = model
    ep = representation_entropy_production(p, e, d, c, prior=q)
    # D(p||q) = J(1, 1) - H, computed by the free-energy layer's functionals
    f = functionals(p, e, q, d, c, lam=1.0, gamma=1.0)
    assert ep.with_prior == pytest.approx(f.J - f.H, abs=1e-10)
    joint = p[:, :, None] * e[:, None, :]
    pz = joint.sum(axis=(0, 1))
    assert ep.prior_gap == pytest.approx(thermoinfo.kl(pz, q), abs=1e-10)
    assert ep.with_prior == pytest.approx(ep.total + ep.prior_gap, abs=1e-10)
    # the same total from the one-step production of (x, y) -> z with T_B = d c
    T = np.repeat(e, p.shape[1], axis=0)  # T[(x, y), z] = e(z|x)
    T_back = np.einsum("zx,zy->zxy", d, c).reshape(d.shape[0], -1)
    one = thermoinfo.entropy_production(p.ravel(), T, T_back)
    assert ep.total == pytest.approx(one.total, abs=1e-10)
    assert ep.system == pytest.approx(one.system, abs=1e-10)
    assert ep.bath == pytest.approx(one.bath, abs=1e-10)
    # the two subsystems add up exactly; the marginal productions miss I(X;Y|Z)
    assert ep.total == pytest.approx(ep.representation + ep.label, abs=1e-10)
    cmi = thermoinfo.conditional_mutual_information(joint, [0], [1], [2])
    assert ep.interaction == pytest.approx(cmi, abs=1e-10)
    assert ep.total == pytest.approx(ep.marginal_decoder + ep.marginal_classifier + cmi, abs=1e-10)
    # the representation subsystem alone is the no-label free-energy gap R* + D - H(X)
    fx = functionals(p.sum(axis=1)[:, None], e, None, d, np.ones((d.shape[0], 1)), lam=1.0, gamma=0.0)
    assert ep.representation == pytest.approx(fx.J - fx.H, abs=1e-10)
    # the projection-based partial productions: distances to the families fixing one kernel
    fam_d = FixedKernelFamily([(d, 0, (2,))], ndim=3)
    fam_c = FixedKernelFamily([(c, 1, (2,))], ndim=3)
    assert ep.partial_decoder == pytest.approx(thermoinfo.kl(joint, thermoinfo.m_projection(joint, fam_d)),
                                               abs=1e-10)
    assert ep.partial_classifier == pytest.approx(
        thermoinfo.kl(joint, thermoinfo.m_projection(joint, fam_c)), abs=1e-10)
    assert ep.marginal_decoder <= ep.partial_decoder + 1e-12 <= ep.total + 2e-12


def test_at_the_optimum_of_the_free_energy():
    rng = np.random.default_rng(0)
    p = rng.random((5, 3))
    p /= p.sum()
    sol = solve(p, 1.0, 1.0, 3, rng=0)
    ep = representation_entropy_production(p, sol.encoder, sol.decoder, sol.classifier, sol.prior)
    assert ep.with_prior == pytest.approx(sol.F - sol.H, abs=1e-9)
    # the optimal prior is the aggregate posterior: the backward projection costs nothing
    assert ep.prior_gap == pytest.approx(0.0, abs=1e-9)
    assert ep.total >= 0
    # any other encoder with its best decoder, classifier and prior does no better
    e = rng.dirichlet(np.ones(3), size=5)
    joint = p[:, :, None] * e[:, None, :]
    pz = joint.sum(axis=(0, 1))
    d = (joint.sum(axis=1) / pz).T
    c = (joint.sum(axis=0) / pz).T
    other = representation_entropy_production(p, e, d, c)
    assert other.total >= ep.total - 1e-9


def test_without_labels():
    rng = np.random.default_rng(1)
    px = rng.dirichlet(np.ones(4))
    e, d = rng.dirichlet(np.ones(3), size=4), rng.dirichlet(np.ones(4), size=3)
    ep = representation_entropy_production(px, e, d)
    f = functionals(px[:, None], e, None, d, np.ones((3, 1)), lam=1.0, gamma=0.0)
    assert ep.total == pytest.approx(f.J - f.H, abs=1e-12)
    assert ep.label == pytest.approx(0.0, abs=1e-14)
    assert ep.total == pytest.approx(thermoinfo.entropy_production(px, e, d).total, abs=1e-12)


def _gaussian_model():
    cov = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])
    B = np.array([[1.0, -0.5, 0.3]])
    noise = np.array([[0.2]])
    H = gaussian_entropy(np.block([[cov, cov @ B.T], [B @ cov, B @ cov @ B.T + noise]]))
    return cov, B, noise, H


@pytest.mark.parametrize("lam", [0.5, 1.0, 3.0])
def test_linear_gaussian_at_lam_gamma_one(lam):
    cov, B, noise, H = _gaussian_model()
    g = gaussian.linear_gaussian(cov, lam, lam, label_weights=B, label_noise=noise,
                                 decoder_variance=0.7, classifier_variance=0.4)
    ep = linear_gaussian_entropy_production(cov, g.encoder, g.decoder, label_weights=B, label_noise=noise,
                                            classifier=g.classifier, decoder_variance=0.7,
                                            classifier_variance=0.4)
    # J at lam = gamma = 1 of this encoder/decoder/classifier, from the closed form
    J1 = gaussian.linear_gaussian_objective(cov, g.encoder, 1.0, 1.0, decoder=g.decoder,
                                            classifier=g.classifier, label_weights=B, label_noise=noise,
                                            decoder_variance=0.7, classifier_variance=0.4)["J"]
    assert ep.total == pytest.approx(J1 - H, abs=1e-10)
    if lam == 1.0:
        assert ep.total == pytest.approx(g.F - H, abs=1e-10)
    assert ep.total == pytest.approx(ep.system + ep.bath, abs=1e-10)
    assert ep.total == pytest.approx(ep.representation + ep.label, abs=1e-10)
    assert ep.total == pytest.approx(ep.marginal_decoder + ep.marginal_classifier + ep.interaction,
                                     abs=1e-10)
    assert ep.total >= 0 and ep.representation >= 0


def test_linear_gaussian_any_encoder_and_scalar_case():
    cov, B, noise, H = _gaussian_model()
    rng = np.random.default_rng(2)
    A = rng.normal(size=(2, 3))
    obj = gaussian.linear_gaussian_objective(cov, A, 1.0, 1.0, label_weights=B, label_noise=noise)
    # the best linear decoder and classifier for this encoder
    cov_z = A @ cov @ A.T + np.eye(2)
    W = np.linalg.solve(cov_z, A @ cov).T
    ep = linear_gaussian_entropy_production(cov, A, W, label_weights=B, label_noise=noise, classifier=B @ W)
    assert ep.total == pytest.approx(obj["J"] - H, abs=1e-10)
    # a scalar source by hand: x ~ N(0, 2), z = x + xi: J - H = 1/2 log 3 + D - 1/2 log(2 pi e 2)
    ep = linear_gaussian_entropy_production([[2.0]], [[1.0]], [[2.0 / 3.0]])
    D = 0.5 * np.log(2 * np.pi) + (2.0 / 3.0) / 2
    assert ep.total == pytest.approx(0.5 * np.log(3) + D - 0.5 * np.log(2 * np.pi * np.e * 2), abs=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"encoder": np.full((2, 2), 0.6)}, r"^encoder\b"),
        ({"decoder": np.full((3, 2), 0.5)}, r"^decoder must have shape"),
        ({"classifier": None}, r"^classifier is required"),
        ({"classifier": np.full((2, 3), 1 / 3)}, r"^classifier must have shape"),
        ({"prior": [0.2, 0.3, 0.5]}, r"^prior must have"),
        ({"p_xy": np.full((2, 2), 0.3)}, r"^p_xy\b"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"p_xy": np.full((2, 2), 0.25), "encoder": np.eye(2), "decoder": np.full((2, 2), 0.5),
            "classifier": np.full((2, 2), 0.5)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        representation_entropy_production(**args)
    with pytest.raises(ValueError, match=r"^label_weights, label_noise and classifier"):
        linear_gaussian_entropy_production([[1.0]], [[1.0]], [[0.5]], label_weights=[[1.0]])
    with pytest.raises(ValueError, match=r"^encoder must be"):
        linear_gaussian_entropy_production([[1.0]], [[1.0, 2.0]], [[0.5]])


def test_linear_gaussian_partial_productions_by_gaussian_divergences():
    from thermoinfo.geometry.gaussian import gaussian_kl

    cov, B, noise, _ = _gaussian_model()
    g = gaussian.linear_gaussian(cov, 1.5, 0.8, label_weights=B, label_noise=noise)
    A, W, V = g.encoder, g.decoder, g.classifier
    ep = linear_gaussian_entropy_production(cov, A, W, label_weights=B, label_noise=noise, classifier=V)
    # forward covariance of (x, y, z)
    L = np.vstack([np.eye(3), B, A])
    P = L @ cov @ L.T
    P[3:4, 3:4] += noise
    P[4:, 4:] += np.eye(3)
    zero = np.zeros(7)
    # fix the decoder only: q = p(y, z) N(x; W z, I)
    Q = P.copy()
    Q[:3, :3] = W @ P[4:, 4:] @ W.T + np.eye(3)
    Q[:3, 3:] = W @ P[4:, 3:]
    Q[3:, :3] = Q[:3, 3:].T
    assert ep.partial_decoder == pytest.approx(gaussian_kl(zero, P, zero, Q), abs=1e-10)
    # fix the classifier only: q = p(x, z) N(y; V z, 1)
    Q = P.copy()
    Q[3, 3] = (V @ P[4:, 4:] @ V.T)[0, 0] + 1.0
    Q[3, [0, 1, 2, 4, 5, 6]] = (V @ P[4:, [0, 1, 2, 4, 5, 6]])[0]
    Q[[0, 1, 2, 4, 5, 6], 3] = Q[3, [0, 1, 2, 4, 5, 6]]
    assert ep.partial_classifier == pytest.approx(gaussian_kl(zero, P, zero, Q), abs=1e-10)
    assert ep.marginal_decoder <= ep.partial_decoder <= ep.total
