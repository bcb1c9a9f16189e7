"""Information-bottleneck curves: thermoinfo.freeenergy against dit's IBCurve.

The information bottleneck min I(X;Z) - beta I(Z;Y) is the special case
lam = 0, gamma = beta of J = R + lam D + gamma C: at the optimal classifier
C = H(Y|Z) = H(Y) - I(Z;Y), so J = I(X;Z) + beta H(Y|Z) = IB Lagrangian +
beta H(Y). Both programs get the same joint table and the same beta grid
(dit's IBCurve uses numpy.linspace(beta_min, beta_max, beta_num)); dit runs
its Blahut-Arimoto solver (method="ba", 250 random restarts per beta).

Accuracy: the IB Lagrangian L(beta) = I(X;Z) - beta I(Z;Y) of each answer
against a high-precision reference (thermoinfo.freeenergy.solve with 64 random
restarts at each beta, 8 on the large table, iterated to max |Delta log e| < 1e-12, keeping the lowest
L found by any method). Lower L is better; the table prints L - L_ref.

Both runs are timed under tracemalloc (for the peak memory), the same for both.
The numba kernels are compiled (and cached) before the timed runs.

Usage:  python benchmarks/freeenergy.py [--quick] [--dit-points K]

The 64 x 10 case with 200 beta values would keep dit busy for days; dit runs
on K beta values of that grid (default 2, via the same blahut_arimoto_ib
routine IBCurve calls) with 2 of its 250 restarts, and its time is scaled to
200 values and 250 restarts (printed as an extrapolation).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from scipy.special import xlogy

from thermoinfo.freeenergy import solve, sweep


def _entropy(p):
    return -float(np.sum(xlogy(p, p)))


def _ib_terms(p_xzy):
    """I(X;Z), I(Z;Y) of a joint table indexed [x, y, z]."""
    p_xz = p_xzy.sum(axis=1)
    p_yz = p_xzy.sum(axis=0)
    p_z = p_xz.sum(axis=0)
    i_xz = _entropy(p_xz.sum(axis=1)) + _entropy(p_z) - _entropy(p_xz)
    i_zy = _entropy(p_yz.sum(axis=1)) + _entropy(p_z) - _entropy(p_yz)
    return max(i_xz, 0.0), max(i_zy, 0.0)


def ours(p, betas):
    """I(X;Z), I(Z;Y) along the beta grid from the continuation sweep."""
    ds = sweep(p, lam=0.0, gamma=betas, n_z=p.shape[0], restarts=4, anchor_every=max(len(betas) // 4, 1),
               exact_derivatives=False, rng=0)
    h_y = _entropy(p.sum(axis=0))
    return ds.R.values[0], h_y - ds.C.values[0]


def reference(p, betas, restarts=64, max_iter=200_000):
    out = []
    for b in betas:
        sol = solve(p, 0.0, b, p.shape[0], restarts=restarts, xtol=1e-12, max_iter=max_iter, rng=1,
                    warn=False)
        out.append(sol.R - b * (_entropy(p.sum(axis=0)) - sol.C))
    return np.array(out)


def dit_curve(p, betas):
    import dit
    from dit.rate_distortion import IBCurve

    n_x, n_y = p.shape
    dist = dit.Distribution([(x, y) for x in range(n_x) for y in range(n_y)], p.ravel())
    curve = IBCurve(dist, beta_min=float(betas[0]), beta_max=float(betas[-1]), beta_num=len(betas),
                    method="ba")
    if not np.allclose(curve.betas, betas):
        raise RuntimeError("dit used a different beta grid")
    return np.asarray(curve.complexities, dtype=float), np.asarray(curve.relevances, dtype=float)


def dit_points(p, betas, restarts=250):
    from dit.rate_distortion.blahut_arimoto import blahut_arimoto_ib

    terms = []
    for b in betas:
        q_xyt = blahut_arimoto_ib(p_xy=p, beta=float(b), restarts=restarts)[1]
        terms.append(_ib_terms(q_xyt))
    return np.array([t[0] for t in terms]), np.array([t[1] for t in terms])


def timed(fn, *args):
    tracemalloc.start()
    start = time.perf_counter()
    out = fn(*args)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, elapsed, peak


def report(name, p, betas, dit_betas, extrapolate, dit_restarts=250):
    print(f"\n== {name}: joint table {p.shape[0]}x{p.shape[1]}, {len(betas)} beta values "
          f"in [{betas[0]:g}, {betas[-1]:g}]")
    (r_o, i_o), t_o, m_o = timed(ours, p, betas)
    if extrapolate:
        (r_d, i_d), t_d, m_d = timed(dit_points, p, dit_betas, dit_restarts)
        t_d *= 250 / dit_restarts  # IBCurve runs 250 restarts; time is linear in them
    else:
        (r_d, i_d), t_d, m_d = timed(dit_curve, p, dit_betas)
    idx = np.searchsorted(betas, dit_betas)
    small = p.shape[0] <= 16
    ref = reference(p, dit_betas, restarts=64 if small else 8, max_iter=200_000 if small else 50_000)
    lag_o = r_o[idx] - dit_betas * i_o[idx]
    lag_d = r_d - dit_betas * i_d
    ref = np.minimum(ref, np.minimum(lag_o, lag_d))
    print(f"{'beta':>8} {'L_ref':>14} {'thermoinfo-ref':>15} {'dit-ref':>12}")
    for b, lr, lo, ld in zip(dit_betas, ref, lag_o, lag_d, strict=True):
        print(f"{b:8.3f} {lr:14.10f} {lo - lr:15.2e} {ld - lr:12.2e}")
    err_o = float(np.max(lag_o - ref))
    err_d = float(np.max(lag_d - ref))
    t_d_full = t_d * len(betas) / len(dit_betas)
    label = ""
    if extrapolate:
        label = f" (extrapolated from {len(dit_betas)} beta values"
        label += f" and {dit_restarts} of dit's 250 restarts)" if dit_restarts != 250 else ")"
    print(f"max error of L: thermoinfo {err_o:.2e}, dit {err_d:.2e}")
    print(f"time: thermoinfo {t_o:.3f} s (peak {m_o / 2**20:.1f} MiB), dit {t_d_full:.1f} s{label} "
          f"(peak {m_d / 2**20:.1f} MiB)")
    print(f"speed-up thermoinfo / dit: {t_d_full / t_o:.0f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 beta values for dit on the small table")
    parser.add_argument("--dit-points", type=int, default=2, help="beta values dit runs on the large table")
    parser.add_argument("--dit-restarts", type=int, default=2,
                        help="restarts dit runs per beta on the large table (its time is scaled to 250)")
    parser.add_argument("--case", choices=("small", "large", "both"), default="both")
    args = parser.parse_args()
    # compile the numba kernels once (cached on disk afterwards) so that the
    # timings measure the solver, not the compiler
    ours(np.full((2, 2), 0.25), np.array([1.0, 2.0]))
    rng = np.random.default_rng(2026)
    small = rng.random((8, 3)) ** 3
    small /= small.sum()
    betas = np.linspace(0.0, 15.0, 20)
    if args.case in ("small", "both"):
        if args.quick:
            report("small", small, betas, betas[[0, 5, 10, 15, 19]], extrapolate=True)
        else:
            report("small", small, betas, betas, extrapolate=False)
    large = rng.random((64, 10)) ** 3
    large /= large.sum()
    betas = np.linspace(0.0, 15.0, 200)
    picks = np.unique(np.linspace(0, 199, max(args.dit_points, 1) + 2)[1:-1].astype(int))
    if args.case in ("large", "both"):
        report("large", large, betas, betas[picks], extrapolate=True, dit_restarts=args.dit_restarts)


if __name__ == "__main__":
    main()
