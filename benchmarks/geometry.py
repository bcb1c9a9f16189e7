"""Benchmark of thermoinfo.geometry against scipy, plain numpy and the ``dit`` package.

KL divergence, three ways on the same arrays, in the same process:

* ``thermoinfo.kl(p, q)``: the public call, which validates both tables (finite,
  non-negative, summing to one, same shape) before computing;
* the bare kernel ``thermoinfo.geometry.divergences._kl_kernel(p, q)`` on the
  checked arrays (what the public call spends after validation);
* the peer ``scipy.special.rel_entr(p, q).sum()``, which checks nothing.

on tables of 10^3 and 10^6 entries, dense (every entry positive) and with zeros
(30% of p's entries zero; q zero on a third of those cells, where 0 log 0/0 = 0).
Then entropy, mutual information and the m-projections onto the product family
and a Markov-chain Bayesian network against the plain-numpy one-liner for each,
and, if dit is installed, the same quantities in dit on 256 outcomes (81 with
--quick; dit handles outcomes one by one in Python; it is imported before any
timing, and its results are turned into arrays outside the timing).

Timing: the contenders of one row alternate, in a rotating order, over
``--rounds`` rounds (>= 5); in each round each contender runs for about 20 ms
(at least one call) and its time per call is recorded. The script prints the
median time per call of each and the ratio peer/ours as its median with the
minimum and maximum over the rounds. The machine may be shared, so ratios are
indicative; the spread says how much. Peak memory is the tracemalloc peak of one
further call, measured apart from the timed ones. ``|diff|`` is the largest
difference of the results (it says the contenders computed the same thing).

    python benchmarks/geometry.py            # about a minute
    python benchmarks/geometry.py --quick    # 10^3- and 10^4-entry tables, seconds
    python benchmarks/geometry.py --rounds 15
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import rel_entr

import thermoinfo
from thermoinfo.geometry.divergences import _kl_kernel
from thermoinfo.geometry.families import BayesNet, Product


def calls_per_round(fn: Callable[[], Any], target: float = 0.02) -> int:
    """Calls of ``fn`` that take about ``target`` seconds (at least one)."""
    start = time.perf_counter()
    fn()
    return max(1, int(target / max(time.perf_counter() - start, 1e-7)))


def alternate(fns: list[Callable[[], Any]], rounds: int) -> np.ndarray:
    """Seconds per call, shape (rounds, len(fns)): in each round every contender runs
    for about 20 ms (at least one call), in an order rotated from round to round."""
    numbers = [calls_per_round(fn) for fn in fns]
    out = np.empty((rounds, len(fns)))
    for r in range(rounds):
        for k in [(r + i) % len(fns) for i in range(len(fns))]:
            fn = fns[k]
            start = time.perf_counter()
            for _ in range(numbers[k]):
                fn()
            out[r, k] = (time.perf_counter() - start) / numbers[k]
    return out


def peak_mib(fn: Callable[[], Any]) -> float:
    """tracemalloc peak (MiB) of one call, outside any timing."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def ratio_text(peer: np.ndarray, ours: np.ndarray) -> str:
    r = peer / ours
    return f"{statistics.median(r):6.2f} [{r.min():5.2f}, {r.max():5.2f}]"


def diff(a: Any, b: Any) -> float:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    return float(np.max(np.where(both_inf, 0.0, np.abs(a - b)), initial=0.0))


def kl_tables(n: int, zeros: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.random(n) + 0.01
    q = rng.random(n) + 0.01
    if zeros:
        cells = rng.random(n) < 0.3
        p[cells] = 0.0
        q[cells & (rng.random(n) < 1 / 3)] = 0.0
    return p / p.sum(), q / q.sum()


def kl_section(sizes: list[int], rounds: int) -> None:
    print("KL divergence: thermoinfo.kl (validated) and its bare kernel against "
          "scipy.special.rel_entr(p, q).sum()")
    head = (f"{'table':>18s} {'kl [us]':>10s} {'kernel [us]':>12s} {'scipy [us]':>11s} "
            f"{'scipy/kl':>22s} {'scipy/kernel':>22s} {'kl MiB':>7s} {'scipy MiB':>9s} {'|diff|':>8s}")
    print(head)
    print("-" * len(head))
    for n in sizes:
        for zeros in (False, True):
            p, q = kl_tables(n, zeros, seed=n + zeros)
            fns = [lambda p=p, q=q: thermoinfo.kl(p, q), lambda p=p, q=q: _kl_kernel(p, q),
                   lambda p=p, q=q: float(rel_entr(p, q).sum())]
            t = alternate(fns, rounds)
            med = np.median(t, axis=0)
            values = [fn() for fn in fns]
            label = f"{n:.0e} {'zeros' if zeros else 'dense'}"
            print(f"{label:>18s} {1e6 * med[0]:10.1f} {1e6 * med[1]:12.1f} {1e6 * med[2]:11.1f} "
                  f"{ratio_text(t[:, 2], t[:, 0]):>22s} {ratio_text(t[:, 2], t[:, 1]):>22s} "
                  f"{peak_mib(fns[0]):7.1f} {peak_mib(fns[2]):9.1f} "
                  f"{max(diff(values[0], values[2]), diff(values[1], values[2])):8.1e}")
    print()


def numpy_product(p: np.ndarray) -> np.ndarray:
    out = np.ones(p.shape)
    for i in range(p.ndim):
        out = out * p.sum(axis=tuple(j for j in range(p.ndim) if j != i), keepdims=True)
    return out


def numpy_chain(p: np.ndarray) -> np.ndarray:
    """q(x0) prod_i q(x_i | x_(i-1)) from pairwise marginals."""
    n = p.ndim
    out = p.sum(axis=tuple(range(1, n)), keepdims=True)
    for i in range(1, n):
        pair = p.sum(axis=tuple(j for j in range(n) if j not in (i - 1, i)), keepdims=True)
        out = out * pair / pair.sum(axis=i, keepdims=True)
    return out


def numpy_mi(p: np.ndarray) -> float:
    px = p.sum(axis=1, keepdims=True)
    py = p.sum(axis=0, keepdims=True)
    return float(np.sum(p * np.log(p / (px * py))))


def tables(n_side: int, n_axes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.random((n_side,) * n_axes) + 0.01
    q = rng.random((n_side,) * n_axes) + 0.01
    return p / p.sum(), q / q.sum()


def peer_rows(p: np.ndarray, p2: np.ndarray) -> dict[str, tuple[Callable, Callable]]:
    chain = BayesNet({i: (i - 1,) for i in range(1, p.ndim)})
    return {
        "entropy": (lambda: thermoinfo.entropy(p), lambda: float(-np.sum(p * np.log(p)))),
        "mutual_information": (lambda: thermoinfo.mutual_information(p2), lambda: numpy_mi(p2)),
        "m_projection Product": (lambda: thermoinfo.m_projection(p, Product()), lambda: numpy_product(p)),
        "m_projection BayesNet chain": (lambda: thermoinfo.m_projection(p, chain), lambda: numpy_chain(p)),
    }


def dit_rows(dit: Any, p: np.ndarray, q: np.ndarray, p2: np.ndarray) -> dict[str, tuple[Callable, ...]]:
    from dit.divergences import kullback_leibler_divergence
    from dit.shannon import entropy, mutual_information

    outcomes = [tuple(ix) for ix in np.ndindex(p.shape)]
    dp = dit.Distribution(outcomes, p.ravel())
    dq = dit.Distribution(outcomes, q.ravel())
    d2 = dit.Distribution([tuple(ix) for ix in np.ndindex(p2.shape)], p2.ravel())
    ln2 = np.log(2.0)  # dit reports bits

    def as_table(d: Any) -> np.ndarray:  # outside the timing: dit's result as our array
        pmf = dict(zip(d.outcomes, d.pmf))
        return np.array([pmf.get(o, 0.0) for o in outcomes]).reshape(p.shape)

    return {
        "kl": (lambda: thermoinfo.kl(p, q), lambda: kullback_leibler_divergence(dp, dq) * ln2),
        "entropy": (lambda: thermoinfo.entropy(p), lambda: entropy(dp) * ln2),
        "mutual_information": (lambda: thermoinfo.mutual_information(p2),
                               lambda: mutual_information(d2, [0], [1]) * ln2),
        "m_projection Product": (lambda: thermoinfo.m_projection(p, Product()),
                                 lambda: dit.product_distribution(dp), as_table),
    }


def peer_section(title: str, rows: dict[str, tuple[Callable, ...]], sizes: dict[str, int],
                 rounds: int) -> None:
    """Rows ``name: (ours, peer[, peer_result_as_array])``."""
    print(title)
    head = (f"{'quantity':30s} {'entries':>8s} {'ours [us]':>11s} {'peer [us]':>11s} "
            f"{'peer/ours':>22s} {'ours MiB':>8s} {'peer MiB':>8s} {'|diff|':>8s}")
    print(head)
    print("-" * len(head))
    for name, (ours, peer, *convert) in rows.items():
        t = alternate([ours, peer], rounds)
        as_array = convert[0] if convert else (lambda x: x)
        med = np.median(t, axis=0)
        print(f"{name:30s} {sizes[name]:8d} {1e6 * med[0]:11.1f} {1e6 * med[1]:11.1f} "
              f"{ratio_text(t[:, 1], t[:, 0]):>22s} {peak_mib(ours):8.1f} {peak_mib(peer):8.1f} "
              f"{diff(ours(), as_array(peer())):8.1e}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small tables (10^3 and 10^4 entries)")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds (>= 5)")
    args = parser.parse_args()
    if args.rounds < 5:
        parser.error("--rounds must be >= 5")
    try:
        import dit
    except ImportError:
        dit = None
    started = time.perf_counter()
    print(f"thermoinfo.geometry benchmark: median time per call over {args.rounds} alternating rounds; "
          "ratio = median [min, max] over rounds (> 1: thermoinfo faster)\n")
    kl_section([10**3, 10**4] if args.quick else [10**3, 10**6], args.rounds)

    big_side, big_axes = (10, 4) if args.quick else (10, 6)
    mi_side = 100 if args.quick else 1000
    p, _ = tables(big_side, big_axes, 0)
    p2 = tables(mi_side, 2, 1)[0]
    sizes = {"entropy": p.size, "mutual_information": p2.size, "m_projection Product": p.size,
             "m_projection BayesNet chain": p.size}
    peer_section("Against the plain-numpy one-liners (which validate nothing)", peer_rows(p, p2), sizes,
                 args.rounds)

    if dit is None:
        print("dit is not installed: the dit comparison is skipped")
    else:
        ps, qs = tables(3, 4, 2) if args.quick else tables(4, 4, 2)
        p2s = tables(16, 2, 3)[0] if args.quick else tables(32, 2, 3)[0]
        sizes = {"kl": ps.size, "entropy": ps.size, "mutual_information": p2s.size,
                 "m_projection Product": ps.size}
        peer_section("Against dit (both on the same small tables)", dit_rows(dit, ps, qs, p2s), sizes,
                     args.rounds)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
