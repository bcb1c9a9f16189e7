"""Weights at a temperature: Langevin, MALA and HMC sampling of
p_beta(theta) ∝ q(theta) exp(-beta E(theta)) through BlackJAX, and the
thermodynamics of the weights along a ladder of inverse temperatures.

With an energy E(theta) = -log p(data|theta) and a normalized base measure (prior)
q(theta), the tempered posterior at beta = 1/T is

    p_beta(theta) = q(theta) exp(-beta E(theta)) / Z(beta),
    Z(beta) = int q(theta) exp(-beta E(theta)) dtheta,   Z(0) = 1,

and (Gao and Chaudhari, arXiv:2002.12406, the weight free energy)

    <E>_beta = -d log Z / d beta,
    d<E>/dbeta = -Var_beta(E),            heat capacity  c(beta) = beta^2 Var_beta(E),
    log Z(beta_K) = -int_0^{beta_K} <E>_b db     (thermodynamic integration).

The integral over a ladder 0 = beta_0 < ... < beta_K uses the cubic Hermite
(corrected trapezoid) rule on each interval [a, b], h = b - a,

    int_a^b <E> db ≈ h/2 (<E>_a + <E>_b) + h^2/12 (Var_b(E) - Var_a(E)),

exact for a cubic <E>(beta), with the measured variances as the derivatives.
The ladders here are of inverse temperatures ``beta``, not of temperatures as in
the models' ``thermodynamics(temperature)``: thermodynamic integration starts at
beta = 0, the infinite temperature no ``temperature`` can name. No function takes
both.

Standard errors of <E> and Var(E) come from the blocked jackknife of
:func:`thermoinfo.sampling.hmc.jackknife` on each chain, and propagate through
the quadrature weights (chains at different beta are independent).

Samplers: BlackJAX's stochastic-gradient Langevin dynamics (SGLD, Welling and Teh
2011; unadjusted, biased at finite step size), its Metropolis-adjusted Langevin
algorithm (MALA), HMC (:mod:`thermoinfo.sampling.hmc`, with a random number of
leapfrog steps per trajectory) and NUTS, the last two with window adaptation.
This module writes the tempered target densities and the scans, not the samplers.

References: M. Welling and Y. W. Teh, ICML 2011 (SGLD); G. O. Roberts and R. L.
Tweedie, Bernoulli 2 (1996) 341 (MALA); A. Gelman and X.-L. Meng, Stat. Sci. 13
(1998) 163 (thermodynamic integration); Y. Gao and P. Chaudhari, arXiv:2002.12406.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from thermoinfo._errors import UnreliableEstimateWarning
from thermoinfo._validation import as_rng, check_positive, check_positive_int

__all__ = [
    "beta_ladder",
    "integrate_log_partition",
    "mala_chain",
    "sample",
    "sgld_chain",
    "tempered_logdensity",
    "thermodynamics",
]



def tempered_logdensity(energy_fn: Callable[[Any], Any], log_prior_fn: Callable[[Any], Any] | None,
                        beta: Any) -> Callable[[Any], Any]:
    """theta -> log q(theta) - beta E(theta) (JAX-traceable when the inputs are).

    Examples
    --------
    >>> f = tempered_logdensity(lambda t: t ** 2, lambda t: -t, 0.5)
    >>> f(2.0)
    -4.0
    """
    def logdensity(theta: Any) -> Any:
        base = 0.0 if log_prior_fn is None else log_prior_fn(theta)
        return base - beta * energy_fn(theta)

    return logdensity


def mala_chain(logdensity_fn: Callable[[Any], Any], position: Any, key: Any, n_samples: int, *,
               step_size: Any, thin: int = 1) -> tuple[Any, Any]:
    """BlackJAX MALA for ``n_samples * thin`` steps from ``position`` (pure, jittable).

    Returns
    -------
    samples (n_samples, ...), acceptance_rate (n_samples,)
    """
    import blackjax
    import jax

    kernel = blackjax.mala(logdensity_fn, step_size)

    def one(state: Any, k: Any) -> tuple[Any, Any]:
        state, info = kernel.step(k, state)
        return state, info.acceptance_rate

    def thinned(state: Any, k: Any) -> tuple[Any, tuple[Any, Any]]:
        state, acc = jax.lax.scan(one, state, jax.random.split(k, thin))
        return state, (state.position, acc.mean())

    _, (samples, acceptance) = jax.lax.scan(thinned, kernel.init(position), jax.random.split(key, n_samples))
    return samples, acceptance


def sgld_chain(grad_logdensity_fn: Callable[[Any, Any], Any], position: Any, key: Any,
               batches: Any, *, step_size: Any, temperature: Any = 1.0) -> Any:
    """BlackJAX SGLD over ``batches`` (one minibatch per step, leading axis = steps).

    ``grad_logdensity_fn(theta, minibatch)`` is an unbiased estimate of the
    gradient of the log target; each step is theta <- theta + eps grad +
    sqrt(2 eps T) xi. Pure and jittable.

    Returns
    -------
    samples (n_steps, ...)
    """
    import blackjax
    import jax

    kernel = blackjax.sgld(grad_logdensity_fn)

    def one(theta: Any, inputs: Any) -> tuple[Any, Any]:
        k, batch = inputs
        theta = kernel.step(k, theta, batch, step_size, temperature)
        return theta, theta

    n_steps = jax.tree_util.tree_leaves(batches)[0].shape[0]
    _, samples = jax.lax.scan(one, kernel.init(position), (jax.random.split(key, n_steps), batches))
    return samples


def sample(logdensity_fn: Callable[[Any], Any], initial_position: Any, n_samples: int, *,
           method: str = "hmc", rng: Any = None, step_size: float | None = None, n_warmup: int = 300,
           n_leapfrog: int = 10, thin: int = 1) -> np.ndarray:
    """Samples of exp(logdensity_fn) over real vectors by HMC (window-adapted) or MALA.

    Parameters
    ----------
    logdensity_fn : callable
        JAX-traceable log-density of a 1-D vector.
    method : {"hmc", "mala"}
        HMC delegates to :func:`thermoinfo.sampling.hmc.sample`; MALA needs ``step_size``
        and discards the first ``n_warmup`` samples.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> s = sample(lambda t: -0.5 * jnp.sum(t ** 2), [0.0], 4000, method="mala", step_size=1.0, rng=0)
    >>> s.shape, bool(abs(s.var() - 1) < 0.15)
    ((4000, 1), True)
    """
    import jax
    import jax.numpy as jnp

    from thermoinfo.sampling import hmc

    if method not in ("hmc", "mala"):
        raise ValueError(f"method must be 'hmc' or 'mala' (got {method!r}); SGLD is sgld_chain")
    if method == "hmc":
        return hmc.sample(logdensity_fn, initial_position, n_samples, rng=rng, n_warmup=n_warmup,
                          n_leapfrog=n_leapfrog, thin=thin).samples
    if step_size is None:
        raise ValueError("step_size must be given for MALA")
    step = check_positive(step_size, "step_size")
    n_samples = check_positive_int(n_samples, "n_samples")
    n_warmup = check_positive_int(n_warmup, "n_warmup", minimum=0)
    thin = check_positive_int(thin, "thin")
    position = jnp.asarray(np.asarray(initial_position, dtype=float))
    run = jax.jit(lambda pos, k: mala_chain(logdensity_fn, pos, k, n_samples + n_warmup, step_size=step,
                                            thin=thin))
    samples, _ = run(position, hmc.jax_key(rng))
    return np.asarray(samples)[n_warmup:]


def beta_ladder(beta_max: float, n: int, power: float = 3.0) -> np.ndarray:
    """beta_k = beta_max (k / (n - 1))^power, k = 0..n-1: dense near beta = 0, where
    <E> changes fastest.

    Examples
    --------
    >>> beta_ladder(1.0, 3, power=2).tolist()
    [0.0, 0.25, 1.0]
    """
    beta_max = check_positive(beta_max, "beta_max")
    n = check_positive_int(n, "n", minimum=2)
    power = check_positive(power, "power")
    return beta_max * (np.arange(n) / (n - 1)) ** power


def integrate_log_partition(beta: Any, energy: Any, variance: Any, energy_se: Any = None,
                            variance_se: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """log Z(beta_k) = -int_0^{beta_k} <E> db by the cubic Hermite rule, with errors.

    Parameters
    ----------
    beta : array_like (K,)
        Increasing, starting at 0 (where log Z = 0 for a normalized base measure).
    energy, variance : array_like (K,)
        <E> and Var(E) at each beta.
    energy_se, variance_se : array_like (K,), optional
        Their standard errors (independent between betas).

    Returns
    -------
    log_z, log_z_se : ndarray (K,)

    Examples
    --------
    >>> b = np.linspace(0, 2, 5)   # Z(beta) = exp(-beta - beta^2/2): <E> = 1 + beta, Var = 1
    >>> lz, _ = integrate_log_partition(b, 1 + b, np.ones(5))
    >>> bool(np.allclose(lz, -b - b ** 2 / 2))
    True
    """
    b = np.asarray(beta, dtype=np.float64)
    e = np.asarray(energy, dtype=np.float64)
    v = np.asarray(variance, dtype=np.float64)
    if b.ndim != 1 or b.size < 2:
        raise ValueError(f"beta must be a 1-D ladder of at least 2 values (got shape {b.shape})")
    if not np.all(np.isfinite(b)) or b[0] != 0 or np.any(np.diff(b) <= 0):
        raise ValueError("beta must be finite, increasing and start at 0")
    for name, arr in (("energy", e), ("variance", v)):
        if arr.shape != b.shape or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite with one value per beta ({b.size})")
    se_e = np.zeros_like(b) if energy_se is None else np.asarray(energy_se, dtype=np.float64)
    se_v = np.zeros_like(b) if variance_se is None else np.asarray(variance_se, dtype=np.float64)
    h = np.diff(b)
    increments = h / 2 * (e[:-1] + e[1:]) + h ** 2 / 12 * (v[1:] - v[:-1])
    log_z = -np.concatenate([[0.0], np.cumsum(increments)])
    # weight of each <E>_k and Var_k in log Z(beta_K), for every K
    K = b.size
    var = np.zeros(K)
    w_e = np.zeros(K)
    w_v = np.zeros(K)
    for k in range(1, K):
        w_e[k - 1] += h[k - 1] / 2
        w_e[k] += h[k - 1] / 2
        w_v[k - 1] -= h[k - 1] ** 2 / 12
        w_v[k] += h[k - 1] ** 2 / 12
        var[k] = np.sum((w_e * se_e) ** 2 + (w_v * se_v) ** 2)
    return log_z, np.sqrt(var)


def _mala_adapt(logdensity: Callable[[Any], Any], position: Any, key: Any, n_warmup: int,
                target_acceptance: float = 0.574) -> tuple[Any, Any]:
    """MALA warm-up with BlackJAX's dual-averaging step-size adaptation (Hoffman and
    Gelman, arXiv:1111.4246) to the optimal MALA acceptance 0.574 (Roberts and
    Rosenthal 1998): ``(position, step_size)`` (pure, jittable)."""
    import blackjax
    import jax
    import jax.numpy as jnp
    from blackjax.adaptation.step_size import dual_averaging_adaptation

    da_init, da_update, da_final = dual_averaging_adaptation(target_acceptance)

    def one(carry: Any, k: Any) -> tuple[Any, None]:
        state, da = carry
        state, info = blackjax.mala(logdensity, jnp.exp(da.log_step_size)).step(k, state)
        return (state, da_update(da, info.acceptance_rate)), None

    start = blackjax.mala.init(position, logdensity)
    (state, da), _ = jax.lax.scan(one, (start, da_init(0.1)), jax.random.split(key, n_warmup))
    return state.position, da_final(da)


def _nuts_chain(logdensity: Callable[[Any], Any], position: Any, k_adapt: Any, k_run: Any,
                n_samples: int, n_warmup: int, thin: int) -> tuple[Any, Any]:
    """BlackJAX NUTS after its window adaptation (pure, jittable)."""
    import blackjax
    import jax

    warmup = blackjax.window_adaptation(blackjax.nuts, logdensity)
    (state, parameters), _ = warmup.run(k_adapt, position, num_steps=n_warmup)
    kernel = blackjax.nuts(logdensity, **parameters)

    def one(st: Any, k: Any) -> tuple[Any, Any]:
        st, info = kernel.step(k, st)
        return st, info.acceptance_rate

    def thinned(st: Any, k: Any) -> tuple[Any, tuple[Any, Any]]:
        st, acc = jax.lax.scan(one, st, jax.random.split(k, thin))
        return st, (st.position, acc.mean())

    _, (samples, acc) = jax.lax.scan(thinned, state, jax.random.split(k_run, n_samples))
    return samples, acc


def thermodynamics(energy_fn: Callable[[Any], Any], initial_position: Any, beta: Any, n_samples: int, *,
                   log_prior_fn: Callable[[Any], Any] | None = None, method: str = "nuts",
                   step_size: Any = None, n_warmup: int = 300, thin: int = 1, n_blocks: int = 20,
                   n_leapfrog: int = 10, rng: Any = None) -> Any:
    """<E>, heat capacity and log Z of p_beta ∝ q exp(-beta E) along a ladder of beta.

    One chain per beta, all run in one jit-compiled program (``jax.vmap`` over
    beta). NUTS and HMC adapt their step size and mass matrix per beta (BlackJAX
    window adaptation); MALA uses ``step_size`` (a scalar or one per beta) or, when
    it is None, adapts it per beta over the ``n_warmup`` steps (dual averaging to an
    acceptance of 0.574).

    Parameters
    ----------
    energy_fn : callable
        E(theta), JAX-traceable, of a 1-D real vector.
    initial_position : array_like (n_dim,)
    beta : array_like (K,)
        Increasing inverse temperatures starting at 0 (:func:`beta_ladder`); at 0 the
        chain samples q, which must then be a proper normalized density.
    n_samples : int
        Samples per beta after warm-up.
    log_prior_fn : callable
        log q(theta), normalized (so that log Z(0) = 0); required.
    method : {"nuts", "hmc", "mala"}
        NUTS (BlackJAX, window adaptation; no fixed trajectory length, which on
        near-Gaussian targets makes plain HMC nearly periodic), HMC (window
        adaptation, then a number of leapfrog steps drawn per trajectory from
        1..2 ``n_leapfrog`` - 1, which breaks that periodicity) or MALA.
    n_leapfrog : int
        Mean number of leapfrog steps of HMC.
    rng : seed or Generator

    Returns
    -------
    xarray.Dataset over ``beta``: ``energy`` (<E>), ``variance``, ``heat_capacity``
    (beta^2 Var E), ``log_z`` (by thermodynamic integration), each with ``*_se``,
    and ``ess`` (effective sample size of E) and ``acceptance_rate``.

    Warns
    -----
    UnreliableEstimateWarning
        Where the effective sample size of E is below 50.
    """
    import jax
    import jax.numpy as jnp
    import xarray as xr

    from thermoinfo._attrs import variable_attrs
    from thermoinfo.sampling import hmc

    if method not in ("nuts", "hmc", "mala"):
        raise ValueError(f"method must be 'nuts', 'hmc' or 'mala' (got {method!r})")
    if log_prior_fn is None:
        raise ValueError("log_prior_fn must be given: log Z(0) = 0 needs a normalized base measure q")
    betas = np.asarray(beta, dtype=np.float64)
    if betas.ndim != 1 or betas.size < 2 or betas[0] != 0 or np.any(np.diff(betas) <= 0) \
            or not np.all(np.isfinite(betas)):
        raise ValueError("beta must be a finite increasing 1-D ladder starting at 0 (see beta_ladder)")
    n_samples = check_positive_int(n_samples, "n_samples")
    n_warmup = check_positive_int(n_warmup, "n_warmup", minimum=0)
    thin = check_positive_int(thin, "thin")
    n_leapfrog = check_positive_int(n_leapfrog, "n_leapfrog")
    adapt_mala = method == "mala" and step_size is None
    if adapt_mala and n_warmup == 0:
        raise ValueError("n_warmup must be > 0 for MALA without step_size (the step size is adapted)")
    if method == "mala" and not adapt_mala:
        step_arr = np.broadcast_to(np.asarray(step_size, dtype=np.float64), betas.shape)
        if not np.all(np.isfinite(step_arr)) or np.any(step_arr <= 0):
            raise ValueError(f"step_size must be > 0 and finite, a scalar or one per beta "
                             f"(got {step_size!r})")
    elif n_warmup == 0:
        raise ValueError(f"n_warmup must be > 0 for {method.upper()} (step size and mass matrix are "
                         "adapted)")
    position = jnp.asarray(np.asarray(initial_position, dtype=float))
    if position.ndim != 1:
        raise ValueError(f"initial_position must be a 1-D vector (got shape {position.shape})")
    gen = as_rng(rng)
    keys = jax.random.split(hmc.jax_key(gen), betas.size)

    steps = jnp.asarray(step_arr if method == "mala" and not adapt_mala else np.zeros(betas.shape))

    def one(b: Any, key: Any, eps: Any) -> tuple[Any, Any]:
        logdensity = tempered_logdensity(energy_fn, log_prior_fn, b)
        k_adapt, k_run = jax.random.split(key)
        if method == "nuts":
            samples, acc = _nuts_chain(logdensity, position, k_adapt, k_run, n_samples, n_warmup, thin)
        elif method == "hmc":
            start, step, inv_mass = hmc.adapt(logdensity, position, k_adapt, n_warmup=n_warmup,
                                              n_leapfrog=n_leapfrog)
            _, samples, acc = hmc.chain(logdensity, start, k_run, n_samples, step_size=step,
                                        inverse_mass_matrix=inv_mass, n_leapfrog=n_leapfrog, thin=thin,
                                        random_length=True)
        elif adapt_mala:
            start, eps = _mala_adapt(logdensity, position, k_adapt, n_warmup)
            samples, acc = mala_chain(logdensity, start, k_run, n_samples, step_size=eps, thin=thin)
        else:
            samples, acc = mala_chain(logdensity, position, k_run, n_samples + n_warmup,
                                      step_size=eps, thin=thin)
            samples, acc = samples[n_warmup:], acc[n_warmup:]
        return jax.vmap(energy_fn)(samples), acc.mean()

    energies, acceptance = jax.jit(jax.vmap(one))(jnp.asarray(betas), keys, steps)
    energies = np.asarray(energies, dtype=np.float64)
    K = betas.size
    mean_e, se_e, var_e, se_v, ess = (np.zeros(K) for _ in range(5))
    for k in range(K):
        series = energies[k]
        mean_e[k], se_e[k] = hmc.jackknife(lambda a: a, series, n_blocks=n_blocks)
        var_e[k], se_v[k] = hmc.jackknife(lambda a, a2: a2 - a ** 2, series, series ** 2, n_blocks=n_blocks)
        ess[k] = hmc.effective_sample_size(series)
    poor = ess < 50
    if np.any(poor):
        warnings.warn(f"effective sample size of E below 50 at beta = {betas[poor].tolist()}; the error "
                      "bars there are not reliable (run longer chains)", UnreliableEstimateWarning,
                      stacklevel=2)
    log_z, log_z_se = integrate_log_partition(betas, mean_e, var_e, se_e, se_v)
    data = {
        "energy": (("beta",), mean_e, variable_attrs("mean energy <E>")),
        "energy_se": (("beta",), se_e, variable_attrs("standard error of <E>")),
        "variance": (("beta",), var_e, variable_attrs("variance of E", units="nat2")),
        "variance_se": (("beta",), se_v, variable_attrs("standard error of Var E", units="nat2")),
        "heat_capacity": (("beta",), betas ** 2 * var_e, variable_attrs("heat capacity beta^2 Var E",
                                                                        units="1")),
        "heat_capacity_se": (("beta",), betas ** 2 * se_v, variable_attrs("standard error of the heat "
                                                                          "capacity", units="1")),
        "log_z": (("beta",), log_z, variable_attrs("log partition function (thermodynamic integration)")),
        "log_z_se": (("beta",), log_z_se, variable_attrs("standard error of log Z")),
        "ess": (("beta",), ess, variable_attrs("effective sample size of E", units="1")),
        "acceptance_rate": (("beta",), np.asarray(acceptance, dtype=np.float64),
                            variable_attrs("mean acceptance probability", units="1")),
    }
    ds = xr.Dataset(data, coords={"beta": ("beta", betas, variable_attrs("inverse temperature",
                                                                         units="1/nat"))})
    ds.attrs.update({"method": method, "n_samples": n_samples, "references":
                     "A. Gelman and X.-L. Meng, Stat. Sci. 13 (1998) 163; Y. Gao and P. Chaudhari, "
                     "arXiv:2002.12406"})
    return ds
