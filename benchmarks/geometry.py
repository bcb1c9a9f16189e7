"""Benchmark of thermoinfo.geometry against plain numpy and the ``dit`` package.

Runs KL, entropy, mutual information and m-projections (product family and a
Markov-chain Bayesian network) on tables of 10^6 entries, with the plain-numpy
one-liner for each as the baseline, and the same quantities in ``dit`` (if
installed) on a smaller table, because dit handles outcomes one by one in
Python. thermoinfo is run again at dit's size so that every ratio compares equal
inputs. Times are the best of several calls; peak memory is the tracemalloc
peak of one call (numpy buffers included).

    python benchmarks/geometry.py            # about a minute on one core
    python benchmarks/geometry.py --quick    # smaller tables, a few seconds
"""

from __future__ import annotations

import argparse
import timeit
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

import thermoinfo
from thermoinfo.geometry.families import BayesNet, Product


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(best seconds per call, peak MiB of one call, result)."""
    result = fn()
    best = min(timeit.repeat(fn, number=1, repeat=repeat))
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20, result


def tables(n_side: int, n_axes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.random((n_side,) * n_axes) + 0.01
    q = rng.random((n_side,) * n_axes) + 0.01
    return p / p.sum(), q / q.sum()


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


def ours_and_numpy(p: np.ndarray, q: np.ndarray, p2: np.ndarray) -> dict[str, tuple[Callable, Callable]]:
    chain = BayesNet({i: (i - 1,) for i in range(1, p.ndim)})
    return {
        "kl": (lambda: thermoinfo.kl(p, q), lambda: float(np.sum(p * np.log(p / q)))),
        "entropy": (lambda: thermoinfo.entropy(p), lambda: float(-np.sum(p * np.log(p)))),
        "mutual_information": (lambda: thermoinfo.mutual_information(p2), lambda: numpy_mi(p2)),
        "m_projection Product": (lambda: thermoinfo.m_projection(p, Product()), lambda: numpy_product(p)),
        "m_projection BayesNet chain": (lambda: thermoinfo.m_projection(p, chain), lambda: numpy_chain(p)),
    }


def dit_calls(p: np.ndarray, q: np.ndarray, p2: np.ndarray) -> dict[str, tuple[Callable, Callable]]:
    import dit
    from dit.divergences import kullback_leibler_divergence
    from dit.shannon import entropy, mutual_information

    outcomes = [tuple(ix) for ix in np.ndindex(p.shape)]
    dp = dit.Distribution(outcomes, p.ravel())
    dq = dit.Distribution(outcomes, q.ravel())
    d2 = dit.Distribution([tuple(ix) for ix in np.ndindex(p2.shape)], p2.ravel())
    ln2 = np.log(2.0)  # dit reports bits
    return {
        "kl": (lambda: thermoinfo.kl(p, q), lambda: kullback_leibler_divergence(dp, dq) * ln2),
        "entropy": (lambda: thermoinfo.entropy(p), lambda: entropy(dp) * ln2),
        "mutual_information": (lambda: thermoinfo.mutual_information(p2),
                               lambda: mutual_information(d2, [0], [1]) * ln2),
        "m_projection Product": (lambda: thermoinfo.m_projection(p, Product()),
                                 lambda: dit.product_distribution(dp)),
    }


def agree(a: Any, b: Any) -> str:
    if isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):  # a dit distribution
        b = np.array([b[o] if o in b.outcomes else 0.0 for o in np.ndindex(a.shape)]).reshape(a.shape)
    return f"{float(np.max(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)))):.1e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller tables (10^4 / 10^3 entries)")
    args = parser.parse_args()
    big_side, big_axes = (10, 4) if args.quick else (10, 6)       # 10^6 entries
    dit_side, dit_axes = 4, 5                                      # 1024 entries for dit
    mi_side = 100 if args.quick else 1000                          # 1000 x 1000 joint
    repeat = 5

    rows: list[tuple[str, str, int, float, float, float, float, str]] = []
    p, q = tables(big_side, big_axes, 0)
    p2 = tables(mi_side, 2, 1)[0]
    for name, (ours, base) in ours_and_numpy(p, q, p2).items():
        t1, m1, r1 = measure(ours, repeat)
        t2, m2, r2 = measure(base, repeat)
        size = p2.size if name == "mutual_information" else p.size
        rows.append((name, "numpy", size, t1, m1, t2, m2, agree(r1, r2)))

    try:
        import dit  # noqa: F401
    except ImportError:
        print("dit is not installed: the dit comparison is skipped")
    else:
        ps, qs = tables(dit_side, dit_axes, 2)
        p2s = tables(32, 2, 3)[0]
        for name, (ours, theirs) in dit_calls(ps, qs, p2s).items():
            t1, m1, r1 = measure(ours, repeat)
            t2, m2, r2 = measure(theirs, 3)
            size = p2s.size if name == "mutual_information" else ps.size
            rows.append((name, "dit", size, t1, m1, t2, m2, agree(r1, r2)))

    print(f"thermoinfo.geometry benchmark (best of {repeat} calls; peak memory by tracemalloc)")
    print(f"numpy rows: tables of {p.size} entries (mutual information on {mi_side}x{mi_side});")
    print("dit rows: dit is slow on 10^6 outcomes, so both thermoinfo and dit run on the smaller "
          "size shown in the table\n")
    head = (f"{'quantity':30s} {'peer':6s} {'entries':>8s} {'ours [ms]':>10s} {'ours MiB':>9s} "
            f"{'peer [ms]':>10s} {'peer MiB':>9s} {'peer/ours':>10s} {'|diff|':>8s}")
    print(head)
    print("-" * len(head))
    for name, peer, size, t1, m1, t2, m2, diff in rows:
        print(f"{name:30s} {peer:6s} {size:8d} {1e3 * t1:10.3f} {m1:9.1f} {1e3 * t2:10.3f} {m2:9.1f} "
              f"{t2 / t1:10.2f} {diff:>8s}")
    print("\npeer/ours > 1 means thermoinfo is faster. thermoinfo also validates its inputs "
          "(finite, non-negative, normalized), which the numpy one-liners do not.")


if __name__ == "__main__":
    main()
