"""Checkerboard Metropolis for the 2D Ising model in JAX (jit, lax.scan, vmap over chains).

Model: H(s) = -J sum_<ij> s_i s_j - H sum_i s_i on a periodic L x L lattice,
spins +-1. Flipping s_i changes the energy by

    dE_i = 2 s_i (J (s_up + s_down + s_left + s_right) + H),

and is accepted with probability min(1, exp(-beta dE_i)) (Metropolis et al.,
J. Chem. Phys. 21, 1087 (1953)). Sites of one colour of the checkerboard
((y + x) even, then odd) have no neighbours of their own colour, so each colour
is updated at once: a sweep is two half-sweeps and makes L^2 update attempts
(L even keeps the colouring consistent across the periodic boundary). Every
site draws its own uniform number from ``jax.random`` once per sweep. Sweeps
run in one ``lax.scan``; independent chains are mapped with ``jax.vmap``, one
PRNG key each; the whole run is one ``jax.jit`` call, on a GPU when JAX has
one.

The kernel is the same Metropolis chain as the numba multi-spin kernel of
:mod:`thermoinfo.systems.ising.kernels` (there: 64 chains a machine word, CPU).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from thermoinfo._validation import as_rng, check_positive, check_positive_int, random_units
from thermoinfo.systems.ising.monte_carlo import _check_field

__all__ = ["JaxRun", "checkerboard_run", "checkerboard_sweeps", "lattice_energy"]


def lattice_energy(spins: Any, J: Any = 1.0, H: Any = 0.0) -> Any:
    """Energy of each periodic lattice in a stack (..., L, L) (JAX array in, JAX array out)."""
    import jax.numpy as jnp

    s = spins.astype(jnp.float32)
    bonds = s * (jnp.roll(s, 1, axis=-1) + jnp.roll(s, 1, axis=-2))
    return -J * bonds.sum(axis=(-2, -1)) - H * s.sum(axis=(-2, -1))


def _one_chain(spins: Any, key: Any, beta: Any, J: Any, H: Any, n_sweeps: int) -> tuple[Any, Any]:
    """n_sweeps checkerboard sweeps of one lattice; returns (spins, energy after each sweep)."""
    import jax
    import jax.numpy as jnp

    L = spins.shape[-1]
    odd = (jnp.arange(L)[:, None] + jnp.arange(L)[None, :]) % 2 == 1
    colours = (~odd, odd)

    def half(s: Any, colour: Any, u: Any) -> Any:
        nb = jnp.roll(s, 1, 0) + jnp.roll(s, -1, 0) + jnp.roll(s, 1, 1) + jnp.roll(s, -1, 1)
        dE = 2.0 * s * (J * nb + H)
        flip = colour & (u < jnp.exp(-beta * dE))
        return jnp.where(flip, -s, s)

    def sweep(s: Any, k: Any) -> tuple[Any, Any]:
        u = jax.random.uniform(k, s.shape, jnp.float32)
        for colour in colours:
            s = half(s, colour, u)
        return s, lattice_energy(s, J, H)

    return jax.lax.scan(sweep, spins, jax.random.split(key, n_sweeps))


@functools.lru_cache(maxsize=16)
def _compiled(n_sweeps: int) -> Any:
    import jax

    chains = jax.vmap(_one_chain, in_axes=(0, 0, None, None, None, None))
    return jax.jit(lambda s, keys, beta, J, H: chains(s, keys, beta, J, H, n_sweeps))


def checkerboard_sweeps(spins: Any, keys: Any, beta: float, n_sweeps: int, J: float = 1.0,
                        H: float = 0.0) -> tuple[Any, Any]:
    """Advance a stack of lattices by ``n_sweeps`` checkerboard Metropolis sweeps (pure kernel).

    Parameters
    ----------
    spins : JAX array (n_chains, L, L), float32 entries +-1
        L even.
    keys : JAX PRNG keys (n_chains, 2)
        One key per chain (the caller splits them).
    beta, J, H : float
    n_sweeps : int

    Returns
    -------
    spins : (n_chains, L, L)
    energy : (n_chains, n_sweeps)
        Total energy of each chain after each sweep.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> s = jnp.ones((3, 4, 4), jnp.float32)
    >>> s, e = checkerboard_sweeps(s, jax.random.split(jax.random.PRNGKey(0), 3), 0.1, 5)
    >>> e.shape
    (3, 5)
    """
    import jax.numpy as jnp

    f32 = jnp.float32
    return _compiled(int(n_sweeps))(spins, keys, f32(beta), f32(J), f32(H))


@dataclass(frozen=True)
class JaxRun:
    """Result of :func:`checkerboard_run`.

    Attributes
    ----------
    spins : ndarray (n_chains, L, L) int8
        Final configurations.
    energy : ndarray (n_chains, n_sweeps)
        Energy per spin after each measured sweep.
    u : float
        Mean energy per spin (chains' time averages, then their mean).
    u_se : float
        Its standard error from the spread of the independent chains' averages.
    """

    spins: np.ndarray
    energy: np.ndarray
    u: float
    u_se: float


def checkerboard_run(L: int, T: float, n_sweeps: int, *, n_chains: int = 64, burn_in: int = 0,
                     H: float = 0.0, J: float = 1.0, start: str = "hot", rng: Any = None) -> JaxRun:
    """Run independent checkerboard Metropolis chains in JAX and measure the energy.

    Parameters
    ----------
    L : int
        Even linear size (>= 2).
    T : float
        Temperature (> 0).
    n_sweeps : int
        Measured sweeps per chain (after ``burn_in``).
    n_chains : int
        Independent chains (at least 2, for the error bar).
    burn_in : int
        Sweeps discarded first.
    H, J : float
        Field and coupling (J > 0).
    start : {"hot", "cold"}
        Random or all-up initial lattices.
    rng : seed or Generator
        Seeds the JAX PRNG key (and the hot start).

    Returns
    -------
    JaxRun

    Examples
    --------
    >>> r = checkerboard_run(8, 1.0, 200, n_chains=8, burn_in=50, start="cold", rng=0)
    >>> round(r.u, 2)   # deep in the ordered phase u is close to -2
    -2.0
    """
    import jax
    import jax.numpy as jnp

    L = check_positive_int(L, "L", minimum=2)
    if L % 2:
        raise ValueError(f"L must be even for the checkerboard (got {L}); the numba kernels take odd L")
    T = check_positive(T, "T")
    n_sweeps = check_positive_int(n_sweeps, "n_sweeps")
    n_chains = check_positive_int(n_chains, "n_chains", minimum=2)
    burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
    H = _check_field(H)
    J = check_positive(J, "J")
    if start not in ("hot", "cold"):
        raise ValueError(f"start must be 'hot' or 'cold' (got {start!r})")
    gen = as_rng(rng)
    if start == "hot":
        # a uniform u < 1/2 is spin +1 here, as in IsingChains (random_units gives -1)
        spins = -random_units(gen, (n_chains, L, L), "spin").astype(np.float32)
    else:
        spins = np.ones((n_chains, L, L), np.float32)
    key = jax.random.PRNGKey(int(gen.integers(2**31)))
    k_burn, k_run = jax.random.split(key)
    s = jnp.asarray(spins)
    if burn_in:
        s, _ = checkerboard_sweeps(s, jax.random.split(k_burn, n_chains), 1.0 / T, burn_in, J, H)
    s, energy = checkerboard_sweeps(s, jax.random.split(k_run, n_chains), 1.0 / T, n_sweeps, J, H)
    e = np.asarray(energy, dtype=np.float64) / (L * L)
    per_chain = e.mean(axis=1)
    return JaxRun(np.asarray(s).astype(np.int8), e, float(per_chain.mean()),
                  float(per_chain.std(ddof=1) / np.sqrt(n_chains)))
