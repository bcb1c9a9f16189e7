"""Path optimization: integrate a complex Boltzmann weight over a deformed,
learned contour, sample it with HMC and reweight by the residual phase.

For Z = int_{R^n} d^n x e^{-S(x)} with complex S and e^{-S} holomorphic, Cauchy's
theorem lets the integral run over z(t), t in R^n:

    Z = int d^n t J(t) e^{-S(z(t))} = int d^n t e^{-S_eff(t)},
    S_eff(t) = S(z(t)) - log det(dz/dt),     J = det(dz_i / dt_j).

HMC samples t from e^{-Re S_eff} (the phase-quenched weight on the contour) and
observables follow from the residual phase theta = -Im S_eff:

    <O> = <O(z(t)) e^{i theta}>_pq / <e^{i theta}>_pq,
    <e^{i theta}>_pq = Z / Z_pq(path),  Z_pq(path) = int d^n t |J e^{-S(z(t))}|.

Contours (Mori, Kashiwa & Ohnishi): the neural path
z_k(t) = t_k + i (alpha_k f_k(t) + beta_k), with a_i = tanh(W1 t + b1)_i,
f_k = tanh(W2 a + b2)_k; the affine path z = t + i (A t + b); the real plane z = t.
The log-Jacobian is exact: ``jnp.linalg.slogdet`` of dz/dt, written in closed form
(checked against ``jax.jacfwd`` of the path in the tests); for the neural path the
determinant of the n x n Jacobian equals that of an n_hidden x n_hidden matrix
(Sylvester's identity, below), which makes HMC on larger lattices cheap.

Training minimizes the papers' cost

    E = (1/2) int d^n t |e^{i theta(t)} - e^{i theta_0}|^2 |J e^{-S}| = Z_pq - |Z|
      = |Z| (1 / |<e^{i theta}>_pq| - 1),

where Z = |Z| e^{i theta_0} does not depend on the path, so minimizing E is
maximizing |<e^{i theta}>|. Its gradient is d E = Z_pq d log Z_pq with
d log Z_pq / d w = -<d Re S_eff(t; w) / d w>_pq at fixed t: each epoch draws
samples on the current path (HMC) and takes one optax step on
L(w) = -mean_i Re S_eff(t_i; w), by JAX autodiff.

References: Y. Mori, K. Kashiwa and A. Ohnishi, Phys. Rev. D 96, 111501(R) (2017),
arXiv:1705.05605; PTEP 2018, 023B04, arXiv:1709.03208; A. Alexandru, P. F. Bedaque,
H. Lamm and S. Lawrence, Phys. Rev. D 96, 094505 (2017), arXiv:1709.01971.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from thermoinfo._config import one_blas_thread
from thermoinfo._validation import as_rng, check_positive, check_positive_int
from thermoinfo.sampling.hmc import _warn_if_poor, adapt, chain, effective_sample_size, jackknife

__all__ = [
    "PathOptimization",
    "PathSamples",
    "Reweighted",
    "TrainingStep",
    "affine_thimble",
    "effective_action",
    "init_affine",
    "init_neural",
    "init_neural_from_affine",
    "jacobian",
    "log_det_jacobian",
    "path",
    "reweight",
    "sample_path",
]

_FOLD_ADAPT = 2 ** 30
_FOLD_SAMPLE = 2 ** 30 + 1


def init_neural(n_variables: int, n_hidden: int, rng: Any = None,
                scale: float = 0.5) -> dict[str, np.ndarray]:
    """Parameters of the neural path, starting on the real plane (alpha = beta = 0).

    Weights are normal with standard deviation ``scale / sqrt(fan_in)``.
    """
    n = check_positive_int(n_variables, "n_variables")
    h = check_positive_int(n_hidden, "n_hidden")
    g = as_rng(rng)
    return {
        "W1": g.normal(0.0, scale / np.sqrt(n), (h, n)), "b1": np.zeros(h),
        "W2": g.normal(0.0, scale / np.sqrt(h), (n, h)), "b2": np.zeros(n),
        "alpha": np.zeros(n), "beta": np.zeros(n),
    }


def init_neural_from_affine(affine: Mapping[str, Any], n_hidden: int | None = None, *,
                            scale: float = 0.1, amplitude: float | None = None) -> dict[str, np.ndarray]:
    """Neural-path parameters whose contour starts on a given affine path z = t + i (A t + b).

    In the linear regime of tanh, a = tanh(W1 t) ~ W1 t and f = tanh(W2 a) ~ W2 W1 t, so
    W1 = scale V^T, W2 = U S / (scale * amplitude), alpha = amplitude, beta = b, with the
    singular value decomposition A = U S V^T truncated to ``n_hidden`` terms, give
    z(t) = t + i (alpha f(t) + beta) ~ t + i (A t + b). ``n_hidden`` >= rank A reproduces
    A itself; the deviation is O((scale |t|)^2, (|A t| / amplitude)^2) for t of order one.

    Parameters
    ----------
    affine : mapping
        ``{"A": (n, n), "b": (n,)}``, e.g. from :func:`affine_thimble`.
    n_hidden : int, optional
        Hidden units (default n, which keeps A exactly in the linear regime).
    scale : float
        Input-layer gain: tanh stays linear while scale |t_k| << 1.
    amplitude : float, optional
        Output scale alpha (default ten times the largest row norm of A, at least 1),
        so that |(A t)_k| / alpha << 1 for t of order one.

    Examples
    --------
    >>> A = np.array([[0.2, -0.1], [0.1, 0.3]])
    >>> p = init_neural_from_affine({"A": A, "b": np.zeros(2)})
    >>> t = np.array([0.5, -0.4])
    >>> a = np.tanh(p["W1"] @ t + p["b1"])
    >>> z = t + 1j * (p["alpha"] * np.tanh(p["W2"] @ a + p["b2"]) + p["beta"])
    >>> bool(np.allclose(z.imag, A @ t, atol=2e-3))
    True
    """
    if not isinstance(affine, Mapping) or set(affine) != {"A", "b"}:
        raise ValueError("affine must be a mapping with the affine path's 'A' and 'b'")
    A = np.asarray(affine["A"], dtype=np.float64)
    b = np.asarray(affine["b"], dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or b.shape != (A.shape[0],):
        raise ValueError(f"affine must hold a square A and a matching b (got {A.shape}, {b.shape})")
    n = A.shape[0]
    h = n if n_hidden is None else check_positive_int(n_hidden, "n_hidden")
    scale = check_positive(scale, "scale")
    if amplitude is None:
        amplitude = max(1.0, 10.0 * float(np.max(np.linalg.norm(A, axis=1))))
    amplitude = check_positive(amplitude, "amplitude")
    U, S, Vt = np.linalg.svd(A)
    k = min(h, n)
    W1 = np.zeros((h, n))
    W2 = np.zeros((n, h))
    W1[:k] = scale * Vt[:k]
    W2[:, :k] = U[:, :k] * S[:k] / (scale * amplitude)
    return {"W1": W1, "b1": np.zeros(h), "W2": W2, "b2": np.zeros(n),
            "alpha": np.full(n, amplitude), "beta": b.copy()}


def init_affine(n_variables: int) -> dict[str, np.ndarray]:
    """Parameters of the affine path z = t + i (A t + b), starting on the real plane."""
    n = check_positive_int(n_variables, "n_variables")
    return {"A": np.zeros((n, n)), "b": np.zeros(n)}


def path(params: Mapping[str, Any], t: Any) -> Any:
    """z(t) for neural (W1, b1, W2, b2, alpha, beta), affine (A, b) or real ({}) parameters."""
    import jax.numpy as jnp

    if not params:
        return t + 0j
    if "A" in params:
        return t + 1j * (params["A"] @ t + params["b"])
    a = jnp.tanh(params["W1"] @ t + params["b1"])
    f = jnp.tanh(params["W2"] @ a + params["b2"])
    return t + 1j * (params["alpha"] * f + params["beta"])


def effective_action(action: Callable[[Any], Any], params: Mapping[str, Any], t: Any
                     ) -> tuple[Any, Any, Any]:
    """``(Re S_eff, theta, z)`` at t: Re S_eff = Re S(z) - log|J|, theta = -Im S(z) + arg J."""
    import jax.numpy as jnp

    z = path(params, t)
    s = action(z)
    if not params:
        return s.real, -s.imag, z
    sign, log_abs = log_det_jacobian(params, t)
    return s.real - log_abs, -s.imag + jnp.angle(sign), z


def log_det_jacobian(params: Mapping[str, Any], t: Any) -> tuple[Any, Any]:
    """``(sign, log|det J|)`` of dz/dt by ``jnp.linalg.slogdet``, exactly.

    The neural path's Jacobian is I_n + U W1 with U = i diag(alpha (1 - f^2)) W2
    diag(1 - a^2) of rank <= n_hidden, so Sylvester's identity
    det(I_n + U W1) = det(I_h + W1 U) gives the same number from an h x h matrix.
    """
    import jax.numpy as jnp

    if "A" in params:
        return jnp.linalg.slogdet(jacobian(params, t))
    a = jnp.tanh(params["W1"] @ t + params["b1"])
    f = jnp.tanh(params["W2"] @ a + params["b2"])
    u = (1j * params["alpha"] * (1.0 - f * f))[:, None] * params["W2"] * (1.0 - a * a)
    return jnp.linalg.slogdet(jnp.eye(a.shape[-1]) + params["W1"] @ u)


def jacobian(params: Mapping[str, Any], t: Any) -> Any:
    """dz_i/dt_j of the affine (I + i A) or neural path,
    I + i diag(alpha (1 - f^2)) W2 diag(1 - a^2) W1, in closed form."""
    import jax.numpy as jnp

    n = t.shape[-1]
    if "A" in params:
        return jnp.eye(n) + 1j * params["A"]
    a = jnp.tanh(params["W1"] @ t + params["b1"])
    f = jnp.tanh(params["W2"] @ a + params["b2"])
    inner = (params["W2"] * (1.0 - a * a)) @ params["W1"]
    return jnp.eye(n) + 1j * (params["alpha"] * (1.0 - f * f))[:, None] * inner


def affine_thimble(hessian: Any) -> dict[str, np.ndarray]:
    """The affine path z = t + i B t through the thimble of S = z^T K z / 2.

    With K = K_R + i K_I (K_R positive definite) = W diag(1 + i d) W^T, the
    columns of P = W^{-T} diag((1 + i d)^{-1/2}) span the real subspace on which
    S = u^T u / 2 is real; reparametrized with real part t, B = Im P (Re P)^{-1}.
    """
    K = np.asarray(hessian, dtype=complex)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"hessian must be a square matrix (got shape {K.shape})")
    try:
        L = np.linalg.cholesky(K.real)
    except np.linalg.LinAlgError as exc:
        raise ValueError("hessian must have a positive definite real part") from exc
    Linv = np.linalg.inv(L)
    d, Q = np.linalg.eigh(Linv @ K.imag @ Linv.T)
    W = L @ Q
    P = np.linalg.inv(W).T * (1.0 + 1j * d) ** -0.5
    B = P.imag @ np.linalg.inv(P.real)
    return {"A": B, "b": np.zeros(K.shape[0])}


@dataclass(frozen=True)
class PathSamples:
    """HMC samples on a contour.

    Attributes
    ----------
    t : ndarray (n_samples, n)
        Real parameters.
    z : ndarray (n_samples, n), complex
        Points z(t) on the contour.
    theta : ndarray (n_samples,)
        Residual phase -Im S_eff.
    acceptance_rate : float
    step_size : float
    """

    t: np.ndarray
    z: np.ndarray
    theta: np.ndarray
    acceptance_rate: float
    step_size: float

    @property
    def phase(self) -> np.ndarray:
        """e^{i theta} per sample."""
        return np.exp(1j * self.theta)


@dataclass(frozen=True)
class Reweighted:
    """A reweighted average with its blocked-jackknife error.

    Attributes
    ----------
    value : complex
        <O> = <O e^{i theta}> / <e^{i theta}>.
    stderr : float
    phase_factor : complex
        <e^{i theta}> on the contour.
    phase_factor_stderr : float
    ess : float
        Effective sample size of e^{i theta} (and of O, the smaller).
    """

    value: complex
    stderr: float
    phase_factor: complex
    phase_factor_stderr: float
    ess: float


def reweight(samples: PathSamples, observable: Any = None, n_blocks: int = 20) -> Reweighted:
    """Reweight by the residual phase: <O> = <O e^{i theta}> / <e^{i theta}> with
    blocked-jackknife errors.

    Parameters
    ----------
    samples : PathSamples
    observable : array_like (n_samples,), optional
        O(z) per sample; without it only the phase factor is estimated (value 1).
    n_blocks : int
        Jackknife blocks.

    Warns
    -----
    UserWarning
        When the effective sample size is below 50, or the phase factor is not
        resolved (|<e^{i theta}>| below twice its error).
    """
    phase = samples.phase
    pf, pf_se = jackknife(lambda a: a, phase, n_blocks=n_blocks)
    ess = effective_sample_size(phase) if np.ptp(samples.theta) > 0 else float(phase.shape[0])
    if observable is None:
        value, se = 1.0 + 0j, 0.0
    else:
        obs = np.asarray(observable)
        if obs.shape != phase.shape:
            raise ValueError(f"observable must have one value per sample {phase.shape} (got {obs.shape})")
        value, se = jackknife(lambda a, b: a / b, obs * phase, phase, n_blocks=n_blocks)
        if np.ptp(obs.real) > 0:
            ess = min(ess, effective_sample_size(obs))
    _warn_if_poor(ess, phase.shape[0], "reweight")
    if abs(pf) < 2 * pf_se:
        warnings.warn(f"reweight: phase factor {abs(pf):.3g} is not resolved (error {pf_se:.2g}); "
                      "the sign problem defeats reweighting on this contour", UserWarning, stacklevel=2)
    return Reweighted(complex(value), float(se), complex(pf), float(pf_se), float(ess))


def _as_jax_params(params: Mapping[str, Any]) -> dict[str, Any]:
    import jax.numpy as jnp

    return {k: jnp.asarray(np.asarray(v, dtype=np.float64)) for k, v in params.items()}


def _as_couplings(couplings: Any) -> Any:
    import jax

    if couplings is None:
        return None
    return jax.tree_util.tree_map(lambda v: np.asarray(v, dtype=np.float64), couplings)


def _check_params(params: Any, n: int) -> dict[str, np.ndarray]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping of arrays or None (got {type(params).__name__})")
    out = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    keys = set(out)
    if keys and keys not in ({"A", "b"}, {"W1", "b1", "W2", "b2", "alpha", "beta"}):
        raise ValueError(f"params must hold the affine (A, b) or neural (W1, b1, W2, b2, alpha, beta) "
                         f"parameters (got {sorted(keys)})")
    if keys and out["b" if "A" in keys else "beta"].shape != (n,):
        raise ValueError(f"params do not match n_variables = {n}")
    return out


def _call(action: Callable[..., Any], z: Any, couplings: Any) -> Any:
    return action(z) if couplings is None else action(z, couplings)


@functools.lru_cache(maxsize=32)
def _compiled(action: Callable[..., Any], n_samples: int, n_leapfrog: int, thin: int, n_warmup: int,
              learning_rate: float | None = None) -> Any:
    """jit-compiled adaptation, chain and training step for one action (cached, so
    that a sweep over couplings compiles once)."""
    import jax
    import jax.numpy as jnp
    import optax

    def s_eff(params: Any, couplings: Any, t: Any) -> Any:
        return effective_action(lambda z: _call(action, z, couplings), params, t)

    def logdensity(params: Any, couplings: Any, t: Any) -> Any:
        return -s_eff(params, couplings, t)[0]

    def adapt_fn(params: Any, couplings: Any, position: Any, key: Any) -> Any:
        return adapt(lambda t: logdensity(params, couplings, t), position, key, n_warmup=n_warmup,
                     n_leapfrog=n_leapfrog)

    def chain_fn(params: Any, couplings: Any, position: Any, key: Any, step: Any, inv_mass: Any) -> Any:
        pos, ts, acc = chain(lambda t: logdensity(params, couplings, t), position, key, n_samples,
                             step_size=step, inverse_mass_matrix=inv_mass, n_leapfrog=n_leapfrog, thin=thin)
        _, theta, z = jax.vmap(lambda t: s_eff(params, couplings, t))(ts)
        return pos, ts, z, theta, acc

    out = {"adapt": jax.jit(adapt_fn), "chain": jax.jit(chain_fn)}
    if learning_rate is not None:
        optimizer = optax.adam(learning_rate)

        def loss(params: Any, couplings: Any, ts: Any) -> Any:
            return -jnp.mean(jax.vmap(lambda t: s_eff(params, couplings, t)[0])(ts))

        def update(params: Any, opt_state: Any, couplings: Any, ts: Any) -> Any:
            grads = jax.grad(loss)(params, couplings, ts)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state

        out["optimizer"] = optimizer
        out["update"] = jax.jit(update)
    return out


def sample_path(action: Callable[[Any], Any], n_variables: int, n_samples: int, *, params: Any = None,
                couplings: Any = None, rng: Any = None, n_warmup: int = 300, n_leapfrog: int = 10,
                thin: int = 1, initial_position: Any = None) -> PathSamples:
    """HMC samples of e^{-Re S_eff} on a fixed contour (the real plane when ``params`` is None).

    Parameters
    ----------
    action : callable
        Holomorphic, JAX-traceable S(z) of a complex vector of length ``n_variables``,
        or S(z, couplings) when ``couplings`` is given.
    n_variables : int
    n_samples : int
    params : mapping, optional
        Affine or neural path parameters (see :func:`path`).
    couplings : array or pytree, optional
        Passed to ``action``; changing it does not recompile (sweeps over couplings
        compile once when ``action`` is the same function object).
    rng : seed or Generator, optional
    n_warmup, n_leapfrog, thin : int
        HMC window-adaptation steps, leapfrog steps per trajectory, steps between samples.
    initial_position : array_like, optional
        Start of the chain (default zeros).

    Examples
    --------
    >>> from thermoinfo.systems.phi4 import GaussianPowerModel
    >>> model = GaussianPowerModel(20, 10.0)   # saddle point at z = -2.76i
    >>> s = sample_path(lambda z: model.action(z[0]), 1, 4000, params={"A": [[0.0]], "b": [-2.76]}, rng=1)
    >>> r = reweight(s, s.z[:, 0] ** 2)
    >>> bool(abs(r.phase_factor) > 0.99), bool(abs(r.value - model.exact().second_moment) < 4 * r.stderr)
    (True, True)
    """
    import jax
    import jax.numpy as jnp

    n = check_positive_int(n_variables, "n_variables")
    n_samples = check_positive_int(n_samples, "n_samples")
    n_warmup = check_positive_int(n_warmup, "n_warmup")
    p = _check_params(params, n)
    # LAPACK (the slogdet of the Jacobian inside the compiled HMC and training steps)
    # on one thread: for 2V up to a few hundred, OpenBLAS's pool costs milliseconds per
    # call on a busy machine, against about 0.1 ms for the 32 x 32 complex slogdet
    with jax.enable_x64(True), one_blas_thread():
        key = jax.random.key(int(as_rng(rng).integers(0, 2 ** 31 - 1)))
        pos = jnp.zeros(n) if initial_position is None else jnp.asarray(np.asarray(initial_position, float))
        compiled = _compiled(action, n_samples, n_leapfrog, thin, n_warmup)
        jp = _as_jax_params(p)
        c = _as_couplings(couplings)
        pos, step, inv_mass = compiled["adapt"](jp, c, pos, jax.random.fold_in(key, _FOLD_ADAPT))
        _, ts, z, theta, acc = compiled["chain"](jp, c, pos, jax.random.fold_in(key, _FOLD_SAMPLE),
                                                 step, inv_mass)
        return PathSamples(np.asarray(ts), np.asarray(z), np.asarray(theta), float(np.mean(acc)), float(step))


@dataclass(frozen=True)
class TrainingStep:
    """One epoch of path training: the phase factor |<e^{i theta}>| and HMC
    acceptance of the samples drawn on the path before the update."""

    epoch: int
    phase_factor: float
    acceptance_rate: float


class PathOptimization:
    """Learn a contour that maximizes the average phase factor, alternating HMC
    sampling and optax steps.

    Parameters
    ----------
    action : callable
        Holomorphic, JAX-traceable S(z) of a complex vector of length ``n_variables``
        (S(z, couplings) when ``couplings`` is given).
    n_variables : int
    path : {"neural", "affine"}
        Contour family.
    n_hidden : int
        Hidden tanh units of the neural path.
    n_epochs : int
        Sampling/training alternations.
    samples_per_epoch : int
        HMC samples per epoch (the gradient's Monte Carlo average).
    learning_rate : float
        Adam learning rate (optax).
    n_warmup, n_leapfrog, thin : int
        HMC window-adaptation steps, leapfrog steps, steps between samples.
    adapt_every : int
        Epochs between window adaptations of step size and mass matrix to the
        current contour (the first is on the starting contour).
    initial_params : mapping, optional
        Starting path parameters (default: the real plane).
    checkpoint : path, optional
        ``.npz`` file written every ``checkpoint_every`` epochs and at the end;
        ``fit`` resumes from it when it exists, to the same numbers.
    checkpoint_every : int
    couplings : array or pytree, optional
        Second argument of ``action``.
    progress : bool
        Show a tqdm progress bar.
    rng : seed or Generator, optional

    Attributes
    ----------
    params_ : dict of ndarray
        Learned path parameters.
    history_ : dict of ndarray
        ``phase_factor`` and ``acceptance_rate`` per epoch.
    step_size_, inverse_mass_matrix_ : HMC parameters from the adaptation.
    position_ : ndarray
        Last chain position.

    Examples
    --------
    >>> from thermoinfo.systems.phi4 import GaussianPowerModel
    >>> model = GaussianPowerModel(20, 10.0)     # phase factor 0.079 on the real line
    >>> opt = PathOptimization(lambda z: model.action(z[0]), 1, n_hidden=4, n_epochs=40,
    ...                        samples_per_epoch=64, learning_rate=0.05, rng=0).fit()
    >>> bool(opt.history_["phase_factor"][-10:].mean() > 0.9)
    True
    """

    def __init__(self, action: Callable[[Any], Any], n_variables: int, *, path: str = "neural",
                 n_hidden: int = 8, n_epochs: int = 100, samples_per_epoch: int = 64,
                 learning_rate: float = 0.01, n_warmup: int = 200, n_leapfrog: int = 10, thin: int = 1,
                 initial_params: Any = None, checkpoint: str | os.PathLike | None = None,
                 checkpoint_every: int = 10, adapt_every: int = 10, couplings: Any = None,
                 progress: bool = False, rng: Any = None):
        self.action = action
        self.n_variables = n_variables
        self.path = path
        self.n_hidden = n_hidden
        self.n_epochs = n_epochs
        self.samples_per_epoch = samples_per_epoch
        self.learning_rate = learning_rate
        self.n_warmup = n_warmup
        self.n_leapfrog = n_leapfrog
        self.thin = thin
        self.initial_params = initial_params
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        self.adapt_every = adapt_every
        self.couplings = couplings
        self.progress = progress
        self.rng = rng

    def _check(self) -> None:
        if not callable(self.action):
            raise TypeError(f"action must be callable (got {type(self.action).__name__})")
        check_positive_int(self.n_variables, "n_variables")
        if self.path not in ("neural", "affine"):
            raise ValueError(f"path must be 'neural' or 'affine' (got {self.path!r})")
        check_positive_int(self.n_hidden, "n_hidden")
        check_positive_int(self.n_epochs, "n_epochs", minimum=0)
        check_positive_int(self.samples_per_epoch, "samples_per_epoch", minimum=2)
        check_positive(self.learning_rate, "learning_rate")
        check_positive_int(self.n_warmup, "n_warmup")
        check_positive_int(self.n_leapfrog, "n_leapfrog")
        check_positive_int(self.thin, "thin")
        check_positive_int(self.checkpoint_every, "checkpoint_every")
        check_positive_int(self.adapt_every, "adapt_every")

    def train(self) -> Iterator[TrainingStep]:
        """Generator of the training epochs (``fit`` drains it); fitted attributes are
        updated after every epoch."""
        import jax
        import jax.numpy as jnp

        self._check()
        n = self.n_variables
        with jax.enable_x64(True):
            compiled = _compiled(self.action, self.samples_per_epoch, self.n_leapfrog, self.thin,
                                 self.n_warmup, float(self.learning_rate))
            optimizer = compiled["optimizer"]
            c = _as_couplings(self.couplings)
            state = self._load() if self.checkpoint is not None and Path(self.checkpoint).exists() else None
            if state is None:
                g = as_rng(self.rng)
                seed = int(g.integers(0, 2 ** 31 - 1))
                if self.initial_params is not None:
                    params = _check_params(self.initial_params, n)
                elif self.path == "neural":
                    params = init_neural(n, self.n_hidden, g)
                else:
                    params = init_affine(n)
                key = jax.random.key(seed)
                jp = _as_jax_params(params)
                with one_blas_thread():
                    pos, step, inv_mass = jax.block_until_ready(compiled["adapt"](
                        jp, c, jnp.zeros(n), jax.random.fold_in(key, _FOLD_ADAPT)))
                opt_state = optimizer.init(jp)
                state = {"seed": seed, "epoch": 0, "params": jp, "opt_state": opt_state, "position": pos,
                         "step_size": step, "inverse_mass_matrix": inv_mass,
                         "phase_factor": np.zeros(0), "acceptance_rate": np.zeros(0)}
            else:
                state["opt_state"] = jax.tree_util.tree_unflatten(
                    jax.tree_util.tree_structure(optimizer.init(state["params"])), state["opt_state"])
            key = jax.random.key(state["seed"])
            self._publish(state)
            while state["epoch"] < self.n_epochs:
                epoch = state["epoch"]
                with one_blas_thread():
                    if epoch > 0 and epoch % self.adapt_every == 0:
                        adapted = compiled["adapt"](state["params"], c, state["position"],
                                                    jax.random.fold_in(key, _FOLD_ADAPT + epoch))
                        state["position"], state["step_size"], state["inverse_mass_matrix"] = adapted
                    pos, ts, _, theta, acc = compiled["chain"](
                        state["params"], c, state["position"], jax.random.fold_in(key, epoch),
                        state["step_size"], state["inverse_mass_matrix"])
                    params, opt_state = jax.block_until_ready(
                        compiled["update"](state["params"], state["opt_state"], c, ts))
                leaves = jax.tree_util.tree_leaves(params)
                if not all(bool(jnp.all(jnp.isfinite(v))) for v in leaves):
                    from thermoinfo._errors import NonFiniteParameterError

                    raise NonFiniteParameterError(
                        f"path parameters became non-finite at epoch {epoch}; lower learning_rate")
                pf = float(jnp.abs(jnp.mean(jnp.exp(1j * theta))))
                state.update(epoch=epoch + 1, params=params, opt_state=opt_state, position=pos,
                             phase_factor=np.append(state["phase_factor"], pf),
                             acceptance_rate=np.append(state["acceptance_rate"], float(jnp.mean(acc))))
                self._publish(state)
                if self.checkpoint is not None and (
                        state["epoch"] % self.checkpoint_every == 0 or state["epoch"] == self.n_epochs):
                    self._save(state)
                yield TrainingStep(epoch, pf, float(jnp.mean(acc)))

    def fit(self) -> PathOptimization:
        """Train the contour; returns self."""
        from tqdm.auto import tqdm

        steps = self.train()
        with tqdm(total=self.n_epochs, disable=not self.progress, desc="path optimization") as bar:
            for step in steps:
                bar.update(1)
                bar.set_postfix(phase_factor=f"{step.phase_factor:.3f}",
                                acceptance=f"{step.acceptance_rate:.2f}")
        return self

    def sample(self, n_samples: int, *, rng: Any = None, n_warmup: int | None = None) -> PathSamples:
        """HMC samples on the learned contour (fresh window adaptation)."""
        if not hasattr(self, "params_"):
            raise ValueError("sample needs a fitted path: call fit() first")
        return sample_path(self.action, self.n_variables, n_samples, params=self.params_,
                           couplings=self.couplings, rng=rng,
                           n_warmup=self.n_warmup if n_warmup is None else n_warmup,
                           n_leapfrog=self.n_leapfrog, thin=self.thin, initial_position=self.position_)

    def _publish(self, state: dict[str, Any]) -> None:
        self.params_ = {k: np.asarray(v) for k, v in state["params"].items()}
        self.history_ = {"phase_factor": np.asarray(state["phase_factor"]),
                         "acceptance_rate": np.asarray(state["acceptance_rate"])}
        self.step_size_ = float(state["step_size"])
        self.inverse_mass_matrix_ = np.asarray(state["inverse_mass_matrix"])
        self.position_ = np.asarray(state["position"])
        self.epoch_ = int(state["epoch"])

    def _save(self, state: dict[str, Any]) -> None:
        import jax

        path_ = Path(self.checkpoint)
        arrays = {f"param_{k}": np.asarray(v) for k, v in state["params"].items()}
        for i, leaf in enumerate(jax.tree_util.tree_leaves(state["opt_state"])):
            arrays[f"opt_{i:04d}"] = np.asarray(leaf)
        arrays.update(
            format=np.array("thermoinfo.path_optimization/1"), seed=np.array(state["seed"]),
            epoch=np.array(state["epoch"]), position=np.asarray(state["position"]),
            step_size=np.asarray(state["step_size"]),
            inverse_mass_matrix=np.asarray(state["inverse_mass_matrix"]),
            phase_factor=np.asarray(state["phase_factor"]),
            acceptance_rate=np.asarray(state["acceptance_rate"]),
            n_variables=np.array(self.n_variables), path=np.array(self.path),
        )
        path_.parent.mkdir(parents=True, exist_ok=True)
        tmp = path_.with_name(path_.name + ".part")
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        tmp.replace(path_)

    def _load(self) -> dict[str, Any]:
        import jax.numpy as jnp

        path_ = Path(self.checkpoint)
        try:
            with np.load(path_, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except Exception as exc:
            raise ValueError(
                f"checkpoint {path_}: not a readable path-optimization checkpoint ({exc})") from exc
        if str(arrays.get("format", "")) != "thermoinfo.path_optimization/1":
            raise ValueError(f"checkpoint {path_}: not a path-optimization checkpoint (no format tag)")
        if int(arrays["n_variables"]) != self.n_variables or str(arrays["path"]) != self.path:
            raise ValueError(f"checkpoint {path_}: written for n_variables={int(arrays['n_variables'])}, "
                             f"path={str(arrays['path'])!r}, not {self.n_variables}, {self.path!r}")
        params = {k[len("param_"):]: jnp.asarray(v) for k, v in arrays.items() if k.startswith("param_")}
        opt = [jnp.asarray(arrays[k]) for k in sorted(k for k in arrays if k.startswith("opt_"))]
        return {"seed": int(arrays["seed"]), "epoch": int(arrays["epoch"]), "params": params,
                "opt_state": opt,
                "position": jnp.asarray(arrays["position"]), "step_size": jnp.asarray(arrays["step_size"]),
                "inverse_mass_matrix": jnp.asarray(arrays["inverse_mass_matrix"]),
                "phase_factor": arrays["phase_factor"], "acceptance_rate": arrays["acceptance_rate"]}
