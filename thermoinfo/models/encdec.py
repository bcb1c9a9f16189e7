"""Encoder, prior, decoder and classifier networks trained on the learning free
energy J = R + lam D + gamma C + sigma S (JAX and optax).

With data (x, y), a stochastic encoder e(z|x) = N(z; mu(x), diag s(x)^2), a prior
q(z), a decoder d(x|z), a classifier c(y|z) and weights theta drawn from a
mean-field Gaussian posterior p(theta) = N(m, diag s_theta^2) against the prior
q(theta) = N(0, s_0^2 I) (Gao and Chaudhari, arXiv:2002.12406; Alemi and Fischer,
arXiv:1807.04162):

    R = E_x E_{z~e} [log e(z|x) - log q(z)]
    D = E_x E_{z~e} [-log d(x|z)]
    C = E_{x,y} E_{z~e} [-log c(y|z)]
    S = KL(p(theta) || q(theta))
      = sum_i [log(s_0 / s_i) + (s_i^2 + m_i^2) / (2 s_0^2) - 1/2]     (exact)
    J = R + lam D + gamma C + sigma S

Per minibatch J is estimated with one z ~ e(z|x) per example and one theta ~
p(theta) per step, both by the reparameterization trick (z = mu + s eps,
theta = m + s_theta eps'), and minimized by optax. A whole grid of (lam, gamma,
sigma) is trained at once: the per-point training states are stacked along a
leading axis and one jit-compiled step maps over them with ``jax.vmap``; every
point sees the same minibatches and noise draws (common random numbers), so differences between
grid points are differences of the multipliers. Up to 64 steps run in one compiled
call (a ``lax.while_loop`` over the device-resident data, with the minibatch indices
and the noise of those steps drawn ahead), for one point as for a grid. On JAX's CPU
backend the grid is cut into contiguous parts, one per available core, each run by
its own compiled program on its own thread (XLA executes the operations of one step
nearly one after another, so one program keeps about one core busy); every part
draws the same minibatches and noise, so a point's numbers do not depend on the
cut beyond float rounding.

R, D and C of a trained grid are measured on held-out data with
:func:`thermoinfo.freeenergy.functionals.monte_carlo` (mean and standard error
over data points, several (theta, z) draws per point averaged first).

Models are plain parameter pytrees and pure functions of them; :class:`Architecture`
holds the static configuration. Encoders: ``"mlp"``, ``"cnn"`` (one 3x3
convolution on ``image_shape`` images, then a dense layer) and ``"linear"``
(z = A x + b + s xi with a learned input-independent s). Priors: ``"standard"``
N(0, I), ``"gaussian"`` (learned diagonal), ``"mixture"`` (learned mixture of
diagonal Gaussians) and ``"vamp"``, the VampPrior (Tomczak and Welling,
arXiv:1705.07120): the encoder's own mixture at K learned pseudo-inputs u_k,

    q(z) = (1/K) sum_k e(z | u_k),

so that the rate R = E_x KL(e(z|x) || q(z)) compares each posterior with the
posteriors of the pseudo-inputs (with the K training points as pseudo-inputs, q is
the aggregate posterior and R is the mutual information I(x; z)). Decoders:
``"bernoulli"`` (binary data) and ``"gaussian"`` (fixed variance
``decoder_variance``). Classifier: softmax over ``n_classes``.

References: Y. Gao and P. Chaudhari, arXiv:2002.12406; A. A. Alemi and I. Fischer,
arXiv:1807.04162; D. P. Kingma and M. Welling, arXiv:1312.6114 (reparameterization);
C. Blundell et al., arXiv:1505.05424 (mean-field weights); J. M. Tomczak and
M. Welling, arXiv:1705.07120 (VampPrior).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from thermoinfo._attrs import variable_attrs
from thermoinfo._config import available_cores
from thermoinfo._errors import NonFiniteParameterError
from thermoinfo._validation import as_rng, check_positive, check_positive_int

__all__ = [
    "Architecture",
    "GridFit",
    "TrainState",
    "accuracy",
    "check_multipliers",
    "classifier_energy",
    "evaluate",
    "fit_grid",
    "init_posterior",
    "log_densities",
    "mlp",
    "mlp_init",
    "objective",
    "precision",
    "sample_weights",
    "validate_data",
    "weight_kl",
]

_ENCODERS = ("mlp", "cnn", "linear")
_PRIORS = ("standard", "gaussian", "mixture", "vamp")
_DECODERS = ("bernoulli", "gaussian")
_LOG_2PI = math.log(2.0 * math.pi)
_REFERENCES = ("Y. Gao and P. Chaudhari, arXiv:2002.12406; A. A. Alemi and I. Fischer, "
               "arXiv:1807.04162")


@dataclass(frozen=True)
class Architecture:
    """Static configuration of an encoder/decoder/classifier model.

    Parameters
    ----------
    n_features : int
        Dimension of x.
    n_latent : int
        Dimension of z.
    n_classes : int
        Number of classes of y (0: no classifier, C = 0).
    encoder : {"mlp", "cnn", "linear"}
    hidden : tuple of int
        Hidden widths of the MLP encoder (and the dense layer after the CNN's
        convolution).
    image_shape : (int, int), optional
        Height and width of the images (the CNN needs it; x is the flattened image).
    channels : int
        Feature maps of the CNN's convolution.
    prior : {"standard", "gaussian", "mixture", "vamp"}
    n_components : int
        Components of the mixture prior, or pseudo-inputs u_k of the VampPrior
        (initialized N(0, I) in x-space; pass ``init=`` to :func:`fit_grid` to start
        them at data points).
    decoder : {"bernoulli", "gaussian"}
    decoder_hidden : tuple of int
        Hidden widths of the decoder (empty: linear).
    decoder_variance : float
        s^2 of the Gaussian decoder d(x|z) = N(x; W(z), s^2 I).
    stochastic_weights : bool
        Mean-field Gaussian weights (S = KL(p(theta) || q(theta))); False trains
        point weights (then S is not defined and sigma must be 0).
    weight_prior_std : float
        s_0 of the weight prior q(theta) = N(0, s_0^2 I).
    initial_weight_std : float
        Initial s_theta of the weight posterior.
    """

    n_features: int
    n_latent: int = 2
    n_classes: int = 0
    encoder: str = "mlp"
    hidden: tuple[int, ...] = (64,)
    image_shape: tuple[int, int] | None = None
    channels: int = 8
    prior: str = "standard"
    n_components: int = 10
    decoder: str = "bernoulli"
    decoder_hidden: tuple[int, ...] = (64,)
    decoder_variance: float = 1.0
    stochastic_weights: bool = True
    weight_prior_std: float = 1.0
    initial_weight_std: float = 1e-3

    def __post_init__(self) -> None:
        check_positive_int(self.n_features, "n_features")
        check_positive_int(self.n_latent, "n_latent")
        check_positive_int(self.n_classes, "n_classes", minimum=0)
        for name, value, allowed in (("encoder", self.encoder, _ENCODERS), ("prior", self.prior, _PRIORS),
                                     ("decoder", self.decoder, _DECODERS)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed} (got {value!r})")
        for name in ("hidden", "decoder_hidden"):
            widths = getattr(self, name)
            if not isinstance(widths, tuple) or not all(isinstance(w, int) and w > 0 for w in widths):
                raise ValueError(f"{name} must be a tuple of positive ints (got {widths!r})")
        if self.encoder == "cnn":
            shape = self.image_shape
            if (not isinstance(shape, tuple) or len(shape) != 2
                    or not all(isinstance(s, int) and s > 0 for s in shape)):
                raise ValueError(f"image_shape must be (height, width) for the CNN encoder (got {shape!r})")
            if shape[0] * shape[1] != self.n_features:
                raise ValueError(f"image_shape {shape} has {shape[0] * shape[1]} pixels; "
                                 f"n_features is {self.n_features}")
            check_positive_int(self.channels, "channels")
        check_positive_int(self.n_components, "n_components")
        check_positive(self.decoder_variance, "decoder_variance")
        check_positive(self.weight_prior_std, "weight_prior_std")
        check_positive(self.initial_weight_std, "initial_weight_std")


class TrainState(NamedTuple):
    """The state of one training run (or of a grid, stacked along axis 0).

    ``posterior`` is ``{"mean": params, "log_std": params}`` (``log_std`` absent
    for point weights), ``opt_state`` optax's state, ``key`` a JAX key, ``step``
    the number of completed steps.
    """

    posterior: Any
    opt_state: Any
    key: Any
    step: Any


# ----------------------------------------------------------------------------- validation


def check_multipliers(value: Any, name: str) -> np.ndarray:
    """``value`` as a 1-D float array of finite values >= 0, else a ValueError naming ``name``.

    Examples
    --------
    >>> check_multipliers([0.5, 1.0], "lam").tolist()
    [0.5, 1.0]
    """
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number or a 1-D sequence of numbers (got {value!r})") from exc
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a number or a non-empty 1-D sequence (got shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (got {arr.tolist()})")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 (got {arr.tolist()})")
    return arr


def validate_data(arch: Architecture, x: Any, y: Any = None, *, x_name: str = "x",
                  y_name: str = "y") -> tuple[np.ndarray, np.ndarray | None]:
    """Check data against an architecture: ``x`` (n, n_features) finite (images may
    be given as (n, height, width) for a CNN); ``y`` integer labels in
    [0, n_classes), one per row of ``x``; binary x for a Bernoulli decoder.

    Examples
    --------
    >>> arch = Architecture(n_features=2, n_classes=2)
    >>> x, y = validate_data(arch, [[0, 1], [1, 1]], [0, 1])
    >>> x.shape, y.tolist()
    ((2, 2), [0, 1])
    """
    try:
        xa = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{x_name} must be a numeric array (got {type(x).__name__})") from exc
    if arch.image_shape is not None and xa.ndim == 3:
        if xa.shape[1:] != arch.image_shape:
            raise ValueError(f"{x_name} must hold images of shape {arch.image_shape} (got {xa.shape[1:]})")
        xa = xa.reshape(xa.shape[0], -1)
    if xa.ndim != 2 or xa.shape[1] != arch.n_features:
        expected = f"(n, {arch.n_features})"
        if arch.image_shape is not None:
            expected += f" or (n, {arch.image_shape[0]}, {arch.image_shape[1]})"
        raise ValueError(f"{x_name} must have shape {expected} (got {xa.shape})")
    if xa.shape[0] < 2:
        raise ValueError(f"{x_name} needs at least 2 rows (got {xa.shape[0]})")
    if not np.all(np.isfinite(xa)):
        raise ValueError(f"{x_name} has NaN or infinite entries")
    if arch.decoder == "bernoulli" and not np.all((xa == 0) | (xa == 1)):
        raise ValueError(f"{x_name} must be binary (0/1) for the Bernoulli decoder; binarize it or use "
                         "decoder='gaussian'")
    if arch.n_classes == 0:
        if y is not None:
            raise ValueError(f"{y_name} was given but the architecture has n_classes = 0")
        return xa, None
    if y is None:
        raise ValueError(f"{y_name} is required: the architecture has a classifier "
                         f"(n_classes = {arch.n_classes})")
    ya = np.asarray(y)
    if ya.ndim != 1:
        raise ValueError(f"{y_name} must be 1-D, one label per row (got shape {ya.shape})")
    if ya.shape[0] != xa.shape[0]:
        raise ValueError(f"{y_name} has {ya.shape[0]} labels but {x_name} has {xa.shape[0]} rows")
    if ya.dtype.kind == "f":
        if not np.all(np.isfinite(ya)) or np.any(ya != np.round(ya)):
            raise ValueError(f"{y_name} must hold integer class labels")
    elif ya.dtype.kind not in "iu":
        raise TypeError(f"{y_name} must hold integer class labels (got dtype {ya.dtype})")
    ya = ya.astype(np.int64)
    if ya.size and (ya.min() < 0 or ya.max() >= arch.n_classes):
        raise ValueError(f"{y_name} must be in [0, {arch.n_classes}) (got labels from {ya.min()} "
                         f"to {ya.max()})")
    return xa, ya


# ----------------------------------------------------------------------------- networks


def _dense_init(key: Any, n_in: int, n_out: int, dtype: Any) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    w = jax.random.normal(key, (n_in, n_out), dtype) * jnp.sqrt(1.0 / n_in).astype(dtype)
    return {"w": w, "b": jnp.zeros((n_out,), dtype)}


def mlp_init(key: Any, widths: list[int], dtype: Any) -> list[dict[str, Any]]:
    """Parameters of a multilayer perceptron with layer widths ``widths`` (input
    first): a list of ``{"w": (n_in, n_out), "b": (n_out,)}`` dicts, the weights
    normal with variance 1 / n_in, the biases zero (the networks of :func:`mlp`).

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> layers = mlp_init(jax.random.PRNGKey(0), [4, 3, 2], jnp.float32)
    >>> [layer["w"].shape for layer in layers]
    [(4, 3), (3, 2)]
    """
    import jax

    keys = jax.random.split(key, max(len(widths) - 1, 1))
    return [_dense_init(k, a, b, dtype) for k, a, b in zip(keys, widths[:-1], widths[1:])]


@functools.cache
def _elu_function() -> Any:
    """ELU, elu(h) = h for h > 0 and exp(h) - 1 otherwise (``jax.nn.elu``), with its
    derivative taken from its value, 1 for h > 0 and elu(h) + 1 = exp(h) otherwise
    (exact to one rounding of 1): one exponential per element where differentiating
    expm1 evaluates a second."""
    import jax
    import jax.numpy as jnp

    @jax.custom_jvp
    def elu(h: Any) -> Any:
        return jax.nn.elu(h)

    @elu.defjvp
    def elu_jvp(primals: tuple[Any], tangents: tuple[Any]) -> tuple[Any, Any]:
        (h,), (t,) = primals, tangents
        out = jax.nn.elu(h)
        return out, jnp.where(h > 0, 1.0, out + 1.0) * t

    return elu


def _elu(h: Any) -> Any:
    return _elu_function()(h)


def mlp(layers: list[dict[str, Any]], h: Any) -> Any:
    """The perceptron of :func:`mlp_init` on the rows of ``h``: affine layers with
    ELUs between them and none after the last.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> layers = mlp_init(jax.random.PRNGKey(0), [4, 3, 2], jnp.float32)
    >>> mlp(layers, jnp.ones((5, 4))).shape
    (5, 2)
    """
    for i, layer in enumerate(layers):
        h = h @ layer["w"] + layer["b"]
        if i < len(layers) - 1:
            h = _elu(h)
    return h


def _init_params(key: Any, arch: Architecture, dtype: Any) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    k_enc, k_conv, k_prior, k_dec, k_cls = jax.random.split(key, 5)
    n, k = arch.n_features, arch.n_latent
    params: dict[str, Any] = {}
    if arch.encoder == "linear":
        params["encoder"] = {**_dense_init(k_enc, n, k, dtype), "log_std": jnp.zeros((k,), dtype)}
    elif arch.encoder == "mlp":
        params["encoder"] = mlp_init(k_enc, [n, *arch.hidden, 2 * k], dtype)
    else:
        h, w = arch.image_shape
        conv = jax.random.normal(k_conv, (arch.channels, 1, 3, 3), dtype) / 3.0
        params["encoder"] = {"conv": conv, "conv_b": jnp.zeros((arch.channels,), dtype),
                             "dense": mlp_init(k_enc, [arch.channels * h * w, *arch.hidden, 2 * k],
                                                dtype)}
    if arch.prior == "gaussian":
        params["prior"] = {"mean": jnp.zeros((k,), dtype), "log_std": jnp.zeros((k,), dtype)}
    elif arch.prior == "mixture":
        m = arch.n_components
        params["prior"] = {"logits": jnp.zeros((m,), dtype),
                           "mean": jax.random.normal(k_prior, (m, k), dtype),
                           "log_std": jnp.zeros((m, k), dtype)}
    elif arch.prior == "vamp":
        params["prior"] = {"pseudo_inputs": jax.random.normal(k_prior, (arch.n_components, n), dtype)}
    params["decoder"] = mlp_init(k_dec, [k, *arch.decoder_hidden, n], dtype)
    if arch.n_classes:
        params["classifier"] = _dense_init(k_cls, k, arch.n_classes, dtype)
    return params


def init_posterior(key: Any, arch: Architecture, dtype: Any = None) -> dict[str, Any]:
    """Initial weight posterior ``{"mean": params, "log_std": params}`` (pure).

    Examples
    --------
    >>> import jax
    >>> post = init_posterior(jax.random.key(0), Architecture(n_features=4, n_latent=2))
    >>> sorted(post), sorted(post["mean"])
    (['log_std', 'mean'], ['decoder', 'encoder'])
    """
    import jax
    import jax.numpy as jnp

    dtype = jnp.zeros(()).dtype if dtype is None else dtype
    mean = _init_params(key, arch, dtype)
    if not arch.stochastic_weights:
        return {"mean": mean}
    log_s = math.log(arch.initial_weight_std)
    return {"mean": mean, "log_std": jax.tree_util.tree_map(lambda a: jnp.full_like(a, log_s), mean)}


def sample_weights(posterior: Any, key: Any) -> Any:
    """theta = m + s_theta eps, eps ~ N(0, I) (the reparameterization trick); the
    means for point weights."""
    if "log_std" not in posterior:
        return posterior["mean"]
    return _perturb_weights(posterior, _weight_noise(posterior["mean"], key))


def _weight_noise(mean: Any, key: Any) -> Any:
    """eps ~ N(0, I) shaped like the weight means: one key per leaf."""
    import jax

    leaves, treedef = jax.tree_util.tree_flatten(mean)
    keys = jax.random.split(key, len(leaves))
    return jax.tree_util.tree_unflatten(
        treedef, [jax.random.normal(k, m.shape, m.dtype) for m, k in zip(leaves, keys)])


def _perturb_weights(posterior: Any, eps: Any) -> Any:
    """theta = m + s_theta eps for given noise eps (the means for point weights)."""
    import jax

    if "log_std" not in posterior:
        return posterior["mean"]
    return jax.tree_util.tree_map(lambda m, ls, e: m + jax.numpy.exp(ls) * e, posterior["mean"],
                                  posterior["log_std"], eps)


def weight_kl(posterior: Any, prior_std: float) -> Any:
    """S = KL(N(m, diag s^2) || N(0, s_0^2 I)), exact; 0 for point weights.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> post = {"mean": {"w": jnp.array([1.0])}, "log_std": {"w": jnp.array([0.0])}}
    >>> float(weight_kl(post, 1.0))   # KL(N(1, 1) || N(0, 1)) = 1/2
    0.5
    """
    import jax
    import jax.numpy as jnp

    if "log_std" not in posterior:
        return jnp.zeros(())
    s0 = prior_std
    terms = jax.tree_util.tree_map(
        lambda m, ls: jnp.sum(jnp.log(s0) - ls + (jnp.exp(2 * ls) + m ** 2) / (2 * s0 ** 2) - 0.5),
        posterior["mean"], posterior["log_std"])
    return sum(jax.tree_util.tree_leaves(terms))


def _encode(params: Any, arch: Architecture, x: Any) -> tuple[Any, Any]:
    import jax
    import jax.numpy as jnp

    enc = params["encoder"]
    k = arch.n_latent
    if arch.encoder == "linear":
        mu = x @ enc["w"] + enc["b"]
        return mu, jnp.broadcast_to(enc["log_std"], mu.shape)
    if arch.encoder == "mlp":
        out = mlp(enc, x)
    else:
        h, w = arch.image_shape
        img = x.reshape(x.shape[0], 1, h, w)
        conv = jax.lax.conv_general_dilated(img, enc["conv"], (1, 1), "SAME")
        conv = _elu(conv + enc["conv_b"][None, :, None, None])
        out = mlp(enc["dense"], conv.reshape(x.shape[0], -1))
    return out[:, :k], jnp.clip(out[:, k:], -10.0, 5.0)


def _log_normal(z: Any, mean: Any, log_std: Any) -> Any:
    import jax.numpy as jnp

    return jnp.sum(-0.5 * ((z - mean) / jnp.exp(log_std)) ** 2 - log_std - 0.5 * _LOG_2PI, axis=-1)


def _log_prior(params: Any, arch: Architecture, z: Any) -> Any:
    import jax
    import jax.numpy as jnp

    if arch.prior == "standard":
        return _log_normal(z, 0.0, jnp.zeros(()))
    p = params["prior"]
    if arch.prior == "gaussian":
        return _log_normal(z, p["mean"], p["log_std"])
    if arch.prior == "vamp":
        # q(z) = (1/K) sum_k e(z|u_k): the encoder at the pseudo-inputs
        mean, log_std = _encode(params, arch, p["pseudo_inputs"])
        comp = _log_normal(z[:, None, :], mean[None], log_std[None])
        return jax.nn.logsumexp(comp, axis=1) - math.log(mean.shape[0])
    comp = _log_normal(z[:, None, :], p["mean"][None], p["log_std"][None])
    return jax.nn.logsumexp(comp + jax.nn.log_softmax(p["logits"])[None], axis=1)


def _log_decoder(params: Any, arch: Architecture, x: Any, z: Any) -> Any:
    import jax.numpy as jnp

    out = mlp(params["decoder"], z)
    if arch.decoder == "bernoulli":
        # x log sigmoid(o) + (1 - x) log sigmoid(-o) = x o - softplus(o), with the stable
        # softplus(o) = max(o, 0) + log1p(exp(-|o|)) (faster on CPU than logaddexp(o, 0))
        softplus = jnp.maximum(out, 0) + jnp.log1p(jnp.exp(-jnp.abs(out)))
        return jnp.sum(x * out - softplus, axis=-1)
    s2 = arch.decoder_variance
    return jnp.sum(-0.5 * (x - out) ** 2 / s2 - 0.5 * (_LOG_2PI + math.log(s2)), axis=-1)


def _log_classifier(params: Any, arch: Architecture, y: Any, z: Any) -> Any:
    import jax
    import jax.numpy as jnp

    logits = z @ params["classifier"]["w"] + params["classifier"]["b"]
    logp = jax.nn.log_softmax(logits, axis=-1)
    return jnp.take_along_axis(logp, y[:, None], axis=-1)[:, 0]


def log_densities(params: Any, arch: Architecture, x: Any, y: Any, key: Any) -> dict[str, Any]:
    """Per-example log e(z|x), log q(z), log d(x|z), log c(y|z) at one
    z = mu(x) + s(x) eps (pure; ``y`` is ignored without a classifier).

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> arch = Architecture(n_features=3, n_latent=2, hidden=(4,), decoder_hidden=())
    >>> params = init_posterior(jax.random.key(0), arch)["mean"]
    >>> out = log_densities(params, arch, jnp.ones((5, 3)), None, jax.random.key(1))
    >>> sorted(out), out["log_decoder"].shape
    (['log_classifier', 'log_decoder', 'log_encoder', 'log_prior'], (5,))
    """
    import jax

    mu, log_std = _encode(params, arch, x)
    return _log_densities_at(params, arch, x, y, mu, log_std, jax.random.normal(key, mu.shape, mu.dtype))


def _log_densities_at(params: Any, arch: Architecture, x: Any, y: Any, mu: Any, log_std: Any,
                      eps: Any) -> dict[str, Any]:
    """:func:`log_densities` at z = mu + s eps for given encoder outputs and noise eps."""
    import jax.numpy as jnp

    z = mu + jnp.exp(log_std) * eps
    out = {"log_encoder": _log_normal(z, mu, log_std), "log_prior": _log_prior(params, arch, z),
           "log_decoder": _log_decoder(params, arch, x, z)}
    out["log_classifier"] = (_log_classifier(params, arch, y, z) if arch.n_classes
                             else jnp.zeros(x.shape[0], mu.dtype))
    return out


def objective(posterior: Any, arch: Architecture, x: Any, y: Any, key: Any, lam: Any, gamma: Any,
              sigma: Any) -> tuple[Any, dict[str, Any]]:
    """Minibatch estimate of J = R + lam D + gamma C + sigma S and its terms (pure).

    One theta ~ p(theta) for the batch and one z ~ e(z|x) per example.
    """
    weight_eps, z_eps = _step_noise(key, posterior, arch, x.shape[0])
    return _objective_at(posterior, arch, x, y, weight_eps, z_eps, lam, gamma, sigma)


def _step_noise(key: Any, posterior: Any, arch: Architecture, batch_size: int) -> tuple[Any, Any]:
    """The noise of one step of :func:`objective`: eps' for theta = m + s_theta eps'
    (None for point weights) and eps for z = mu + s eps, drawn from ``key`` exactly
    as :func:`sample_weights` and :func:`log_densities` draw them."""
    import jax

    k_w, k_z = jax.random.split(key)
    mean = posterior["mean"]
    weight_eps = _weight_noise(mean, k_w) if "log_std" in posterior else None
    dtype = jax.tree_util.tree_leaves(mean)[0].dtype
    return weight_eps, jax.random.normal(k_z, (batch_size, arch.n_latent), dtype)


def _objective_at(posterior: Any, arch: Architecture, x: Any, y: Any, weight_eps: Any, z_eps: Any,
                  lam: Any, gamma: Any, sigma: Any) -> tuple[Any, dict[str, Any]]:
    """:func:`objective` at given noise (see :func:`_step_noise`)."""
    params = _perturb_weights(posterior, weight_eps)
    mu, log_std = _encode(params, arch, x)
    ld = _log_densities_at(params, arch, x, y, mu, log_std, z_eps)
    R = (ld["log_encoder"] - ld["log_prior"]).mean()
    D = -ld["log_decoder"].mean()
    C = -ld["log_classifier"].mean()
    S = weight_kl(posterior, arch.weight_prior_std)
    J = R + lam * D + gamma * C + sigma * S
    return J, {"R": R, "D": D, "C": C, "S": S}


# ----------------------------------------------------------------------------- training


@contextlib.contextmanager
def precision(dtype: str) -> Iterator[Any]:
    """Context in which JAX computes in ``dtype`` ("float32" or "float64");
    yields the JAX dtype."""
    import jax
    import jax.numpy as jnp

    if dtype == "float32":
        yield jnp.float32
    elif dtype == "float64":
        with jax.enable_x64(True):
            yield jnp.float64
    else:
        raise ValueError(f"dtype must be 'float32' or 'float64' (got {dtype!r})")


@dataclass
class GridFit:
    """A trained grid of models.

    Attributes
    ----------
    arch : Architecture
    lam, gamma, sigma : ndarray
        The coordinates of the product grid (dims ``lam``, ``gamma``, ``sigma``).
    state : TrainState
        Stacked over the flattened grid (leading axis lam x gamma x sigma, C order).
    dtype : str
    history : dict of ndarray
        Minibatch J, R, D, C, S per step and grid point, shape (n_steps, n_points),
        recorded every ``record_every`` steps.
    """

    arch: Architecture
    lam: np.ndarray
    gamma: np.ndarray
    sigma: np.ndarray
    state: TrainState
    dtype: str = "float32"
    history: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.lam.size, self.gamma.size, self.sigma.size)

    def point(self, index: int) -> Any:
        """The weight posterior of flattened grid point ``index``."""
        import jax

        return jax.tree_util.tree_map(lambda a: a[index], self.state.posterior)


def _grid(lam: Any, gamma: Any, sigma: Any, arch: Architecture) -> tuple[np.ndarray, ...]:
    lam = check_multipliers(lam, "lam")
    gamma = check_multipliers(gamma, "gamma")
    sigma = check_multipliers(sigma, "sigma")
    if not arch.stochastic_weights and np.any(sigma != 0):
        raise ValueError("sigma must be 0 for point weights (stochastic_weights=False): S is not defined")
    L, G, S = np.meshgrid(lam, gamma, sigma, indexing="ij")
    return lam, gamma, sigma, L.ravel(), G.ravel(), S.ravel()


def _fingerprint(arch: Architecture, flat: tuple[np.ndarray, ...], n_data: int, batch_size: int,
                 learning_rate: float, dtype: str) -> str:
    text = repr((arch, [f.tolist() for f in flat], n_data, batch_size, learning_rate, dtype))
    return hashlib.sha256(text.encode()).hexdigest()


def _save_checkpoint(path: Path, state: TrainState, fingerprint: str) -> None:
    import jax

    leaves = jax.tree_util.tree_leaves((state.posterior, state.opt_state))
    arrays = {f"leaf_{i:05d}": np.asarray(a) for i, a in enumerate(leaves)}
    arrays["key"] = np.asarray(jax.random.key_data(state.key))
    arrays["step"] = np.asarray(int(state.step))
    arrays["fingerprint"] = np.asarray(fingerprint)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    os.replace(tmp, path)


def _load_checkpoint(path: Path, template: TrainState, fingerprint: str) -> TrainState:
    import jax
    import jax.numpy as jnp

    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except Exception as exc:  # a truncated or foreign file
        raise ValueError(f"checkpoint {path} is not a readable thermoinfo checkpoint ({exc})") from exc
    if "fingerprint" not in arrays or "step" not in arrays or "key" not in arrays:
        raise ValueError(f"checkpoint {path} is not a thermoinfo training checkpoint (missing entries)")
    if str(arrays["fingerprint"]) != fingerprint:
        raise ValueError(f"checkpoint {path} belongs to a different run (architecture, grid, data size, "
                         "batch size, learning rate or dtype differ)")
    leaves, treedef = jax.tree_util.tree_flatten((template.posterior, template.opt_state))
    if len(arrays) - 3 != len(leaves):
        raise ValueError(f"checkpoint {path} has {len(arrays) - 3} arrays; the run needs {len(leaves)}")
    new = []
    for i, ref in enumerate(leaves):
        a = arrays[f"leaf_{i:05d}"]
        if a.shape != ref.shape:
            raise ValueError(f"checkpoint {path}: array {i} has shape {a.shape}, expected {ref.shape}")
        new.append(jnp.asarray(a, dtype=ref.dtype))
    posterior, opt_state = jax.tree_util.tree_unflatten(treedef, new)
    key = jax.random.wrap_key_data(jnp.asarray(arrays["key"]))
    return TrainState(posterior, opt_state, key, int(arrays["step"]))


def _broadcast_init(init: Any, n_points: int, template: Any) -> Any:
    import jax
    import jax.numpy as jnp

    t_leaves, treedef = jax.tree_util.tree_flatten(template)
    i_leaves = jax.tree_util.tree_leaves(init)
    if len(i_leaves) != len(t_leaves):
        raise ValueError("init must be a weight posterior of this architecture")
    out = []
    for a, ref in zip(i_leaves, t_leaves):
        a = jnp.asarray(a, dtype=ref.dtype)
        if a.shape == ref.shape[1:]:
            a = jnp.broadcast_to(a, ref.shape)
        elif a.shape != ref.shape:
            raise ValueError(f"init has an array of shape {a.shape}; expected {ref.shape[1:]} (one point) "
                             f"or {ref.shape} (one per grid point)")
        out.append(a)
    return jax.tree_util.tree_unflatten(treedef, out)


def _optimizer(learning_rate: float, decay_steps: int) -> Any:
    import optax

    if decay_steps:
        return optax.adam(optax.cosine_decay_schedule(learning_rate, decay_steps))
    return optax.adam(learning_rate)


_NOISE_BUDGET = 1 << 22  # numbers drawn ahead per compiled run of steps (16 MiB in float32)
_MAX_CHUNK = 64


def _chunk_length(arch: Architecture, posterior: Any, batch_size: int) -> int:
    """Steps per compiled run: at most ``_MAX_CHUNK``, and the noise drawn ahead for
    them within ``_NOISE_BUDGET`` numbers."""
    import jax

    per_step = batch_size * (arch.n_latent + 1)
    if "log_std" in posterior:
        per_step += sum(int(np.prod(a.shape[1:])) for a in jax.tree_util.tree_leaves(posterior["mean"]))
    return int(max(1, min(_MAX_CHUNK, _NOISE_BUDGET // per_step)))


def _part_bounds(n_points: int) -> list[tuple[int, int]]:
    """The grid's flat points in contiguous parts trained concurrently: one part per
    CPU core available to the process on JAX's CPU backend (XLA runs the thunks of one
    compiled step nearly one after another, so a second program on a second core
    nearly halves the time), a single part on an accelerator or one core. Every part
    makes the same steps with the same minibatches and noise; a point's numbers do not
    depend on the part it is in beyond float rounding of the vmapped arithmetic."""
    import jax

    n_parts = min(available_cores(), n_points) if jax.default_backend() == "cpu" else 1
    edges = [n_points * i // n_parts for i in range(n_parts + 1)]
    return list(itertools.pairwise(edges))


def _slice_state(state: TrainState, start: int, stop: int) -> TrainState:
    """Grid points ``start:stop`` of a stacked state (the key and step are shared)."""
    import jax

    def take(a: Any) -> Any:
        return a[start:stop]

    return TrainState(jax.tree_util.tree_map(take, state.posterior),
                      jax.tree_util.tree_map(take, state.opt_state), state.key, state.step)


def _join_states(parts: list[TrainState]) -> TrainState:
    """The stacked state of the whole grid from its parts (at one step)."""
    import jax
    import jax.numpy as jnp

    if len(parts) == 1:
        return parts[0]

    def cat(*leaves: Any) -> Any:
        return jnp.concatenate(leaves)

    return TrainState(jax.tree_util.tree_map(cat, *(p.posterior for p in parts)),
                      jax.tree_util.tree_map(cat, *(p.opt_state for p in parts)), parts[0].key, parts[0].step)


@contextlib.contextmanager
def _part_pool(n_parts: int) -> Iterator[Any]:
    """A thread per part (XLA releases the GIL while a compiled program runs); none for one part."""
    if n_parts == 1:
        yield None
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=n_parts, thread_name_prefix="thermoinfo-grid") as pool:
        yield pool


def _run_parts(run: Any, parts: list[TrainState], multipliers: list[tuple[Any, Any, Any]], data_x: Any,
               data_y: Any, n_run: int, dtype: str,
               pool: Any) -> tuple[list[TrainState], int, dict[str, np.ndarray]]:
    """Up to ``n_run`` steps of every part, concurrently on ``pool``; returns the
    parts, the number of steps all of them applied and the record over the whole grid.

    A part whose J stayed finite longer than another's (a non-finite J stops a run)
    is run again from the same state to the common step: the grid stays at one step,
    with the numbers an undivided run has.
    """

    def call(i: int, n: int) -> tuple[TrainState, int, dict[str, np.ndarray]]:
        with precision(dtype):  # JAX's precision setting is per thread
            state, n_done, record = run(parts[i], data_x, data_y, *multipliers[i], n)
            return state, int(n_done), {name: np.asarray(v) for name, v in record.items()}

    indices = range(len(parts))
    if pool is None:
        out = [call(i, n_run) for i in indices]
    else:
        out = list(pool.map(lambda i: call(i, n_run), indices))
    n_done = min(o[1] for o in out)
    out = [o if o[1] == n_done else call(i, n_done) for i, o in zip(indices, out)]
    record = {name: np.concatenate([o[2][name] for o in out], axis=1) for name in out[0][2]}
    return [o[0] for o in out], n_done, record


@functools.lru_cache(maxsize=32)
def _make_run(arch: Architecture, learning_rate: float, batch_size: int, decay_steps: int,
              chunk: int) -> Any:
    """The jit-compiled run of up to ``chunk`` grid steps (cached: repeated fits of one
    architecture compile once).

    ``run(state, data_x, data_y, lam, gamma, sigma, n_run)`` makes ``n_run <= chunk``
    steps in one call. Step t splits the run's key, ``key, k_batch, k_noise =
    split(key, 3)``, draws its minibatch indices from ``k_batch`` and its noise from
    ``k_noise`` (:func:`_step_noise`); the key chain is computed first and the draws
    of all steps at once, outside the loop. Every grid point gets the same minibatch
    and noise (common random numbers): a point's run does not depend on the grid
    around it. A step whose J is not finite at some grid point is not applied and
    ends the run; ``n_done`` counts the applied steps and ``J[n_done]`` holds the
    offending J.
    """
    import jax
    import jax.numpy as jnp
    import optax

    optimizer = _optimizer(learning_rate, decay_steps)

    def one(posterior: Any, opt_state: Any, x: Any, y: Any, weight_eps: Any, z_eps: Any, lam: Any,
            gamma: Any, sigma: Any) -> tuple[Any, Any, Any, dict[str, Any]]:
        (J, terms), grads = jax.value_and_grad(_objective_at, has_aux=True)(
            posterior, arch, x, y, weight_eps, z_eps, lam, gamma, sigma)
        updates, opt_state = optimizer.update(grads, opt_state, posterior)
        return optax.apply_updates(posterior, updates), opt_state, J, terms

    # states and multipliers are mapped over the grid; data and noise are shared
    grid_step = jax.vmap(one, in_axes=(0, 0, None, None, None, None, 0, 0, 0))

    def run(state: TrainState, data_x: Any, data_y: Any, lam: Any, gamma: Any, sigma: Any,
            n_run: Any) -> tuple[TrainState, Any, Any, dict[str, Any]]:
        def advance(key: Any, _: Any) -> tuple[Any, tuple[Any, Any, Any]]:
            key, k_batch, k_noise = jax.random.split(key, 3)
            return key, (key, k_batch, k_noise)

        _, (keys, k_batch, k_noise) = jax.lax.scan(advance, state.key, None, length=chunk)
        idx = jax.vmap(lambda k: jax.random.randint(k, (batch_size,), 0, data_x.shape[0]))(k_batch)
        one_point = jax.tree_util.tree_map(lambda a: a[0], state.posterior)
        weight_eps, z_eps = jax.vmap(lambda k: _step_noise(k, one_point, arch, batch_size))(k_noise)
        n_points = lam.shape[0]
        zeros = jnp.zeros((chunk, n_points), lam.dtype)
        record = {"J": zeros, **{name: zeros for name in ("R", "D", "C", "S")}}

        def proceed(carry: tuple[Any, ...]) -> Any:
            i, finite = carry[0], carry[1]
            return (i < n_run) & finite

        def body(carry: tuple[Any, ...]) -> tuple[Any, ...]:
            i, _, posterior, opt_state, record = carry
            x = data_x[idx[i]]
            y = data_y[idx[i]] if data_y is not None else None
            w_eps = None if weight_eps is None else jax.tree_util.tree_map(lambda a: a[i], weight_eps)
            new_posterior, new_opt_state, J, terms = grid_step(posterior, opt_state, x, y, w_eps, z_eps[i],
                                                               lam, gamma, sigma)
            finite = jnp.all(jnp.isfinite(J))

            def keep(new: Any, old: Any) -> Any:
                return jnp.where(finite, new, old)

            posterior = jax.tree_util.tree_map(keep, new_posterior, posterior)
            opt_state = jax.tree_util.tree_map(keep, new_opt_state, opt_state)
            record = {name: buf.at[i].set(J if name == "J" else terms[name]) for name, buf in record.items()}
            return i + finite.astype(i.dtype), finite, posterior, opt_state, record

        n_done, _, posterior, opt_state, record = jax.lax.while_loop(
            proceed, body, (jnp.zeros((), jnp.int32), jnp.array(True), state.posterior, state.opt_state,
                            record))
        key = jnp.concatenate([state.key[None], keys])[n_done]
        return TrainState(posterior, opt_state, key, state.step + n_done), n_done, record

    return jax.jit(run)


def fit_grid(arch: Architecture, x: Any, y: Any = None, *, lam: Any = 1.0, gamma: Any = 0.0,
             sigma: Any = 0.0, n_steps: int = 1000, batch_size: int = 128,
             learning_rate: float = 1e-3, rng: Any = None, init: Any = None,
             checkpoint: str | os.PathLike | None = None, checkpoint_every: int = 200,
             resume: bool = False, progress: bool = False, dtype: str = "float32",
             record_every: int = 10, decay: bool = False) -> GridFit:
    """Train every point of the product grid lam x gamma x sigma at once.

    Parameters
    ----------
    arch : Architecture
    x : array_like (n, n_features)
        Training data (binary for the Bernoulli decoder).
    y : array_like (n,), optional
        Integer labels in [0, n_classes) (required with a classifier).
    lam, gamma, sigma : float or 1-D array_like
        The multipliers (finite, >= 0); the grid is their outer product.
    n_steps : int
        Optimizer steps (Adam, ``learning_rate``) on minibatches of ``batch_size``
        drawn with replacement, the same for every grid point.
    rng : seed or Generator
        Source of the initial weights and of the run's JAX key.
    init : pytree, optional
        Initial weight posterior: one point (broadcast to the grid) or one per point.
        Default: a fresh initialization, the same for every grid point.
    checkpoint : path, optional
        File written every ``checkpoint_every`` steps and at the end (parameters,
        optimizer state, JAX key, step), atomically.
    resume : bool
        Continue from ``checkpoint`` if it exists; the resumed run ends with the
        numbers of an uninterrupted one.
    progress : bool
        Show a tqdm progress bar.
    dtype : {"float32", "float64"}
    record_every : int
        Steps between entries of :attr:`GridFit.history`.
    decay : bool
        Cosine decay of the learning rate to 0 over ``n_steps`` (a run then resumes
        only with the same ``n_steps``); the end point has far less minibatch noise.

    Returns
    -------
    GridFit

    Raises
    ------
    NonFiniteParameterError
        The minibatch J became NaN or infinite; the message names the step, and
        the checkpoint (if any) keeps the last finite state.

    Examples
    --------
    >>> import numpy as np
    >>> x = (np.random.default_rng(0).random((64, 4)) < 0.5).astype(float)
    >>> arch = Architecture(n_features=4, n_latent=2, hidden=(8,), decoder_hidden=())
    >>> fit = fit_grid(arch, x, lam=[0.5, 1.0], n_steps=20, batch_size=16, rng=0)
    >>> fit.shape, fit.history["J"].shape
    ((2, 1, 1), (2, 2))
    """
    import jax
    import jax.numpy as jnp
    from tqdm.auto import tqdm

    if not isinstance(arch, Architecture):
        raise TypeError(f"arch must be an Architecture (got {type(arch).__name__})")
    xa, ya = validate_data(arch, x, y)
    lam_c, gamma_c, sigma_c, L, G, S = _grid(lam, gamma, sigma, arch)
    n_steps = check_positive_int(n_steps, "n_steps", minimum=0)
    batch_size = check_positive_int(batch_size, "batch_size")
    learning_rate = check_positive(learning_rate, "learning_rate")
    checkpoint_every = check_positive_int(checkpoint_every, "checkpoint_every")
    record_every = check_positive_int(record_every, "record_every")
    gen = as_rng(rng)
    seeds = gen.integers(0, 2 ** 31 - 1, size=2)
    path = None if checkpoint is None else Path(checkpoint)
    if resume and path is None:
        raise ValueError("resume=True needs checkpoint= (the file to continue from)")
    decay_steps = n_steps if decay else 0
    fingerprint = _fingerprint(arch, (L, G, S), xa.shape[0], batch_size, (learning_rate, decay_steps),
                               dtype)
    n_points = L.size
    optimizer = _optimizer(learning_rate, decay_steps)
    with precision(dtype) as jdt:
        one = init_posterior(jax.random.key(int(seeds[0])), arch, jdt)
        posterior = jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (n_points, *a.shape)), one)
        if init is not None:
            posterior = _broadcast_init(init, n_points, posterior)
        opt_state = jax.vmap(optimizer.init)(posterior)
        state = TrainState(posterior, opt_state, jax.random.key(int(seeds[1])), 0)
        if resume and path.exists():
            state = _load_checkpoint(path, state, fingerprint)
        # a strongly typed step: the compiled run returns the types it takes (no second compilation)
        state = TrainState(state.posterior, state.opt_state, state.key, jnp.asarray(state.step, jnp.int32))
        data_x = jnp.asarray(xa, dtype=jdt)
        data_y = None if ya is None else jnp.asarray(ya)
        lam_j, gamma_j, sigma_j = (jnp.asarray(v, dtype=jdt) for v in (L, G, S))
        chunk = _chunk_length(arch, posterior, batch_size)
        run = _make_run(arch, learning_rate, batch_size, decay_steps, chunk)
        # the grid in concurrent parts, one per CPU core (see _part_bounds)
        bounds = _part_bounds(n_points)
        parts = [_slice_state(state, a, b) for a, b in bounds]
        multipliers = [(lam_j[a:b], gamma_j[a:b], sigma_j[a:b]) for a, b in bounds]
        history: dict[str, list[Any]] = {k: [] for k in ("step", "J", "R", "D", "C", "S")}
        k = start = int(state.step)
        with (tqdm(disable=not progress, desc="training", initial=start, total=n_steps) as bar,
              _part_pool(len(bounds)) as pool):
            while k < n_steps:
                # one compiled call per run of steps and part, ending at each checkpoint
                stop = min(n_steps, k + chunk)
                if path is not None:
                    stop = min(stop, (k // checkpoint_every + 1) * checkpoint_every)
                parts, n_done, record = _run_parts(run, parts, multipliers, data_x, data_y, stop - k, dtype,
                                                   pool)
                for i in range(n_done):
                    if (k + i + 1) % record_every == 0 or k + i + 1 == n_steps:
                        history["step"].append(k + i + 1)
                        for name, v in record.items():
                            history[name].append(v[i])
                k += n_done
                if k < stop:
                    # the step k + 1 was not applied: state is the last finite one
                    if path is not None:
                        _save_checkpoint(path, _join_states(parts), fingerprint)
                    bad = np.flatnonzero(~np.isfinite(record["J"][n_done])).tolist()
                    raise NonFiniteParameterError(
                        f"the loss J became non-finite at step {k + 1} (grid points {bad}); the last "
                        f"finite state (step {k}) " + (f"is kept in {path}" if path is not None
                                                       else "was not saved (pass checkpoint= to keep it)")
                        + "; lower learning_rate or the multipliers")
                bar.update(n_done)
                if path is not None and (k % checkpoint_every == 0 or k == n_steps):
                    _save_checkpoint(path, _join_states(parts), fingerprint)
        state = _join_states(parts)
        hist = {k: np.asarray(v) for k, v in history.items()}
    return GridFit(arch=arch, lam=lam_c, gamma=gamma_c, sigma=sigma_c, state=state, dtype=dtype,
                   history=hist)


# ----------------------------------------------------------------------------- evaluation


@functools.lru_cache(maxsize=32)
def _eval_fn(arch: Architecture, n_draws: int) -> Any:
    import jax

    def per_point(posterior: Any, x: Any, y: Any, key: Any) -> dict[str, Any]:
        def draw(k: Any) -> dict[str, Any]:
            k_w, k_z = jax.random.split(k)
            return log_densities(sample_weights(posterior, k_w), arch, x, y, k_z)

        out = jax.vmap(draw)(jax.random.split(key, n_draws))  # (n_draws, n)
        out = {k: v.T for k, v in out.items()}
        out["S"] = weight_kl(posterior, arch.weight_prior_std)
        if arch.n_classes:
            params = posterior["mean"]
            mu, _ = _encode(params, arch, x)
            logits = mu @ params["classifier"]["w"] + params["classifier"]["b"]
            out["correct"] = (logits.argmax(axis=-1) == y).astype(mu.dtype)
        return out

    return jax.jit(jax.vmap(per_point, in_axes=(0, None, None, 0)))


def evaluate(fit: GridFit, x: Any, y: Any = None, *, n_draws: int = 4, rng: Any = None,
             per_example: bool = False) -> Any:
    """R, D, C, S, F = R + lam D + gamma C + sigma S and the accuracy of a trained
    grid on held-out data, with standard errors.

    Each held-out example gets ``n_draws`` draws of (theta, z); the per-example
    log-densities go to :func:`thermoinfo.freeenergy.functionals.monte_carlo`,
    whose standard errors count independent examples. S is exact. Every grid
    point sees the same draws (common random numbers), so differences across the
    grid (finite differences of F) are far more precise than the values.

    ``per_example=True`` adds the per-example integrands ``R_example``,
    ``D_example``, ``C_example`` (averaged over the draws) over a last dim
    ``example``, for paired errors of differences.

    Returns
    -------
    xarray.Dataset
        ``R``, ``D``, ``C``, ``S``, ``F`` (and ``*_se``), ``accuracy`` (of the
        classifier at the mean weights and the encoder mean; with a classifier)
        over dims (lam, gamma, sigma).

    Examples
    --------
    >>> import numpy as np
    >>> x = (np.random.default_rng(0).random((64, 4)) < 0.5).astype(float)
    >>> arch = Architecture(n_features=4, n_latent=2, hidden=(8,), decoder_hidden=())
    >>> fit = fit_grid(arch, x, lam=[0.5, 1.0], n_steps=20, batch_size=16, rng=0)
    >>> ds = evaluate(fit, x, rng=1)
    >>> ds.R.dims, bool((ds.R_se > 0).all())
    (('lam', 'gamma', 'sigma'), True)
    """
    import jax
    import jax.numpy as jnp
    import xarray as xr

    from thermoinfo.freeenergy.functionals import monte_carlo

    if not isinstance(fit, GridFit):
        raise TypeError(f"fit must be a GridFit (got {type(fit).__name__})")
    xa, ya = validate_data(fit.arch, x, y)
    n_draws = check_positive_int(n_draws, "n_draws")
    gen = as_rng(rng)
    shape = fit.shape
    n_points = int(np.prod(shape))
    with precision(fit.dtype) as jdt:
        key = jax.random.key(int(gen.integers(0, 2 ** 31 - 1)))
        keys = jax.vmap(lambda _: key)(jnp.arange(n_points))
        out = _eval_fn(fit.arch, n_draws)(fit.state.posterior, jnp.asarray(xa, jdt),
                                          None if ya is None else jnp.asarray(ya), keys)
        out = {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}
    L, G, S = np.meshgrid(fit.lam, fit.gamma, fit.sigma, indexing="ij")
    names = ("R", "D", "C", "S", "F")
    values = {n: np.zeros(n_points) for n in names}
    errors = {n: np.zeros(n_points) for n in names}
    for i, (lam, gamma, sigma) in enumerate(zip(L.ravel(), G.ravel(), S.ravel())):
        mc = monte_carlo(log_encoder=out["log_encoder"][i], log_prior=out["log_prior"][i],
                         log_decoder=out["log_decoder"][i], log_classifier=out["log_classifier"][i],
                         lam=lam, gamma=gamma)
        for n in ("R", "D", "C"):
            values[n][i], errors[n][i] = getattr(mc, n).value, getattr(mc, n).stderr
        values["S"][i] = out["S"][i]
        values["F"][i] = mc.J.value + sigma * out["S"][i]
        errors["F"][i] = mc.J.stderr
    dims = ("lam", "gamma", "sigma")
    long = {"R": "rate", "D": "distortion", "C": "classification loss", "S": "weight information",
            "F": "free energy R + lam D + gamma C + sigma S"}
    data = {}
    for n in names:
        data[n] = (dims, values[n].reshape(shape), variable_attrs(long[n]))
        data[f"{n}_se"] = (dims, errors[n].reshape(shape), variable_attrs(f"standard error of {n}"))
    if "correct" in out:
        acc = out["correct"]
        data["accuracy"] = (dims, acc.mean(axis=1).reshape(shape), variable_attrs("accuracy", units="1"))
        data["accuracy_se"] = (dims, (acc.std(axis=1, ddof=1) / np.sqrt(acc.shape[1])).reshape(shape),
                               variable_attrs("standard error of accuracy", units="1"))
    if per_example:
        ex_dims = (*dims, "example")
        per = {"R": out["log_encoder"] - out["log_prior"], "D": -out["log_decoder"],
               "C": -out["log_classifier"]}
        for n, v in per.items():
            data[f"{n}_example"] = (ex_dims, v.mean(axis=2).reshape(*shape, -1),
                                    variable_attrs(f"per-example integrand of {n}"))
    coords = {d: (d, v, variable_attrs(f"multiplier {d}", units="1"))
              for d, v in zip(dims, (fit.lam, fit.gamma, fit.sigma))}
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({"references": _REFERENCES, "n_test": int(xa.shape[0]), "n_draws": n_draws})
    return ds


def accuracy(fit: GridFit, x: Any, y: Any) -> np.ndarray:
    """Classifier accuracy of every grid point (flattened) at the mean weights."""
    return evaluate(fit, x, y, n_draws=2, rng=0)["accuracy"].values.ravel()


def classifier_energy(fit: GridFit, x: Any, y: Any, index: int = 0) -> tuple[Any, np.ndarray]:
    """The energy E(theta) = -sum_i log c(y_i | mu(x_i); theta) of a trained grid
    point's classifier weights theta (encoder, prior and decoder held at their
    means), as a function of a flat vector, and the trained theta.

    With :func:`thermoinfo.sampling.langevin.thermodynamics` (and a Gaussian prior
    over theta) this gives <E>, the heat capacity and log Z of the trained
    classifier against the temperature.

    Returns
    -------
    energy_fn : callable
        JAX-traceable E of a flat vector.
    theta : ndarray
        The trained classifier weights, flattened.

    Examples
    --------
    >>> import numpy as np
    >>> x = (np.random.default_rng(0).random((32, 4)) < 0.5).astype(float)
    >>> y = (x[:, 0] > 0).astype(int)
    >>> arch = Architecture(n_features=4, n_latent=2, n_classes=2, hidden=(4,), decoder_hidden=(),
    ...                     stochastic_weights=False)
    >>> fit = fit_grid(arch, x, y, gamma=1.0, n_steps=5, batch_size=8, rng=0)
    >>> energy, theta = classifier_energy(fit, x, y)
    >>> theta.shape, bool(float(energy(theta)) > 0)
    ((6,), True)
    """
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    if not isinstance(fit, GridFit):
        raise TypeError(f"fit must be a GridFit (got {type(fit).__name__})")
    if fit.arch.n_classes == 0:
        raise ValueError("fit must have a classifier (n_classes > 0)")
    xa, ya = validate_data(fit.arch, x, y)
    params = fit.point(index)["mean"]
    with precision(fit.dtype) as jdt:
        mu, _ = _encode(params, fit.arch, jnp.asarray(xa, jdt))
        flat, unravel = ravel_pytree(params["classifier"])
    labels = jnp.asarray(ya)

    def energy_fn(theta: Any) -> Any:
        import jax

        c = unravel(theta)
        logp = jax.nn.log_softmax(mu @ c["w"] + c["b"], axis=-1)
        return -jnp.sum(jnp.take_along_axis(logp, labels[:, None], axis=-1))

    return energy_fn, np.asarray(flat)
