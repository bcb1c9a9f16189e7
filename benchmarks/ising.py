"""Benchmark of thermoinfo's multi-spin coded Ising Metropolis against two plain implementations.

Square lattice, periodic, J = 1, H = 0, T = T_c = 2/ln(1 + sqrt 2), Metropolis
single-spin flips. Three implementations run in the same process on the same
amount of work (``--work`` spin-update attempts per timed run), alternating
(each goes first in turn), ``--repeat`` times each (>= 5):

* thermoinfo: ``thermoinfo.systems.ising.kernels.multispin_sweeps``: 64 chains a
  uint64 word, bitwise acceptance against integer thresholds p 2^64, both cores
  (numba ``prange`` over groups of 64 chains, or over the rows of a checkerboard
  colour when there is one group). 128 chains at L = 256, 64 at L = 1024.
* plain numba: one lattice, typewriter order, one ``np.random.random()`` per
  attempted flip, acceptance from a table of exp(-beta dE) (the textbook loop).
* numpy checkerboard: one lattice, each colour updated at once with ``np.roll``
  neighbour sums and one uniform per site.
* JAX checkerboard (``--no-jax`` skips it):
  ``thermoinfo.systems.ising.jax_kernels.checkerboard_sweeps``, the same colour
  updates jit-compiled, sweeps in ``lax.scan``, chains ``vmap``-ped (16 chains at
  L = 256, 4 at L = 1024), on ``jax.devices()[0]``: the line names the device, so
  on a machine with a GPU the rate printed is the GPU's.

For each it prints spin updates per nanosecond (median over the repeats and the
min-max range), the same per CPU-nanosecond of this process (all threads
summed: the per-core rate, less sensitive to other work on a shared machine),
the ratio of thermoinfo's rate to each peer's per alternating round (median
and range), and the tracemalloc peak of one timed call. The machine may be
shared: numbers are indicative. The exactness of the
multi-spin kernel (energies within 3 standard errors of Kaufman's, chi-square
against enumeration) is checked by ``tests/systems/test_ising_sampling.py``.

    python benchmarks/ising.py            # about a minute
    python benchmarks/ising.py --long     # 4x the work per run, 10 repeats
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numba
import numpy as np

from thermoinfo.systems.ising import CRITICAL_TEMPERATURE, kernels


@numba.njit(cache=True)
def plain_metropolis(spins, beta, n_sweeps, seed):  # pragma: no cover - compiled
    np.random.seed(seed)  # noqa: NPY002 - numba supports only the legacy global generator
    L = spins.shape[0]
    table = np.array([np.exp(-beta * 4.0), np.exp(-beta * 8.0)])
    for _ in range(n_sweeps):
        for y in range(L):
            for x in range(L):
                s = spins[y, x]
                nb = (spins[(y + 1) % L, x] + spins[(y - 1) % L, x]
                      + spins[y, (x + 1) % L] + spins[y, (x - 1) % L])
                dE = 2 * s * nb
                if dE <= 0 or np.random.random() < table[dE // 4 - 1]:  # noqa: NPY002
                    spins[y, x] = -s


def numpy_checkerboard(spins: np.ndarray, beta: float, n_sweeps: int, rng: np.random.Generator) -> None:
    L = spins.shape[0]
    color = (np.add.outer(np.arange(L), np.arange(L)) % 2).astype(bool)
    masks = (~color, color)
    for _ in range(n_sweeps):
        for mask in masks:
            nb = (np.roll(spins, 1, 0) + np.roll(spins, -1, 0) + np.roll(spins, 1, 1)
                  + np.roll(spins, -1, 1))
            dE = 2 * spins * nb
            flip = mask & (rng.random(spins.shape) < np.exp(-beta * np.clip(dE, 0, None)))
            spins[flip] *= -1


def timed(fn: Callable[[], None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, all threads) of one call."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def peak_mib(fn: Callable[[], None]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def jax_runner(L: int, work: int, beta: float, rng: np.random.Generator
               ) -> tuple[Callable[[], None], int, str]:
    """A timed call of the JAX checkerboard (compiled and warmed up), its work and its device."""
    import jax
    import jax.numpy as jnp

    from thermoinfo.systems.ising.jax_kernels import checkerboard_sweeps

    n_chains = 16 if L <= 512 else 4
    n_sweeps = max(1, work // (n_chains * L * L))
    state = {"spins": jnp.asarray(np.where(rng.random((n_chains, L, L)) < 0.5, 1.0, -1.0), jnp.float32),
             "key": jax.random.PRNGKey(int(rng.integers(2**31)))}

    def run() -> None:
        state["key"], sub = jax.random.split(state["key"])
        spins, _ = checkerboard_sweeps(state["spins"], jax.random.split(sub, n_chains), beta, n_sweeps)
        state["spins"] = spins.block_until_ready()

    run()  # compile
    device = f"{jax.devices()[0].platform} ({n_chains} chains x {n_sweeps} sweeps)"
    return run, n_sweeps * n_chains * L * L, device


def bench(L: int, work: int, repeat: int, seed: int, use_jax: bool = True) -> None:
    beta = 1.0 / CRITICAL_TEMPERATURE
    rng = np.random.default_rng(seed)
    n_chains = 128 if L <= 512 else 64
    ours_sweeps = max(1, work // (n_chains * L * L))
    peer_sweeps = max(1, work // (L * L))
    ours_work = ours_sweeps * n_chains * L * L
    peer_work = peer_sweeps * L * L

    words = kernels.pack(np.where(rng.random((n_chains, L, L)) < 0.5, 1, -1).astype(np.int8))
    streams = kernels.seed_streams(rng, (words.shape[0], L))
    thr, always = kernels.flip_thresholds(kernels.flip_probabilities(beta, 0.0, 2, "metropolis"))
    plain = np.where(rng.random((L, L)) < 0.5, 1, -1).astype(np.int8)
    board = np.where(rng.random((L, L)) < 0.5, 1, -1).astype(np.int8)

    def run_ours() -> None:
        kernels.multispin_sweeps(words, streams, thr, always, 2, False, ours_sweeps)

    def run_plain() -> None:
        plain_metropolis(plain, beta, peer_sweeps, int(rng.integers(2**31)))

    def run_numpy() -> None:
        numpy_checkerboard(board, beta, peer_sweeps, rng)

    # compile and warm up
    kernels.multispin_sweeps(words, streams, thr, always, 2, False, 1)
    plain_metropolis(plain, beta, 1, 0)
    numpy_checkerboard(board, beta, 1, rng)

    runs = [("thermoinfo", run_ours, ours_work), ("plain numba", run_plain, peer_work),
            ("numpy checkerboard", run_numpy, peer_work)]
    jax_device = ""
    if use_jax:
        run_jax, jax_work, jax_device = jax_runner(L, work, beta, rng)
        runs.append(("jax checkerboard", run_jax, jax_work))
    rates = {name: [] for name, _, _ in runs}
    cpu_rates = {name: [] for name in rates}
    for r in range(repeat):
        k = r % len(runs)  # each implementation goes first in turn
        for name, fn, w in runs[k:] + runs[:k]:
            wall, cpu = timed(fn)
            rates[name].append(w / wall / 1e9)
            cpu_rates[name].append(w / cpu / 1e9)
    peaks = {name: peak_mib(fn) for name, fn, _ in runs}
    print(f"\nL = {L}, T = T_c, {numba.get_num_threads()} threads; work per run: thermoinfo "
          f"{ours_work:.3g} ({n_chains} chains x {ours_sweeps} sweeps), peers {peer_work:.3g} "
          f"({peer_sweeps} sweeps of one lattice)")
    if jax_device:
        print(f"jax checkerboard on {jax_device}; its peak MiB counts host memory only")
    print(f"{'implementation':<20}{'updates/ns median':>18}{'  [min, max]':<20}{'per CPU-ns':>11}"
          f"{'peak MiB':>10}")
    for name, r in rates.items():
        a = np.array(r)
        print(f"{name:<20}{np.median(a):>18.3f}  [{a.min():.3f}, {a.max():.3f}]"
              f"{np.median(cpu_rates[name]):>11.3f}{peaks[name]:>10.1f}")
    ours = np.array(rates["thermoinfo"])
    for name in [n for n in rates if n != "thermoinfo"]:
        ratio = ours / np.array(rates[name])
        print(f"thermoinfo / {name}: {np.median(ratio):.1f}x [{ratio.min():.1f}, {ratio.max():.1f}] "
              f"over {repeat} alternating rounds")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--work", type=int, default=2**26, help="spin updates per timed run")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--long", action="store_true", help="4x the work, 10 repeats")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-jax", action="store_true", help="skip the JAX checkerboard")
    args = parser.parse_args(argv)
    if args.repeat < 5:
        parser.error("--repeat must be >= 5")
    work, repeat = (4 * args.work, max(10, args.repeat)) if args.long else (args.work, args.repeat)
    for L in args.sizes:
        bench(L, work, repeat, args.seed, use_jax=not args.no_jax)


if __name__ == "__main__":
    main()
