"""Information-bottleneck curves: thermoinfo.freeenergy.sweep against dit's IBCurve.

The information bottleneck min I(X;Z) - beta I(Z;Y) is the case lam = 0,
gamma = beta of J = R + lam D + gamma C: at the optimal classifier
C = H(Y|Z) = H(Y) - I(Z;Y), so J = I(X;Z) + beta H(Y|Z) = IB Lagrangian + beta H(Y).

Both libraries are called as a user would call them, on the same joint table and
the same beta grid (dit's IBCurve uses numpy.linspace(beta_min, beta_max,
beta_num)), with n_x latent states:

* dit: ``IBCurve(dist, beta_min=..., beta_max=..., beta_num=...)`` with its
  default solver (``method="sp"``, scipy's optimizers over the encoder, and the
  setup IBCurve does itself); ``DIT_OPT_JOBS=1`` pins its worker pool to one
  thread, and dit is imported before any timer starts. dit reports information in
  bits; its L(beta) is converted to nats (times ln 2) before it is scored. (Its
  other solver, ``method="ba"``, returned the trivial encoder, complexity and
  relevance 0, at every beta of the binary symmetric case, beta = 1 to 5 with the
  critical beta at 1.5625, and took about three times as long, so it is not the
  comparison.)
* thermoinfo: ``sweep(p_xy, lam=0.0, gamma=betas, n_z=n_x, exact_derivatives=False)``
  (continuation along beta with random restarts at anchor points), after one
  untimed call that compiles (and caches) the numba kernels.

Accuracy of every timed run: the IB Lagrangian L(beta) = I(X;Z) - beta I(Z;Y)
of each returned point against an independent reference, and the worst error
max_beta (L - L_ref) of the run. The references:

* the binary symmetric bottleneck (x uniform on {0, 1}, y = x XOR
  Bernoulli(eps)) has a closed form (Mrs. Gerber's lemma,
  :func:`thermoinfo.freeenergy.discrete.binary_symmetric_bottleneck`, a
  root-finder on a scalar equation);
* a random table: a brute-force search written in this file (L-BFGS-B from many
  random softmax encoders, each polished by the textbook IB fixed-point
  iteration in plain numpy), sharing no code with either library.

The runs alternate (dit, thermoinfo, dit, thermoinfo, ...; the order flips on
every repetition), at least five each. Printed: the median time of each, the
ratio dit/thermoinfo per pair of runs (median and [min, max]), the errors, and
the time to equal accuracy: thermoinfo's solver is timed again at looser
stopping tolerances (xtol from 1e-2 down, one restart), and the cheapest
setting whose worst error over its runs is no larger than dit's median worst
error (or than 1e-12 nat, where both are at rounding level) is compared with
dit. Peak memory (tracemalloc) comes from one separate,
untimed call of each. Timings are wall-clock on a possibly shared machine:
indicative, not exact.

Usage:  python benchmarks/freeenergy.py [--runs N] [--long]

The default run (the 2 x 2 closed-form case with 3 beta values, random 2 x 3,
3 x 3 and 4 x 3 tables with 2) takes a few minutes: dit needs about 0.2 s per
beta value on a 2 x 2 table, and its time grows quickly with n_x (about 8 s per
beta value on 8 x 3). ``--long`` adds the 8 x 3 table and more beta values (5 on
the closed form's 7 and on each random table).
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

import dit
import numpy as np
from dit.rate_distortion import IBCurve
from scipy.optimize import minimize
from scipy.special import softmax, xlogy

from thermoinfo.freeenergy import sweep
from thermoinfo.freeenergy.discrete import binary_symmetric_bottleneck

#: Worst errors of L below this (nat) are rounding: the bar of equal accuracy is at least it
ROUNDING = 1e-12

# dit's restarts run serially, like ours (dit reads this when it runs them; dit
# itself is imported above, outside every timer)
os.environ["DIT_OPT_JOBS"] = "1"


def _entropy(p):
    return -float(np.sum(xlogy(p, p)))


def lagrangian(p, encoder, beta):
    """I(X;Z) - beta I(Z;Y) of an encoder e[x, z] on the joint table p[x, y]."""
    px, py = p.sum(axis=1), p.sum(axis=0)
    m = px[:, None] * encoder
    n = p.T @ encoder
    q = m.sum(axis=0)
    i_xz = _entropy(px) + _entropy(q) - _entropy(m)
    i_zy = _entropy(py) + _entropy(q) - _entropy(n)
    return i_xz - beta * i_zy


# --------------------------------------------------------------------------- references


def closed_form_reference(eps, betas):
    """L(beta) of the binary symmetric bottleneck from its closed form."""
    h_y = np.log(2.0)
    out = []
    for b in betas:
        sol = binary_symmetric_bottleneck(0.0, float(b), eps)
        out.append(sol.R - b * (h_y - sol.C))
    return np.array(out)


def _ib_polish(p, e, beta, n_iter=5_000):
    """The IB self-consistent equations iterated from e (plain numpy):
    q(z) = sum_x p(x) e(z|x), c(y|z) = sum_x p(x, y) e(z|x) / q(z),
    e(z|x) ∝ q(z) exp(beta sum_y p(y|x) log c(y|z))."""
    px = p.sum(axis=1)
    pyx = p / px[:, None]
    for _ in range(n_iter):
        q = px @ e
        keep = q > 1e-300
        c = np.where(keep[None, :], (p.T @ e) / np.where(keep, q, 1.0)[None, :], 1.0)
        with np.errstate(divide="ignore"):
            log_c = np.where(c > 0, np.log(np.where(c > 0, c, 1.0)), -1e300)
            logits = np.where(keep[None, :], np.log(np.where(keep, q, 1.0))[None, :]
                              + beta * pyx @ log_c, -np.inf)
        new = softmax(logits, axis=1)
        if np.max(np.abs(new - e)) < 1e-15:
            return new
        e = new
    return e


def brute_force_reference(p, betas, n_starts, seed=0):
    """min over many random starts of L-BFGS-B on softmax encoders, each polished
    by the fixed-point iteration."""
    n_x = p.shape[0]
    rng = np.random.default_rng(seed)
    out = []
    for b in betas:
        def objective(theta, b=b):
            return lagrangian(p, softmax(theta.reshape(n_x, n_x), axis=1), b)

        best = np.inf
        for _ in range(n_starts):
            res = minimize(objective, rng.normal(size=n_x * n_x) * 3.0, method="L-BFGS-B",
                           options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10})
            e = _ib_polish(p, softmax(res.x.reshape(n_x, n_x), axis=1), b)
            best = min(best, res.fun, lagrangian(p, e, b))
        out.append(best)
    return np.array(out)


# --------------------------------------------------------------------------- the two libraries


def run_dit(dist, betas):
    """IBCurve as a user calls it (its default solver); returns L(beta) of its
    points in nats (dit reports bits)."""
    curve = IBCurve(dist, beta_min=float(betas[0]), beta_max=float(betas[-1]), beta_num=len(betas))
    if not np.allclose(curve.betas, betas):
        raise RuntimeError("dit used a different beta grid")
    bits = np.asarray(curve.complexities) - betas * np.asarray(curve.relevances)
    return bits * np.log(2.0)


def run_ours(p, betas, seed, xtol=1e-10, restarts=4):
    ds = sweep(p, lam=0.0, gamma=betas, n_z=p.shape[0], restarts=restarts, xtol=xtol,
               tol=max(xtol * xtol, 1e-15), exact_derivatives=False, rng=seed)
    h_y = _entropy(p.sum(axis=0))
    return ds.R.values[0] - betas * (h_y - ds.C.values[0])


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def _peak_kib(fn, *args, **kwargs):
    tracemalloc.start()
    fn(*args, **kwargs)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**10


def _spread(values):
    v = np.asarray(values)
    return f"{np.median(v):.3g} [{v.min():.3g}, {v.max():.3g}]"


def compare(name, p, betas, reference, runs):
    n_x, n_y = p.shape
    dist = dit.Distribution([(x, y) for x in range(n_x) for y in range(n_y)], p.ravel())
    print(f"\n== {name}: joint table {n_x}x{n_y}, {len(betas)} beta values in "
          f"[{betas[0]:g}, {betas[-1]:g}], {runs} alternating runs each")
    t_dit, t_ours, err_dit, err_ours, last, t_dit_eq = [], [], [], [], {}, []
    for r in range(runs):
        order = ("dit", "ours") if r % 2 == 0 else ("ours", "dit")
        for who in order:
            if who == "dit":
                lag, t = _timed(run_dit, dist, betas)
                t_dit.append(t)
                err_dit.append(float(np.max(lag - reference)))
            else:
                lag, t = _timed(run_ours, p, betas, r)
                t_ours.append(t)
                err_ours.append(float(np.max(lag - reference)))
            last[who] = lag
    print(f"{'beta':>8} {'L_ref':>14} {'thermoinfo-ref':>15} {'dit-ref':>12}   (last timed run)")
    for b, lr, lo, ld in zip(betas, reference, last["ours"], last["dit"], strict=True):
        print(f"{b:8.3f} {lr:14.10f} {lo - lr:15.2e} {ld - lr:12.2e}")
    print(f"worst error of L per run, median [min, max]: thermoinfo {_spread(err_ours)}, "
          f"dit {_spread(err_dit)}")
    if min(err_ours + err_dit) < -1e-9:
        print("  (a negative error: a library found a lower L than the reference search)")
    ratio = np.array(t_dit) / np.array(t_ours)
    print(f"time per curve, median [min, max]: thermoinfo {_spread(t_ours)} s, dit {_spread(t_dit)} s")
    print(f"ratio dit / thermoinfo per pair of runs: {_spread(ratio)}")
    # time to equal accuracy: the loosest stopping rule of ours that is as accurate as dit
    target = float(np.median(err_dit))
    bar = max(target, ROUNDING)
    for xtol in (1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10):
        times, errs = [], []
        for r in range(runs):
            # alternated with dit, as the timed runs above
            pair = [("ours", lambda r=r, xtol=xtol: run_ours(p, betas, 100 + r, xtol=xtol, restarts=1)),
                    ("dit", lambda: run_dit(dist, betas))]
            for who, fn in (pair if r % 2 == 0 else pair[::-1]):
                lag, t = _timed(fn)
                if who == "ours":
                    times.append(t)
                    errs.append(float(np.max(lag - reference)))
                else:
                    t_dit_eq.append(t)
        if max(errs) <= bar or xtol == 1e-10:
            break
    eq = np.median(t_dit_eq) / np.array(times)  # dit's times from the same alternation
    verdict = "as accurate as dit" if max(errs) <= bar else "not reached"
    print(f"time to equal accuracy (dit's median worst error {target:.2e}, bar {bar:.0e}): thermoinfo with "
          f"xtol={xtol:g}, 1 restart, worst error {max(errs):.2e} ({verdict}), "
          f"{_spread(times)} s; dit's median time in the same alternation / this: {_spread(eq)}")
    print(f"peak memory of one untimed call (tracemalloc): thermoinfo "
          f"{_peak_kib(run_ours, p, betas, 0):.0f} KiB, dit {_peak_kib(run_dit, dist, betas):.0f} KiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="alternating timed runs per library (>= 5)")
    parser.add_argument("--long", action="store_true",
                        help="also the 8 x 3 table, and more beta values")
    args = parser.parse_args()
    runs = max(args.runs, 5)
    started = time.perf_counter()
    run_ours(np.full((2, 2), 0.25), np.array([1.0, 2.0]), 0)        # compile, untimed

    eps = 0.1
    bsb = 0.5 * np.array([[1 - eps, eps], [eps, 1 - eps]])
    betas = np.linspace(1.0, 5.0, 7 if args.long else 3)
    compare(f"binary symmetric bottleneck, eps = {eps} (closed form)", bsb, betas,
            closed_form_reference(eps, betas), runs)

    rng = np.random.default_rng(2026)
    tables = [(2, 3), (3, 3), (4, 3)] + ([(8, 3)] if args.long else [])
    for n_x, n_y in tables:
        p = rng.random((n_x, n_y)) ** 3
        p /= p.sum()
        betas = np.linspace(1.0, 5.0, 5 if args.long else 2)
        compare("random table (brute-force reference)", p, betas,
                brute_force_reference(p, betas, n_starts=20 if args.long else 8), runs)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
