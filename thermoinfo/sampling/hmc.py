"""Hamiltonian Monte Carlo on real parameters through BlackJAX, and the error
analysis of its chains.

The sampler is BlackJAX's HMC kernel (leapfrog integration of
H(t, p) = -log pi(t) + p^T M^{-1} p / 2 followed by a Metropolis test); step size
and diagonal inverse mass matrix M^{-1} come from BlackJAX's Stan-style window
adaptation. A fixed trajectory length T = L eps is resonant on near-Gaussian
targets: on a mode of frequency w with w T = pi every trajectory maps t -> -t
whatever the momentum, and the chain never mixes. :func:`sample` therefore uses
BlackJAX's dynamic HMC, which draws each trajectory's number of leapfrog steps
uniformly from 1..2L - 1 (mean L; P. B. Mackenzie, Phys. Lett. B 226, 369 (1989)),
besides jittering the step size. This module only writes the loops (``jax.lax.scan``) and turns the
caller's ``rng`` into JAX keys: the target log-density is the caller's.

Errors of averages over a chain come from the jackknife over B contiguous blocks:
with theta_b the statistic on all blocks but b,

    se^2 = (B - 1)/B sum_b (theta_b - mean_b theta_b)^2,

which holds for nonlinear statistics such as the reweighting ratio
<O e^{i theta}> / <e^{i theta}> and, for blocks longer than the autocorrelation
time, for correlated samples. The effective sample size is BlackJAX's
(Geyer's initial monotone sequence, as in Stan).

References: S. Duane, A. D. Kennedy, B. J. Pendleton and D. Roweth, Phys. Lett. B
195, 216 (1987); M. D. Hoffman and A. Gelman, arXiv:1111.4246 (window adaptation);
B. Efron, The Jackknife, the Bootstrap and Other Resampling Plans (1982).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from thermoinfo._validation import as_rng, check_positive, check_positive_int

__all__ = [
    "HMCResult",
    "adapt",
    "chain",
    "effective_sample_size",
    "jackknife",
    "jax_key",
    "sample",
]


def jax_key(rng: Any) -> Any:
    """A JAX PRNG key drawn from ``rng`` (anything ``np.random.default_rng`` accepts)."""
    import jax

    return jax.random.key(int(as_rng(rng).integers(0, 2 ** 31 - 1)))


def adapt(logdensity_fn: Callable[[Any], Any], position: Any, key: Any, *, n_warmup: int,
          n_leapfrog: int, target_acceptance: float = 0.8) -> tuple[Any, Any, Any]:
    """BlackJAX window adaptation of HMC: ``(position, step_size, inverse_mass_matrix)``.

    Pure and jittable (``n_warmup`` and ``n_leapfrog`` static).
    """
    import blackjax

    warmup = blackjax.window_adaptation(blackjax.hmc, logdensity_fn, num_integration_steps=n_leapfrog,
                                        target_acceptance_rate=target_acceptance)
    (state, parameters), _ = warmup.run(key, position, num_steps=n_warmup)
    return state.position, parameters["step_size"], parameters["inverse_mass_matrix"]


def chain(logdensity_fn: Callable[[Any], Any], position: Any, key: Any, n_samples: int, *,
          step_size: Any, inverse_mass_matrix: Any, n_leapfrog: int, thin: int = 1,
          jitter: float = 0.2, random_length: bool = False) -> tuple[Any, Any, Any]:
    """Run BlackJAX HMC for ``n_samples * thin`` steps from ``position``.

    Each trajectory draws its step size uniformly from
    ``step_size * [1 - jitter, 1 + jitter]``, which breaks the resonances of a
    fixed trajectory length with near-harmonic modes (each step is still an exact
    Metropolis-corrected HMC step). With ``random_length`` the number of leapfrog
    steps is drawn too, uniformly from 1..2 ``n_leapfrog`` - 1 (BlackJAX's dynamic
    HMC), which breaks them for every mode. Pure and jittable (``n_samples``,
    ``n_leapfrog``, ``thin``, ``random_length`` static).

    Returns
    -------
    final_position, samples (n_samples, *position.shape), acceptance_rate (n_samples,)
    """
    import blackjax
    import jax
    from blackjax.mcmc import dynamic_hmc

    if random_length:
        dynamic_kernel = dynamic_hmc.build_kernel(
            integration_steps_fn=lambda k: jax.random.randint(k, (), 1, 2 * n_leapfrog))
        key, key_lengths = jax.random.split(key)
        initial = dynamic_hmc.init(position, logdensity_fn, key_lengths)

        def move(k: Any, state: Any, step: Any) -> tuple[Any, Any]:
            return dynamic_kernel(k, state, logdensity_fn, step, inverse_mass_matrix)
    else:
        initial = blackjax.hmc.init(position, logdensity_fn)

        def move(k: Any, state: Any, step: Any) -> tuple[Any, Any]:
            return blackjax.hmc(logdensity_fn, step, inverse_mass_matrix, n_leapfrog).step(k, state)

    def one(state: Any, k: Any) -> tuple[Any, Any]:
        k_step, k_move = jax.random.split(k)
        step = step_size * (1.0 + jitter * jax.random.uniform(k_step, minval=-1.0, maxval=1.0))
        state, info = move(k_move, state, step)
        return state, info.acceptance_rate

    def thinned(state: Any, k: Any) -> tuple[Any, tuple[Any, Any]]:
        state, acc = jax.lax.scan(one, state, jax.random.split(k, thin))
        return state, (state.position, acc.mean())

    state, (samples, acceptance) = jax.lax.scan(thinned, initial, jax.random.split(key, n_samples))
    return state.position, samples, acceptance


@dataclass(frozen=True)
class HMCResult:
    """Samples of one HMC chain.

    Attributes
    ----------
    samples : ndarray (n_samples, n_dim)
    acceptance_rate : float
        Mean Metropolis acceptance probability after warm-up.
    step_size : float
    inverse_mass_matrix : ndarray (n_dim,)
    """

    samples: np.ndarray
    acceptance_rate: float
    step_size: float
    inverse_mass_matrix: np.ndarray


def sample(logdensity_fn: Callable[[Any], Any], initial_position: Any, n_samples: int, *,
           rng: Any = None, n_warmup: int = 300, n_leapfrog: int = 10, thin: int = 1,
           step_size: float | None = None, inverse_mass_matrix: Any = None,
           random_length: bool = True, jitter: float = 0.2) -> HMCResult:
    """Sample ``exp(logdensity_fn(t))`` over real vectors t with BlackJAX HMC.

    Parameters
    ----------
    logdensity_fn : callable
        JAX-traceable log-density (up to a constant) of a 1-D real vector.
    initial_position : array_like (n_dim,)
    n_samples : int
        Samples kept (after warm-up, every ``thin``-th step).
    rng : seed or Generator, optional
    n_warmup : int
        Window-adaptation steps; 0 needs ``step_size`` (and uses a unit mass matrix
        unless ``inverse_mass_matrix`` is given).
    n_leapfrog : int
        Leapfrog steps per trajectory (the mean with ``random_length``).
    thin : int
        Steps between kept samples.
    step_size, inverse_mass_matrix : optional
        Fixed values; given together with ``n_warmup = 0``.
    random_length : bool
        Draw each trajectory's number of leapfrog steps from 1..2 ``n_leapfrog`` - 1
        (dynamic HMC); False keeps it fixed, which can be resonant (see the module
        docstring).
    jitter : float
        Relative half-width of the uniform jitter of the step size, in [0, 1).

    Returns
    -------
    HMCResult

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> res = sample(lambda t: -0.5 * jnp.sum(t ** 2 / jnp.array([1.0, 4.0])), [0.0, 0.0], 2000,
    ...              rng=0, n_warmup=200)
    >>> res.samples.shape
    (2000, 2)
    >>> bool(np.all(np.abs(res.samples.var(axis=0) / [1.0, 4.0] - 1) < 0.2))
    True
    """
    import jax
    import jax.numpy as jnp

    n_samples = check_positive_int(n_samples, "n_samples")
    n_warmup = check_positive_int(n_warmup, "n_warmup", minimum=0)
    n_leapfrog = check_positive_int(n_leapfrog, "n_leapfrog")
    thin = check_positive_int(thin, "thin")
    if not isinstance(random_length, (bool, np.bool_)):
        raise TypeError(f"random_length must be True or False (got {random_length!r})")
    if not (isinstance(jitter, (int, float, np.floating)) and 0 <= jitter < 1):
        raise ValueError(f"jitter must be a number in [0, 1) (got {jitter!r})")
    position = jnp.asarray(np.asarray(initial_position, dtype=float))
    if position.ndim != 1:
        raise ValueError(f"initial_position must be a 1-D vector (got shape {position.shape})")
    if n_warmup == 0:
        if step_size is None:
            raise ValueError("step_size must be given when n_warmup = 0 (no adaptation)")
        step = check_positive(step_size, "step_size")
        inv_mass = (jnp.ones_like(position) if inverse_mass_matrix is None
                    else jnp.asarray(np.asarray(inverse_mass_matrix, dtype=float)))
    key_adapt, key_run = jax.random.split(jax_key(rng))
    adapt_fn, run = _jitted(logdensity_fn, n_samples, n_warmup, n_leapfrog, thin, bool(random_length),
                            float(jitter))
    if n_warmup > 0:
        position, step, inv_mass = adapt_fn(position, key_adapt)
    _, samples, acceptance = run(position, key_run, step, inv_mass)
    return HMCResult(np.asarray(samples), float(np.mean(acceptance)), float(step), np.asarray(inv_mass))


@functools.lru_cache(maxsize=16)
def _jitted(logdensity_fn: Callable[[Any], Any], n_samples: int, n_warmup: int, n_leapfrog: int,
            thin: int, random_length: bool, jitter: float) -> tuple[Any, Any]:
    """Compiled adaptation and chain, cached per log-density function and sizes."""
    import jax

    adapt_fn = jax.jit(lambda pos, k: adapt(logdensity_fn, pos, k, n_warmup=max(n_warmup, 1),
                                            n_leapfrog=n_leapfrog))
    run = jax.jit(lambda pos, k, s, im: chain(logdensity_fn, pos, k, n_samples, step_size=s,
                                              inverse_mass_matrix=im, n_leapfrog=n_leapfrog, thin=thin,
                                              jitter=jitter, random_length=random_length))
    return adapt_fn, run


def jackknife(statistic: Callable[..., Any], *series: Any, n_blocks: int = 20) -> tuple[Any, Any]:
    """Value and blocked-jackknife standard error of ``statistic(*means)``.

    Parameters
    ----------
    statistic : callable
        Function of the sample means of each series (e.g. ``lambda a, b: a / b``).
    *series : array_like (n_samples,)
        Time series of one chain, real or complex, all the same length.
    n_blocks : int
        Contiguous blocks B (>= 2); each should be longer than the autocorrelation
        time.

    Returns
    -------
    value, standard_error
        ``statistic`` of the full means; the jackknife error (for complex values,
        sqrt of the summed variances of the real and imaginary parts).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=10_000)
    >>> value, se = jackknife(lambda a: a, x)
    >>> bool(abs(se - 0.01) < 0.003)
    True
    """
    n_blocks = check_positive_int(n_blocks, "n_blocks", minimum=2)
    arrays = [np.asarray(s) for s in series]
    if not arrays:
        raise ValueError("series must hold at least one time series")
    n = arrays[0].shape[0]
    if any(a.ndim != 1 or a.shape[0] != n for a in arrays):
        raise ValueError("series must be 1-D time series of equal length")
    if n < n_blocks:
        raise ValueError(f"n_blocks must be <= the number of samples ({n}) (got {n_blocks})")
    usable = n - n % n_blocks
    blocks = [a[:usable].reshape(n_blocks, -1).mean(axis=1) for a in arrays]
    totals = [b.sum() for b in blocks]
    leave_out = [np.asarray(statistic(*[(t - b[i]) / (n_blocks - 1) for t, b in zip(totals, blocks)]))
                 for i in range(n_blocks)]
    leave_out = np.stack(leave_out)
    dev = leave_out - leave_out.mean(axis=0)
    var = (n_blocks - 1) / n_blocks * np.sum(np.abs(dev) ** 2, axis=0)
    value = statistic(*[a[:usable].mean() for a in arrays])
    return value, np.sqrt(var)


def effective_sample_size(x: Any) -> float:
    """Effective sample size of one chain's time series (BlackJAX's estimator;
    the smaller of the real and imaginary parts for complex series).

    Examples
    --------
    >>> x = np.random.default_rng(1).normal(size=4000)
    >>> bool(3000 < effective_sample_size(x) < 5000)
    True
    """
    import blackjax

    x = np.asarray(x)
    if x.ndim != 1 or x.shape[0] < 8:
        raise ValueError(f"x must be a 1-D series of at least 8 samples (got shape {x.shape})")
    parts = [x.real, x.imag] if np.iscomplexobj(x) else [x]
    values = []
    for part in parts:
        if np.ptp(part) == 0:
            continue
        # two half-chains: BlackJAX's estimator is defined over chains
        half = part[: 2 * (part.shape[0] // 2)].reshape(2, -1)
        values.append(float(blackjax.ess(half, chain_axis=0, sample_axis=1)))
    return min(values) if values else float(x.shape[0])


def _warn_if_poor(ess: float, n: int, what: str) -> None:
    if ess < 50:
        warnings.warn(f"{what}: effective sample size {ess:.0f} of {n} samples; the error bar is "
                      "not reliable (run longer chains or thin)", UserWarning, stacklevel=3)
