"""Closed forms of the learning free energy for Gaussian sources.

Equations (nats throughout):

Gaussian source x ~ N(0, sigma^2) under mean-squared error (Cover & Thomas, ch. 10.3):

    R(D) = max(0, 1/2 log(sigma^2 / D)),      D(R) = sigma^2 exp(-2 R).

Parallel Gaussian source with variances sigma_i^2 (reverse water-filling):

    D_i = min(theta, sigma_i^2),  D = sum_i D_i,  R = sum_i 1/2 log(sigma_i^2 / D_i),

and the Legendre form F(mu) = min R + mu * MSE has water level theta = 1/(2 mu), so that
dF/dmu = MSE and mu = -dR/dD.

Fixed-variance Gaussian decoder d(x|z) = N(x; W z, s^2 I) on x in R^n turns the
log-loss distortion into the mean-squared error,

    D = E[-log d(x|z)] = n/2 log(2 pi s^2) + E||x - W z||^2 / (2 s^2),

so J = R + lam D is the MSE problem at mu = lam / (2 s^2) plus lam n/2 log(2 pi s^2).

Linear-Gaussian encoder/decoder/classifier. Data x ~ N(0, Sigma), labels
y = B x + eps with eps ~ N(0, Sigma_eps) (y in R^m), encoder z = A x + xi with
xi ~ N(0, I), prior q(z) = the marginal of z, Gaussian decoder d(x|z) = N(W z, s^2 I)
and classifier c(y|z) = N(V z, t^2 I) with fixed variances. With K = Cov(x|z),

    R = 1/2 log det Sigma - 1/2 log det K,
    D = n/2 log(2 pi s^2) + tr K / (2 s^2),
    C = m/2 log(2 pi t^2) + (tr(B K B^T) + tr Sigma_eps) / (2 t^2),

so J = -1/2 log det K + tr(M K) + const with M = lam/(2 s^2) I + gamma/(2 t^2) B^T B.
Every 0 < K <= Sigma is reachable by a linear encoder. Whitening with
G = Sigma^(1/2) M Sigma^(1/2) = U diag(g_i) U^T, the minimizer is
K = Sigma^(1/2) U diag(k_i) U^T Sigma^(1/2) with k_i = min(1, 1/(2 g_i)) (a matrix
reverse water-filling; the KKT multiplier diag(1/(2 k_i) - g_i) is >= 0), and

    F(lam, gamma) = sum_i f(g_i) + lam n/2 log(2 pi s^2)
                    + gamma (m/2 log(2 pi t^2) + tr Sigma_eps / (2 t^2)),
    f(g) = 1/2 max(0, log 2g) + min(g, 1/2),

a concave spectral function of (lam, gamma). One optimal encoder is
A = diag(sqrt(max(0, 2 g_i - 1))) U^T Sigma^(-1/2), with W = E[x|z] and V = B W.

Gaussian information bottleneck (Chechik, Globerson, Tishby and Weiss, JMLR 6 (2005)
165-188): with the generalized eigenvalues 0 <= l_i <= 1 of Sigma_{x|y} Sigma_x^{-1}
(ascending, eigenvectors v_i with v_i^T Sigma_x v_i = 1) the optimal projection of
min I(x;z) - beta I(y;z) is A = diag(alpha_i) V^T,
alpha_i^2 = max(0, (beta (1 - l_i) - 1) / l_i), component i switching on at the
critical beta_i = 1 / (1 - l_i), and

    I(x;z) = sum_{active} 1/2 log((beta - 1)(1 - l_i) / l_i),
    I(y;z) = I(x;z) - sum_{active} 1/2 log(beta (1 - l_i)).

References: T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed.
(2006), ch. 10; G. Chechik, A. Globerson, N. Tishby and Y. Weiss, "Information
bottleneck for Gaussian variables", JMLR 6 (2005); Y. Gao and P. Chaudhari,
arXiv:2002.12406; A. A. Alemi and I. Fischer, arXiv:1807.04162.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from thermoinfo._validation import _as_float_array, check_nonnegative, check_positive

__all__ = [
    "GaussianIB",
    "LinearGaussianSolution",
    "WaterFilling",
    "decoder_distortion",
    "gaussian_distortion_rate",
    "gaussian_information_bottleneck",
    "gaussian_rate_distortion",
    "linear_gaussian",
    "linear_gaussian_differential",
    "linear_gaussian_objective",
    "reverse_water_filling",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


def _as_covariance(cov: Any, name: str, *, allow_singular: bool = False) -> np.ndarray:
    """Return ``cov`` as a symmetric positive (semi-)definite float matrix."""
    try:
        arr = np.asarray(getattr(cov, "values", cov), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a square matrix of real numbers") from exc
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty square matrix (got shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries")
    if not np.allclose(arr, arr.T, rtol=1e-10, atol=1e-12):
        raise ValueError(f"{name} must be symmetric")
    eig = np.linalg.eigvalsh(arr)
    floor = -1e-12 * max(1.0, float(np.abs(eig).max())) if allow_singular else 0.0
    if eig.min() <= floor:
        what = "positive semi-definite" if allow_singular else "positive definite"
        raise ValueError(f"{name} must be {what} (smallest eigenvalue {eig.min():.3g})")
    return 0.5 * (arr + arr.T)


def _as_variances(variances: Any) -> np.ndarray:
    arr = np.atleast_1d(_as_float_array(variances, "variances"))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"variances must be a non-empty 1-D array (got shape {arr.shape})")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError("variances must be finite and > 0")
    return arr


def _sqrtm(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric square root and inverse square root of a positive definite matrix."""
    w, U = np.linalg.eigh(cov)
    return (U * np.sqrt(w)) @ U.T, (U / np.sqrt(w)) @ U.T


# --------------------------------------------------------------------------- MSE


def gaussian_rate_distortion(variance: float, distortion: float) -> float:
    """R(D) = max(0, 1/2 log(sigma^2 / D)) of a N(0, sigma^2) source under MSE.

    Examples
    --------
    >>> round(gaussian_rate_distortion(4.0, 1.0), 6)
    0.693147
    """
    variance = check_positive(variance, "variance")
    distortion = check_positive(distortion, "distortion")
    return max(0.0, 0.5 * float(np.log(variance / distortion)))


def gaussian_distortion_rate(variance: float, rate: float) -> float:
    """D(R) = sigma^2 exp(-2 R), the inverse of :func:`gaussian_rate_distortion`."""
    variance = check_positive(variance, "variance")
    rate = check_nonnegative(rate, "rate")
    return variance * float(np.exp(-2.0 * rate))


@dataclass(frozen=True)
class WaterFilling:
    """Reverse water-filling solution of a parallel Gaussian source under MSE.

    Attributes
    ----------
    R : float
        Rate (nats).
    D : float
        Total mean-squared error, ``sum(components)``.
    F : float
        ``R + lam * D``.
    lam : float
        Slope ``-dR/dD``, the multiplier of the MSE; ``inf`` at ``D = 0``.
    water_level : float
        theta = 1 / (2 lam).
    components : numpy.ndarray
        Per-component distortions ``min(theta, sigma_i^2)``.
    """

    R: float
    D: float
    F: float
    lam: float
    water_level: float
    components: np.ndarray


def reverse_water_filling(variances: Any, *, distortion: float | None = None,
                          lam: float | None = None) -> WaterFilling:
    """Rate-distortion of independent Gaussians N(0, sigma_i^2) under total MSE.

    Give exactly one of ``distortion`` (total MSE, 0 < D) or ``lam`` (the slope
    -dR/dD, lam > 0; then F = R + lam D is the Legendre transform).

    Examples
    --------
    >>> w = reverse_water_filling([4.0, 1.0, 0.25], distortion=1.5)
    >>> round(w.water_level, 6), round(w.R, 6)
    (0.625, 1.163151)
    >>> round(reverse_water_filling([4.0, 1.0, 0.25], lam=0.8).D, 6)
    1.5
    """
    var = _as_variances(variances)
    if (distortion is None) == (lam is None):
        raise ValueError("distortion and lam: give exactly one (got "
                         f"{'both' if lam is not None else 'neither'})")
    if lam is not None:
        lam = check_positive(lam, "lam")
        theta = 0.5 / lam
    else:
        distortion = check_positive(distortion, "distortion")
        if distortion >= var.sum():
            theta = float(var.max())
        else:
            # D(theta) = sum min(theta, s_i) is piecewise linear and increasing
            s = np.sort(var)
            below = np.concatenate([[0.0], np.cumsum(s)])
            theta = float(s[-1])
            for k in range(s.size):
                cand = (distortion - below[k]) / (s.size - k)
                if cand <= s[k]:
                    theta = cand
                    break
        lam = 0.5 / theta
    comp = np.minimum(theta, var)
    R = float(0.5 * np.sum(np.log(var / comp)))
    D = float(comp.sum())
    return WaterFilling(R=R, D=D, F=R + lam * D, lam=float(lam), water_level=float(theta),
                        components=comp)


def decoder_distortion(mse: float, n_dims: int, decoder_variance: float) -> float:
    """D = E[-log N(x; W z, s^2 I)] = n/2 log(2 pi s^2) + mse / (2 s^2).

    ``mse`` is E||x - W z||^2 summed over the ``n_dims`` coordinates.

    Examples
    --------
    >>> round(decoder_distortion(0.5, 1, 1.0), 6)
    1.168939
    """
    mse = check_nonnegative(mse, "mse")
    s2 = check_positive(decoder_variance, "decoder_variance")
    return 0.5 * n_dims * (_LOG_2PI + float(np.log(s2))) + mse / (2.0 * s2)


# ----------------------------------------------------------------- linear Gaussian


@dataclass(frozen=True)
class LinearGaussianSolution:
    """Optimum of J = R + lam D + gamma C for the linear-Gaussian model.

    Attributes
    ----------
    R, D, C, F : float
        Rate, distortion, classification loss (nats) and F = R + lam D + gamma C.
    mse, label_mse : float
        E||x - W z||^2 and E||y - V z||^2.
    encoder : numpy.ndarray
        A (n, n): z = A x + xi with xi ~ N(0, I); rows of zeros are switched-off
        components.
    decoder : numpy.ndarray
        W (n, n), d(x|z) = N(W z, s^2 I).
    classifier : numpy.ndarray
        V (m, n), c(y|z) = N(V z, t^2 I).
    posterior_covariance : numpy.ndarray
        K = Cov(x | z).
    gains : numpy.ndarray
        Eigenvalues g_i of Sigma^(1/2) M Sigma^(1/2), ascending; component i is
        active when g_i > 1/2.
    lam, gamma : float
    """

    R: float
    D: float
    C: float
    F: float
    mse: float
    label_mse: float
    encoder: np.ndarray
    decoder: np.ndarray
    classifier: np.ndarray
    posterior_covariance: np.ndarray
    gains: np.ndarray
    lam: float
    gamma: float


def _model(cov_x: Any, label_weights: Any, label_noise: Any, decoder_variance: float,
           classifier_variance: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    cov = _as_covariance(cov_x, "cov_x")
    n = cov.shape[0]
    if label_weights is None:
        B = np.zeros((0, n))
    else:
        B = np.atleast_2d(_as_float_array(label_weights, "label_weights"))
        if B.ndim != 2 or B.shape[1] != n or not np.all(np.isfinite(B)):
            raise ValueError(f"label_weights must be a finite (m, {n}) matrix (got shape {B.shape})")
    m = B.shape[0]
    if label_noise is None:
        noise = np.zeros((m, m))
    else:
        noise = _as_covariance(label_noise, "label_noise", allow_singular=True)
        if noise.shape != (m, m):
            raise ValueError(f"label_noise must be ({m}, {m}) (got {noise.shape})")
    s2 = check_positive(decoder_variance, "decoder_variance")
    t2 = check_positive(classifier_variance, "classifier_variance")
    return cov, B, noise, s2, t2


def _losses(K: np.ndarray, cov: np.ndarray, B: np.ndarray, noise: np.ndarray, s2: float,
            t2: float, lam: float, gamma: float) -> tuple[float, float, float, float, float]:
    n, m = cov.shape[0], B.shape[0]
    R = 0.5 * (np.linalg.slogdet(cov)[1] - np.linalg.slogdet(K)[1])
    mse = float(np.trace(K))
    label_mse = float(np.trace(B @ K @ B.T) + np.trace(noise))
    D = 0.5 * n * (_LOG_2PI + np.log(s2)) + mse / (2.0 * s2)
    C = 0.5 * m * (_LOG_2PI + np.log(t2)) + label_mse / (2.0 * t2)
    return float(R), float(D), float(C), mse, label_mse


def linear_gaussian(cov_x: Any, lam: float, gamma: float = 0.0, *, label_weights: Any = None,
                    label_noise: Any = None, decoder_variance: float = 1.0,
                    classifier_variance: float = 1.0) -> LinearGaussianSolution:
    """Closed-form minimum of J = R + lam D + gamma C for the linear-Gaussian model.

    Parameters
    ----------
    cov_x : array_like (n, n)
        Covariance of x ~ N(0, Sigma), positive definite.
    lam, gamma : float
        Multipliers of the distortion and the classification loss, >= 0.
    label_weights : array_like (m, n), optional
        B in y = B x + eps. Without it there is no label (m = 0, C = 0).
    label_noise : array_like (m, m), optional
        Covariance of eps (positive semi-definite); zero by default.
    decoder_variance, classifier_variance : float
        The fixed variances s^2 and t^2 of the Gaussian decoder and classifier.

    Returns
    -------
    LinearGaussianSolution

    Examples
    --------
    >>> sol = linear_gaussian([[2.0]], lam=1.0)
    >>> round(sol.R, 6), round(sol.mse, 6)   # scalar source: MSE = s^2 / lam
    (0.346574, 1.0)
    """
    lam = check_nonnegative(lam, "lam")
    gamma = check_nonnegative(gamma, "gamma")
    cov, B, noise, s2, t2 = _model(cov_x, label_weights, label_noise, decoder_variance,
                                   classifier_variance)
    n = cov.shape[0]
    S, S_inv = _sqrtm(cov)
    M = lam / (2.0 * s2) * np.eye(n) + gamma / (2.0 * t2) * (B.T @ B)
    g, U = np.linalg.eigh(S @ M @ S)
    g = np.maximum(g, 0.0)
    k = _k_of_g(g)[0]
    K = S @ (U * k) @ U.T @ S
    K = 0.5 * (K + K.T)
    R, D, C, mse, label_mse = _losses(K, cov, B, noise, s2, t2, lam, gamma)
    F = R + lam * D + gamma * C
    A = (np.sqrt(np.maximum(0.0, 2.0 * g - 1.0))[:, None] * U.T) @ S_inv
    cov_z = A @ cov @ A.T + np.eye(n)
    W = np.linalg.solve(cov_z, A @ cov).T
    return LinearGaussianSolution(R=R, D=D, C=C, F=float(F), mse=mse, label_mse=label_mse,
                                  encoder=A, decoder=W, classifier=B @ W, posterior_covariance=K,
                                  gains=g, lam=lam, gamma=gamma)


def linear_gaussian_objective(cov_x: Any, encoder: Any, lam: float, gamma: float = 0.0, *,
                              encoder_noise: Any = None, decoder: Any = None, classifier: Any = None,
                              label_weights: Any = None, label_noise: Any = None,
                              decoder_variance: float = 1.0, classifier_variance: float = 1.0
                              ) -> dict[str, float]:
    """R, D, C and J of an arbitrary linear encoder z = A x + xi, xi ~ N(0, encoder_noise).

    The prior is the marginal of z. The decoder W and classifier V default to the
    best linear ones for this encoder (E[x|z], B E[x|z]); passing them evaluates J for
    those instead, so that J(any A, W, V) >= F(lam, gamma).

    Returns
    -------
    dict with keys ``R``, ``D``, ``C``, ``J``, ``mse``, ``label_mse``.
    """
    lam = check_nonnegative(lam, "lam")
    gamma = check_nonnegative(gamma, "gamma")
    cov, B, noise, s2, t2 = _model(cov_x, label_weights, label_noise, decoder_variance,
                                   classifier_variance)
    n, m = cov.shape[0], B.shape[0]
    A = np.atleast_2d(_as_float_array(encoder, "encoder"))
    if A.ndim != 2 or A.shape[1] != n:
        raise ValueError(f"encoder must be a (k, {n}) matrix (got shape {A.shape})")
    k = A.shape[0]
    noise_z = np.eye(k) if encoder_noise is None else _as_covariance(encoder_noise, "encoder_noise")
    cov_z = A @ cov @ A.T + noise_z
    cov_xz = cov @ A.T
    R = 0.5 * (np.linalg.slogdet(cov_z)[1] - np.linalg.slogdet(noise_z)[1])
    W_opt = np.linalg.solve(cov_z, cov_xz.T).T
    W = W_opt if decoder is None else _as_float_array(decoder, "decoder")
    V = B @ W_opt if classifier is None else _as_float_array(classifier, "classifier")
    # E||x - W z||^2 = tr(Sigma - W Sigma_zx - Sigma_xz W^T + W Sigma_z W^T)
    mse = float(np.trace(cov - 2.0 * W @ cov_xz.T + W @ cov_z @ W.T))
    cov_yz = B @ cov_xz
    cov_y = B @ cov @ B.T + noise
    label_mse = float(np.trace(cov_y - 2.0 * V @ cov_yz.T + V @ cov_z @ V.T)) if m else 0.0
    D = 0.5 * n * (_LOG_2PI + np.log(s2)) + mse / (2.0 * s2)
    C = 0.5 * m * (_LOG_2PI + np.log(t2)) + label_mse / (2.0 * t2)
    R = float(R)
    return {"R": R, "D": float(D), "C": float(C), "J": float(R + lam * D + gamma * C),
            "mse": mse, "label_mse": label_mse}


def _k_of_g(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """k(g) = min(1, 1/(2g)) and its derivative."""
    active = g > 0.5
    safe = np.where(active, g, 1.0)
    return np.where(active, 0.5 / safe, 1.0), np.where(active, -0.5 / safe**2, 0.0)


def linear_gaussian_differential(cov_x: Any, lam: float, gamma: float = 0.0, *,
                                 d_cov_x: Any = None, d_lam: float = 0.0, d_gamma: float = 0.0,
                                 label_weights: Any = None, d_label_weights: Any = None,
                                 label_noise: Any = None, d_label_noise: Any = None,
                                 decoder_variance: float = 1.0, classifier_variance: float = 1.0
                                 ) -> dict[str, float]:
    """Exact directional derivatives dR, dD, dC, dF of the optimum of :func:`linear_gaussian`.

    The direction is (d_cov_x, d_lam, d_gamma, d_label_weights, d_label_noise), each
    zero unless given. With K = S k(G) S, S = Sigma^(1/2), G = S M S:

        S dS + dS S = dSigma                       (a Sylvester equation),
        dk(G)[E] = U (L o U^T E U) U^T,  L_ij = (k(g_i) - k(g_j)) / (g_i - g_j)
                                           (Daleckii-Krein; k'(g_i) on the diagonal),
        dR = 1/2 tr(Sigma^-1 dSigma) - 1/2 tr(K^-1 dK),  dD = tr dK / (2 s^2),
        dC = (2 tr(dB K B^T) + tr(B dK B^T) + tr dSigma_eps) / (2 t^2),

    and dF = dR + lam dD + gamma dC + D dlam + C dgamma. Undefined exactly at a
    threshold g_i = 1/2 (the kink of k), where the one-sided limits differ.

    Examples
    --------
    >>> d = linear_gaussian_differential([[2.0]], 1.0, d_lam=1.0)   # MSE = s^2 / lam
    >>> round(d["dD"], 6)
    -0.5
    """
    sol = linear_gaussian(cov_x, lam, gamma, label_weights=label_weights, label_noise=label_noise,
                          decoder_variance=decoder_variance, classifier_variance=classifier_variance)
    cov, B, _noise, s2, t2 = _model(cov_x, label_weights, label_noise, decoder_variance,
                                    classifier_variance)
    n, m = cov.shape[0], B.shape[0]
    dcov = np.zeros((n, n)) if d_cov_x is None else np.atleast_2d(_as_float_array(d_cov_x, "d_cov_x"))
    dB = np.zeros_like(B) if d_label_weights is None else np.atleast_2d(
        _as_float_array(d_label_weights, "d_label_weights"))
    dnoise = np.zeros((m, m)) if d_label_noise is None else np.atleast_2d(
        _as_float_array(d_label_noise, "d_label_noise"))
    if dcov.shape != (n, n) or dB.shape != B.shape or dnoise.shape != (m, m):
        raise ValueError("the direction must have the shapes of cov_x, label_weights and label_noise")
    d_lam, d_gamma = float(d_lam), float(d_gamma)
    w, Q = np.linalg.eigh(cov)
    rw = np.sqrt(w)
    S = (Q * rw) @ Q.T
    dS = Q @ ((Q.T @ dcov @ Q) / (rw[:, None] + rw[None, :])) @ Q.T
    M = lam / (2.0 * s2) * np.eye(n) + gamma / (2.0 * t2) * (B.T @ B)
    dM = (d_lam / (2.0 * s2) * np.eye(n) + d_gamma / (2.0 * t2) * (B.T @ B)
          + gamma / (2.0 * t2) * (dB.T @ B + B.T @ dB))
    g, U = np.linalg.eigh(S @ M @ S)
    k, dk = _k_of_g(g)
    dG = dS @ M @ S + S @ dM @ S + S @ M @ dS
    gap = g[:, None] - g[None, :]
    same = np.abs(gap) <= 1e-12 * max(1.0, float(np.abs(g).max()))
    L = np.where(same, 0.5 * (dk[:, None] + dk[None, :]),
                 (k[:, None] - k[None, :]) / np.where(same, 1.0, gap))
    kG = (U * k) @ U.T
    dkG = U @ (L * (U.T @ dG @ U)) @ U.T
    K = sol.posterior_covariance
    dK = dS @ kG @ S + S @ kG @ dS + S @ dkG @ S
    dR = 0.5 * np.trace(np.linalg.solve(cov, dcov)) - 0.5 * np.trace(np.linalg.solve(K, dK))
    dD = np.trace(dK) / (2.0 * s2)
    dC = (2.0 * np.trace(dB @ K @ B.T) + np.trace(B @ dK @ B.T) + np.trace(dnoise)) / (2.0 * t2)
    dF = dR + lam * dD + gamma * dC + sol.D * d_lam + sol.C * d_gamma
    return {"dR": float(dR), "dD": float(dD), "dC": float(dC), "dF": float(dF)}


# ------------------------------------------------------------- information bottleneck


@dataclass(frozen=True)
class GaussianIB:
    """The Gaussian information bottleneck at one or several beta.

    Attributes
    ----------
    beta : numpy.ndarray
    I_x, I_y : numpy.ndarray
        I(x;z) and I(y;z) (nats) at each beta.
    lagrangian : numpy.ndarray
        min I(x;z) - beta I(y;z).
    eigenvalues : numpy.ndarray
        l_i of Sigma_{x|y} Sigma_x^{-1}, ascending.
    critical_betas : numpy.ndarray
        1 / (1 - l_i) (inf where l_i = 1).
    eigenvectors : numpy.ndarray
        Columns v_i with v_i^T Sigma_x v_i = 1.
    """

    beta: np.ndarray
    I_x: np.ndarray
    I_y: np.ndarray
    lagrangian: np.ndarray
    eigenvalues: np.ndarray
    critical_betas: np.ndarray
    eigenvectors: np.ndarray

    def encoder(self, beta: float) -> np.ndarray:
        """The optimal projection A = diag(alpha_i) V^T at ``beta`` (noise N(0, I))."""
        beta = check_nonnegative(beta, "beta")
        lv = self.eigenvalues
        with np.errstate(divide="ignore", invalid="ignore"):
            a2 = np.where(lv > 0, (beta * (1.0 - lv) - 1.0) / lv, np.inf)
        if np.any(np.isinf(a2) & (beta * (1.0 - lv) > 1.0)):
            raise ValueError("a noiseless direction (eigenvalue 0) makes I(x;z) unbounded")
        return np.sqrt(np.maximum(a2, 0.0))[:, None] * self.eigenvectors.T


def gaussian_information_bottleneck(cov_x: Any, cov_xy: Any, cov_y: Any, beta: Any) -> GaussianIB:
    """The Gaussian IB curve of Chechik et al. (2005) at the multipliers ``beta``.

    Parameters
    ----------
    cov_x, cov_xy, cov_y : array_like
        Blocks of the joint covariance of (x, y): (n, n), (n, m), (m, m).
    beta : float or array_like
        Multipliers of I(y;z), >= 0.

    Examples
    --------
    >>> ib = gaussian_information_bottleneck([[1.0]], [[0.8]], [[1.0]], [1.0, 4.0])
    >>> round(float(ib.critical_betas[0]), 6), [round(float(v), 6) for v in ib.I_x]
    (1.5625, [0.0, 0.836988])
    """
    cx = _as_covariance(cov_x, "cov_x")
    cy = _as_covariance(cov_y, "cov_y")
    cxy = np.atleast_2d(_as_float_array(cov_xy, "cov_xy"))
    if cxy.shape != (cx.shape[0], cy.shape[0]):
        raise ValueError(f"cov_xy must have shape {(cx.shape[0], cy.shape[0])} (got {cxy.shape})")
    _as_covariance(np.block([[cx, cxy], [cxy.T, cy]]), "cov_xy: the joint covariance of (x, y)",
                   allow_singular=True)
    betas = np.atleast_1d(_as_float_array(beta, "beta"))
    if not np.all(np.isfinite(betas)) or np.any(betas < 0):
        raise ValueError("beta must be finite and >= 0")
    cond = cx - cxy @ np.linalg.solve(cy, cxy.T)
    cond = 0.5 * (cond + cond.T)
    lv, V = scipy.linalg.eigh(cond, cx)
    lv = np.clip(lv, 0.0, 1.0)
    with np.errstate(divide="ignore"):
        crit = 1.0 / (1.0 - lv)
    b = betas[:, None]
    active = b > crit[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ix = np.where(active, 0.5 * np.log((b - 1.0) * (1.0 - lv) / lv), 0.0)
        iy_gap = np.where(active, 0.5 * np.log(b * (1.0 - lv)), 0.0)
    I_x = ix.sum(axis=1)
    I_y = I_x - iy_gap.sum(axis=1)
    return GaussianIB(beta=betas, I_x=I_x, I_y=I_y, lagrangian=I_x - betas * I_y, eigenvalues=lv,
                      critical_betas=crit, eigenvectors=V)
