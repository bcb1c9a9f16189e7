"""A (lam, gamma) grid of encoder/decoder/classifier networks in one vmapped
program against the same grid trained point by point.

Both sides call :func:`thermoinfo.models.encdec.fit_grid` as a user would, on the
binarized digits (1300 training images), the same architecture (MLP encoder 64-32-8,
4 latent dimensions, MLP Bernoulli decoder 4-32-64, softmax classifier over 10
classes), batch size 128 (``--batch``) and the same number of Adam steps per grid point:

* vmapped: ``fit_grid(..., lam=4 values, gamma=4 values)``, the 16 points trained
  by one jit-compiled step mapped over the grid with ``jax.vmap``; on the CPU the
  grid runs in concurrent parts, one compiled program per core on its own thread
  (two parts of 8 points on 2 cores);
* sequential: 16 calls ``fit_grid(..., lam=l, gamma=g)``, one point each;
* for the breakdown, the vmapped grid as one part (one program, as on an
  accelerator), alongside.

``fit_grid`` makes up to 64 steps per compiled call (a ``lax.while_loop`` over
device-resident data, the minibatch indices and noise of those steps drawn ahead
in one go), the same program for one point as for sixteen, so neither side pays a
Python dispatch per step. Each side is compiled once before any timer starts (the
compiled program is cached per architecture), so the timings compare equal work:
16 x n_steps minibatch updates, float32, the same data, minibatches and noise.
The runs alternate (the order rotates) at least five times each; printed are the
median [min, max] times, the time per step and grid point, the ratio
sequential/vmapped per round of runs (median and [min, max]), the peak resident
memory of the process and the device. That the sides train the same models is
checked: grid point 0 of the vmapped run equals the sequential run at the same
(lam, gamma) (every point draws the same noise), and the parts equal the one-part
grid.

Timings are wall-clock on a possibly shared machine: indicative, not exact.

Usage:  python benchmarks/neural.py [--runs N] [--steps N] [--long] [--batch N]
(default: 5 runs of 300 steps, about a minute on 2 cores; ``--long``: 10 runs of
2000 steps. A smaller ``--batch`` makes each point's step cheaper, so that fixed
costs per step weigh more and vmapping saves more.)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--long", action="store_true")
    parser.add_argument("--batch", type=int, default=128, help="minibatch size of every grid point")
    args = parser.parse_args()
    if args.long:
        runs, steps = max(args.runs, 10), max(args.steps, 2000)
    else:
        runs, steps = max(args.runs, 5), args.steps

    import resource

    import jax

    from thermoinfo.models import encdec
    from thermoinfo.models.encdec import Architecture, fit_grid
    from thermoinfo.systems.datasets import load_digits

    X, y = load_digits(return_labels=True)
    X = X[:1300].astype(float)
    y = y[:1300]
    arch = Architecture(n_features=64, n_latent=4, n_classes=10, hidden=(32,), decoder_hidden=(32,),
                        stochastic_weights=False)
    lams = np.array([0.5, 0.8, 1.1, 1.4])
    gammas = np.array([0.5, 1.0, 2.0, 4.0])
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    kw = dict(batch_size=args.batch, learning_rate=3e-3, rng=0)

    def vmapped(n: int, parts: bool = True):
        if parts:
            fit = fit_grid(arch, X, y, lam=lams, gamma=gammas, n_steps=n, **kw)
        else:
            with one_part():
                fit = fit_grid(arch, X, y, lam=lams, gamma=gammas, n_steps=n, **kw)
        jax.block_until_ready(fit.state.posterior)
        return fit

    def sequential(n: int):
        fits = [fit_grid(arch, X, y, lam=lam, gamma=g, n_steps=n, **kw) for lam in lams for g in gammas]
        jax.block_until_ready(fits[-1].state.posterior)
        return fits

    @contextlib.contextmanager
    def one_part():
        saved = encdec._part_bounds
        encdec._part_bounds = lambda n_points: [(0, n_points)]
        try:
            yield
        finally:
            encdec._part_bounds = saved

    def leaves(fit):
        return jax.tree_util.tree_leaves(fit.state.posterior)

    # compile every program, untimed, and check that they train the same models
    v = vmapped(5)
    s = sequential(5)
    w = vmapped(5, parts=False)
    point0 = zip(jax.tree_util.tree_leaves(v.point(0)), jax.tree_util.tree_leaves(s[0].point(0)))
    same = all(np.allclose(u, t, atol=1e-5) for u, t in point0)
    same_parts = all(np.allclose(u, t, atol=1e-5) for u, t in zip(leaves(v), leaves(w)))
    n_parts = len(encdec._part_bounds(16))

    fns = {"vmapped": vmapped, "sequential": sequential, "one part": lambda n: vmapped(n, parts=False)}
    names = list(fns)
    times = {name: [] for name in names}
    for r in range(runs):
        for name in names[r % 3:] + names[:r % 3]:
            t0 = time.perf_counter()
            fns[name](steps)
            times[name].append(time.perf_counter() - t0)
    t = {name: np.array(values) for name, values in times.items()}
    device = jax.devices()[0]
    print(f"device: {device.platform} ({device.device_kind}), {os.cpu_count()} CPU cores; 16-point grid, "
          f"{steps} steps per point, batch {args.batch}, {runs} rounds of alternating runs")
    print(f"same models (grid point 0 = its own run): {same}; ({n_parts} parts = one part): {same_parts}")
    for name in names:
        label = f"vmapped, {n_parts} parts" if name == "vmapped" else (
            "vmapped, one part" if name == "one part" else name)
        print(f"{label:20s} median {np.median(t[name]):.3f} s [min {t[name].min():.3f}, "
              f"max {t[name].max():.3f}]; {np.median(t[name]) / (16 * steps) * 1e6:.1f} us per step and "
              "grid point")
    for name in ("vmapped", "one part"):
        ratio = t["sequential"] / t[name]
        label = f"vmapped ({n_parts} parts)" if name == "vmapped" else "vmapped (one part)"
        print(f"ratio sequential/{label}: median {np.median(ratio):.2f} [min {ratio.min():.2f}, "
              f"max {ratio.max():.2f}]")
    print(f"peak resident memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
