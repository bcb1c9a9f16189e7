"""Representation learning as the entropy production of a subsystem.

The forward process makes a representation z of the data x (the label y comes
with x from nature), the backward process decodes the data and the label from
z (Ito, Oizumi & Amari, arXiv:1810.09545; Gao & Chaudhari, arXiv:2002.12406):

    p(x, y, z) = p(x, y) e(z|x),          q(x, y, z) = q(z) d(x|z) c(y|z).

With the functionals R = E log e(z|x)/q(z), D = -E log d(x|z), C = -E log
c(y|z) and H = H(X, Y),

    D(p || q) = R + D + C - H = J(lam = 1, gamma = 1) - H,

the free-energy layer's identity read as an entropy production. Over the
backward family M_B = { q(z) d(x|z) c(y|z) : q(z) free } the m-projection keeps
q*(z) = p(z), and

    sigma_tot = D(p || q*) = D(p || q) - D(p_Z || q_Z) = sigma_sys + sigma_bath,
    sigma_sys = H(Z) - H(X, Y),     sigma_bath = E log e(z|x) / (d(x|z) c(y|z)).

The representation (x -> z, decoded by d) and the label (y with x, decoded by
c) are two subsystems whose productions in their own terms add up exactly,

    sigma^X_tot = E log p(x) e(z|x) / (p(z) d(x|z)) = [H(Z) - H(X)] + E log e/d
               = R* + D - H(X)          (R* the rate at q = p(z)),
    sigma^Y_tot = E log p(y|x) / c(y|z) = C - H(Y|X),
    sigma_tot   = sigma^X_tot + sigma^Y_tot.

The projection-based partial productions fix one backward kernel and leave
the rest free, sigma^dec = E log p(x|y,z)/d(x|z) and sigma^cls = E log
p(y|x,z)/c(y|z); the marginal ones are the excess losses D - H(X|Z) and
C - H(Y|Z), and

    sigma_tot = [D - H(X|Z)] + [C - H(Y|Z)] + I(X; Y | Z).

For the linear-Gaussian model (x ~ N(0, Sigma), y = B x + eps, z = A x + xi,
d = N(W z, s^2 I), c = N(V z, t^2 I)) all tables are Gaussian and every
divergence has its closed form; H is then the differential entropy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import xlogy

from thermoinfo._validation import as_conditional, as_distribution, check_positive
from thermoinfo.geometry.divergences import _entropy_kernel, _kl_kernel
from thermoinfo.geometry.gaussian import gaussian_entropy, gaussian_kl

__all__ = [
    "RepresentationEntropyProduction",
    "linear_gaussian_entropy_production",
    "representation_entropy_production",
]


@dataclass(frozen=True)
class RepresentationEntropyProduction:
    """Entropy productions of an encoder/decoder(/classifier) pair.

    Attributes
    ----------
    total : float
        sigma_tot = D(p || q*), q*(z) = p(z); ``total == system + bath``.
    system, bath : float
        H(Z) - H(X, Y) and E log e(z|x) / (d(x|z) c(y|z)).
    with_prior : float
        D(p || q) for the given prior q(z): J(1, 1) - H = ``total + prior_gap``.
    prior_gap : float
        D(p_Z || q_Z).
    representation, label : float
        sigma^X_tot = R* + D - H(X) and sigma^Y_tot = C - H(Y|X); they add up to ``total``.
    partial_decoder, partial_classifier : float
        D(p || M_B^dec) = E log p(x|y,z)/d(x|z) and D(p || M_B^cls) = E log p(y|x,z)/c(y|z).
    marginal_decoder, marginal_classifier : float
        D - H(X|Z) and C - H(Y|Z).
    interaction : float
        I(X; Y | Z) = total - marginal_decoder - marginal_classifier.
    """

    total: float
    system: float
    bath: float
    with_prior: float
    prior_gap: float
    representation: float
    label: float
    partial_decoder: float
    partial_classifier: float
    marginal_decoder: float
    marginal_classifier: float
    interaction: float


def _h(p: np.ndarray, keep: tuple[int, ...]) -> float:
    drop = tuple(a for a in range(p.ndim) if a not in keep)
    return _entropy_kernel(p.sum(axis=drop)) if keep else 0.0


def _e_log(p: np.ndarray, table: np.ndarray) -> float:
    """E_p log table (table broadcast to p); -inf where p > 0 = table."""
    if np.any((p > 0) & (table <= 0)):
        return -np.inf
    with np.errstate(divide="ignore"):
        return float(np.sum(xlogy(p, np.broadcast_to(table, p.shape))))


def representation_entropy_production(p_xy: Any, encoder: Any, decoder: Any, classifier: Any = None,
                                      prior: Any = None) -> RepresentationEntropyProduction:
    """Entropy productions of the tabular encoder/decoder(/classifier) of a data set.

    Parameters
    ----------
    p_xy : array_like (n_x, n_y) or (n_x,)
        Joint table of data and labels (1-D: no label).
    encoder : array_like (n_x, n_z)
        e(z|x), indexed [x, z].
    decoder : array_like (n_z, n_x)
        d(x|z), indexed [z, x].
    classifier : array_like (n_z, n_y), optional
        c(y|z); required with labels.
    prior : array_like (n_z,), optional
        q(z) for ``with_prior``; default the marginal p(z) (then ``prior_gap = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.representation import representation_entropy_production
    >>> p = np.array([[0.4, 0.1], [0.1, 0.4]])
    >>> e = np.array([[0.9, 0.1], [0.2, 0.8]])
    >>> d = np.array([[0.8, 0.2], [0.1, 0.9]])
    >>> c = np.array([[0.7, 0.3], [0.25, 0.75]])
    >>> ep = representation_entropy_production(p, e, d, c)
    >>> bool(abs(ep.total - ep.representation - ep.label) < 1e-12)
    True
    """
    p = as_distribution(p_xy, "p_xy")
    if p.ndim == 1:
        p = p[:, None]
        if classifier is not None:
            raise ValueError("classifier needs labels: p_xy must be a 2-D table p(x, y)")
        classifier = np.ones((np.shape(encoder)[-1] if np.ndim(encoder) == 2 else 1, 1))
    elif p.ndim != 2:
        raise ValueError(f"p_xy must be a table p(x) or p(x, y) (got shape {p.shape})")
    elif classifier is None:
        raise ValueError("classifier is required with labels (p_xy is 2-D)")
    nx, ny = p.shape
    e = as_conditional(encoder, "encoder")
    nz = e.shape[1]
    d = as_conditional(decoder, "decoder")
    c = as_conditional(classifier, "classifier")
    if e.shape[0] != nx:
        raise ValueError(f"encoder must have {nx} rows, one per x (got shape {e.shape})")
    if d.shape != (nz, nx):
        raise ValueError(f"decoder must have shape (n_z, n_x) = {(nz, nx)}, indexed [z, x] (got {d.shape})")
    if c.shape != (nz, ny):
        raise ValueError(f"classifier must have shape (n_z, n_y) = {(nz, ny)}, indexed [z, y] "
                         f"(got {c.shape})")
    joint = p[:, :, None] * e[:, None, :]  # axes (x, y, z)
    pz = joint.sum(axis=(0, 1))
    q = pz if prior is None else as_distribution(prior, "prior", ndim=1)
    if q.shape != (nz,):
        raise ValueError(f"prior must have {nz} entries (got {q.shape})")
    dec = d.T[:, None, :]  # d(x|z) on axes (x, ., z)
    cls = c.T[None, :, :]  # c(y|z) on axes (., y, z)
    q_star = dec * cls * pz[None, None, :]
    total = _kl_kernel(joint, q_star)
    with_prior = _kl_kernel(joint, dec * cls * q[None, None, :])
    h_xyz = _entropy_kernel(joint)
    h_xy, h_x, h_z = _h(joint, (0, 1)), _h(joint, (0,)), _h(joint, (2,))
    h_xz, h_yz = _h(joint, (0, 2)), _h(joint, (1, 2))
    system = h_z - h_xy
    log_e = _e_log(joint, e[:, None, :])
    D = -_e_log(joint, dec)
    C = -_e_log(joint, cls)
    bath = log_e + D + C
    rate_star = log_e + h_z  # E log e(z|x)/p(z)
    representation = rate_star + D - h_x
    label = C - (h_xy - h_x)
    partial_decoder = -(h_xyz - h_yz) + D  # E log p(x|y,z) - E log d
    partial_classifier = -(h_xyz - h_xz) + C
    marginal_decoder = D - (h_xz - h_z)
    marginal_classifier = C - (h_yz - h_z)
    interaction = (h_xz - h_z) + (h_yz - h_z) - (h_xyz - h_z)
    return RepresentationEntropyProduction(
        float(total), float(system), float(bath), float(with_prior), float(with_prior - total),
        float(representation), float(label), float(partial_decoder), float(partial_classifier),
        float(marginal_decoder), float(marginal_classifier), float(max(interaction, 0.0)))


def _cov(a: Any, name: str, shape: tuple[int, int]) -> np.ndarray:
    arr = np.atleast_2d(np.asarray(a, dtype=np.float64))
    if arr.shape != shape or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a finite matrix of shape {shape} (got {arr.shape})")
    return arr


def linear_gaussian_entropy_production(cov_x: Any, encoder: Any, decoder: Any, *,
                                       label_weights: Any = None, label_noise: Any = None,
                                       classifier: Any = None, encoder_noise: Any = None,
                                       decoder_variance: float = 1.0, classifier_variance: float = 1.0
                                       ) -> RepresentationEntropyProduction:
    """The same productions for the linear-Gaussian model, by Gaussian divergences.

    x ~ N(0, Sigma), y = B x + eps (eps ~ N(0, label_noise), positive
    definite), z = A x + xi (xi ~ N(0, encoder_noise), default I), decoder
    d(x|z) = N(W z, s^2 I), classifier c(y|z) = N(V z, t^2 I); the prior is
    the marginal of z. H is the differential entropy of (x, y).

    Parameters
    ----------
    cov_x : array_like (n, n)
    encoder : array_like (k, n)
        A.
    decoder : array_like (n, k)
        W.
    label_weights, label_noise, classifier : array_like, optional
        B (m, n), Sigma_eps (m, m) and V (m, k); all or none.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.representation import linear_gaussian_entropy_production
    >>> ep = linear_gaussian_entropy_production([[2.0]], [[1.0]], [[2.0 / 3.0]])
    >>> round(ep.total, 6), bool(abs(ep.total - ep.representation) < 1e-12)
    (0.036066, True)
    """
    cov = np.atleast_2d(np.asarray(cov_x, dtype=np.float64))
    n = cov.shape[0]
    cov = _cov(cov, "cov_x", (n, n))
    A = np.atleast_2d(np.asarray(encoder, dtype=np.float64))
    if A.ndim != 2 or A.shape[1] != n or not np.all(np.isfinite(A)):
        raise ValueError(f"encoder must be a finite (k, {n}) matrix A (got shape {A.shape})")
    k = A.shape[0]
    W = _cov(decoder, "decoder", (n, k))
    noise_z = np.eye(k) if encoder_noise is None else _cov(encoder_noise, "encoder_noise", (k, k))
    s2 = check_positive(decoder_variance, "decoder_variance")
    t2 = check_positive(classifier_variance, "classifier_variance")
    labelled = label_weights is not None
    if labelled != (classifier is not None) or labelled != (label_noise is not None):
        raise ValueError("label_weights, label_noise and classifier go together: pass all or none")
    if labelled:
        B = np.atleast_2d(np.asarray(label_weights, dtype=np.float64))
        if B.ndim != 2 or B.shape[1] != n:
            raise ValueError(f"label_weights must be an (m, {n}) matrix (got shape {B.shape})")
        m = B.shape[0]
        S_eps = _cov(label_noise, "label_noise", (m, m))
        V = _cov(classifier, "classifier", (m, k))
    else:
        m = 0
        B, S_eps, V = np.zeros((0, n)), np.zeros((0, 0)), np.zeros((0, k))
    # forward covariance of (x, y, z)
    L = np.vstack([np.eye(n), B, A])  # (x, y, z) = L x + noise
    noise = _block_diag(np.zeros((n, n)), S_eps, noise_z)
    cov_p = L @ cov @ L.T + noise
    cov_z = cov_p[n + m:, n + m:]
    # backward covariance: z ~ p(z), x = W z + N(0, s2), y = V z + N(0, t2)
    M = np.vstack([W, V, np.eye(k)])
    cov_q = M @ cov_z @ M.T + _block_diag(s2 * np.eye(n), t2 * np.eye(m), np.zeros((k, k)))
    zero = np.zeros(n + m + k)
    total = gaussian_kl(zero, cov_p, zero, cov_q)
    ix, iy, iz = np.arange(n), np.arange(n, n + m), np.arange(n + m, n + m + k)
    ixz = np.concatenate([ix, iz])
    representation = gaussian_kl(zero[ixz], cov_p[np.ix_(ixz, ixz)], zero[ixz], cov_q[np.ix_(ixz, ixz)])

    def block(idx):
        return cov_p[np.ix_(idx, idx)]

    def h(idx):
        return gaussian_entropy(block(idx)) if idx.size else 0.0

    # expected losses from second moments
    mse = float(np.trace(block(ix) - 2 * W @ cov_p[np.ix_(iz, ix)] + W @ cov_z @ W.T))
    D = 0.5 * n * np.log(2 * np.pi * s2) + mse / (2 * s2)
    if m:
        label_mse = float(np.trace(block(iy) - 2 * V @ cov_p[np.ix_(iz, iy)] + V @ cov_z @ V.T))
        C = 0.5 * m * np.log(2 * np.pi * t2) + label_mse / (2 * t2)
    else:
        C = 0.0
    ixy, iyz = np.concatenate([ix, iy]), np.concatenate([iy, iz])
    h_xy, h_x, h_z, h_xz, h_yz = h(ixy), h(ix), h(iz), h(ixz), h(iyz)
    h_xyz = h(np.arange(n + m + k))
    system = h_z - h_xy
    bath = -gaussian_entropy(noise_z) + D + C  # E log e(z|x) - E log d(x|z) - E log c(y|z)
    label = C - (h_xy - h_x)
    # (the partial productions fixing one kernel follow from the conditional entropies)
    partial_decoder = -(h_xyz - h_yz) + D
    partial_classifier = (-(h_xyz - h_xz) + C) if m else 0.0
    marginal_decoder = D - (h_xz - h_z)
    marginal_classifier = (C - (h_yz - h_z)) if m else 0.0
    interaction = (h_xz - h_z) + (h_yz - h_z) - (h_xyz - h_z) if m else 0.0
    return RepresentationEntropyProduction(
        float(total), float(system), float(bath), float(total), 0.0, float(representation),
        float(label), float(partial_decoder), float(partial_classifier), float(marginal_decoder),
        float(marginal_classifier), float(max(interaction, 0.0)))


def _block_diag(*blocks: np.ndarray) -> np.ndarray:
    """Block-diagonal matrix; empty (0, 0) blocks add nothing."""
    size = sum(b.shape[0] for b in blocks)
    out = np.zeros((size, size))
    i = 0
    for b in blocks:
        k = b.shape[0]
        out[i:i + k, i:i + k] = b
        i += k
    return out
