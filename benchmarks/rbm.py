"""Benchmark of thermoinfo's RBM training and AIS against scikit-learn's ``BernoulliRBM``.

Equal work: both libraries train with persistent contrastive divergence, one
Gibbs step, ``batch_size`` persistent chains, learning rate 0.1 on the
minibatch-mean gradient, weights initialized N(0, 0.01), the minibatches in the
data's order, in float32 (scikit-learn is given float32 data, so it keeps float32
parameters; thermoinfo trains in float32), on the same data, in the same
process. The cases:

- the 8x8 digits binarized (1797 x 64, pixel / 16 > 0.5), batch 10, n_hidden 20
  (exact log-likelihood) and 64;
- the digits upsampled to 28x28 (bilinear) and binarized (1797 x 784), batch 100,
  n_hidden 200 (500 with ``--full``).

The two trainers alternate, ``--repeat`` times each (at least 5); the script
prints the median throughput (samples per second: epochs x images / seconds)
of each with its range over the runs, and the median of the per-run ratios with
their range, since the machine may be shared. Beside them, the log-likelihood
per image each library's models reach on the data (mean and sd over the runs):
exact for n_hidden <= 20, else thermoinfo's AIS (base rates from the data, 100
runs, the Salakhutdinov-Murray schedule cut to 750 steps) with its largest
standard error and smallest effective sample size over the runs (an ESS below 20
of 100 means the standard error understates the uncertainty: on the default
run's 784-pixel models it is 8 to 20, so their log-likelihoods are indicative),
the same estimator for both (scikit-learn's model is loaded with
``RBM.from_params(components_.T, intercept_visible_, intercept_hidden_)``),
computed after all the timed runs of a case (their large products leave BLAS
threads spinning for a while, which would slow the next timed run). Peak memory
is the tracemalloc peak of one epoch, measured apart from the timed runs.

Then it times AIS (100 runs, the 14,500-step Salakhutdinov-Murray schedule; 1,450
with ``--quick``) on three 784 x 500 RBMs: a random one (weights N(0, 0.05),
visible biases N(-1, 0.5), hidden N(0, 0.5)), with float32 and float64 products,
the two estimates side by side; one trained by thermoinfo on the 784-pixel digits
(PCD, 10 epochs, batch 100, learning rate 0.05) and one trained there by
scikit-learn's ``BernoulliRBM`` (2 epochs, its defaults: batch 10, learning rate
0.1), both with float32 products. AIS anneals its runs in two chunks of 50 on
``--threads`` threads, each chunk's products on one thread: by BLAS while many
units change per step (the random model, throughout), by adding the rows of the
changed units while few do (the trained models: a tenth or so per step).

Threads (``--threads``, default 2: the targets are on 2 cores). The limit
(threadpoolctl) covers numpy's BLAS and the BLAS that numba's compiled products
call. scikit-learn: its products run in numpy's BLAS on up to ``--threads``
threads, the rest (sigmoids, random numbers, updates) on one. thermoinfo: at
batch 10 on 64 pixels the whole epoch is one numba kernel on one thread, its
products in numba's BLAS (too small to be split), while a second thread draws
the next epoch's random numbers; on 784 pixels at batch 100 the products run in
numpy's BLAS on up to ``--threads`` threads and the random numbers, sampling and
updates on one, in turn. ``--threads 1`` puts every product of both libraries on
one thread; at batch 10 thermoinfo's random-number thread still runs beside its
kernel, so that case is not a one-core run.

    python benchmarks/rbm.py            # about 2 minutes on an idle 2-core machine
    python benchmarks/rbm.py --quick    # 2 epochs, 5 runs, 1,450 AIS betas
    python benchmarks/rbm.py --full     # 784 x 500 training, 20 epochs
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg  # noqa: F401  (loads the BLAS that numba's products call, so the thread limit covers it)

from thermoinfo import UnreliableEstimateWarning
from thermoinfo.models import RBM
from thermoinfo.sampling.ais import ais, default_betas
from thermoinfo.systems.datasets import load_digits


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def peak_memory(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """tracemalloc peak (MiB) of one call, run apart from the timings (tracing slows allocation)."""
    tracemalloc.start()
    fn(*args, **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def digits_784() -> np.ndarray:
    """The 8x8 digits upsampled to 28x28 (bilinear) and binarized at 0.5, int8 (1797, 784)."""
    from scipy.ndimage import zoom

    images = load_digits(binarize=False).reshape(-1, 8, 8)
    big = zoom(images, (1, 3.5, 3.5), order=1)
    return (big.reshape(len(images), -1) > 0.5).astype(np.int8)


def train_ours(X: np.ndarray, n_hidden: int, batch: int, n_epochs: int, seed: int) -> RBM:
    return RBM(X.shape[1], n_hidden, method="pcd", k=1, learning_rate=0.1, batch_size=batch,
               n_epochs=n_epochs, shuffle=False, rng=seed).fit(X)


def train_sklearn(X32: np.ndarray, n_hidden: int, batch: int, n_epochs: int, seed: int) -> Any:
    from sklearn.neural_network import BernoulliRBM

    return BernoulliRBM(n_components=n_hidden, learning_rate=0.1, batch_size=batch, n_iter=n_epochs,
                        random_state=seed).fit(X32)


def log_likelihood(model: RBM, X: np.ndarray, betas: np.ndarray, seed: int) -> tuple[float, float, float]:
    """(mean log-likelihood, standard error, AIS effective sample size) per image; exact
    (standard error 0, no sample size) when n_hidden <= 20. The AIS warning of a small
    effective sample size is not raised here: :func:`ll_summary` prints the sizes."""
    if model.n_hidden <= 20:
        return model.log_likelihood(X), 0.0, float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnreliableEstimateWarning)
        est = model.log_likelihood(X, method="ais", rng=seed, n_runs=100, betas=betas, data=X)
    return est.value, est.stderr, est.log_partition.ess


def spread(values: np.ndarray, fmt: str) -> str:
    """median [min, max]."""
    return f"{np.median(values):{fmt}} [{np.min(values):{fmt}}, {np.max(values):{fmt}}]"


def ll_summary(values: list[tuple[float, float, float]]) -> str:
    """Mean and sd over the runs; for AIS the largest standard error and the smallest
    effective sample size (of 100 runs; below 20 the standard error understates the
    uncertainty, and ``RBM.log_partition`` would warn)."""
    v = np.array([x for x, _, _ in values])
    se = max(s for _, s, _ in values)
    if se == 0:
        return f"{v.mean():.2f} sd {v.std(ddof=1):.2f} (exact)"
    ess = min(e for _, _, e in values)
    return f"{v.mean():.2f} sd {v.std(ddof=1):.2f} (AIS se ≤ {se:.2f}, ESS ≥ {ess:.0f} of 100)"


def compare(name: str, X: np.ndarray, n_hidden: int, batch: int, n_epochs: int, repeat: int,
            betas: np.ndarray, seed: int) -> float:
    X32 = X.astype(np.float32)
    n = X.shape[0]
    train_ours(X[:2 * batch], n_hidden, batch, 1, seed)  # compile outside the timings
    ours_t, sk_t, ours_models, sk_models = [], [], [], []
    for rep in range(repeat):
        runs = [("ours", train_ours, X), ("sklearn", train_sklearn, X32)]
        if rep % 2:
            runs.reverse()  # alternate which library runs first
        for label, fn, data in runs:
            dt, model = timed(fn, data, n_hidden, batch, n_epochs, seed + rep)
            if label == "ours":
                ours_t.append(dt)
                ours_models.append(model)
            else:
                sk_t.append(dt)
                sk_models.append(RBM.from_params(model.components_.T, model.intercept_visible_,
                                                 model.intercept_hidden_))
    # the likelihoods after the timed runs: their large products would leave BLAS threads
    # spinning through the next timed run
    ll_ours = [log_likelihood(model, X, betas, seed) for model in ours_models]
    ll_sk = [log_likelihood(model, X, betas, seed) for model in sk_models]
    rate_ours = n_epochs * n / np.array(ours_t)
    rate_sk = n_epochs * n / np.array(sk_t)
    ratio = rate_ours / rate_sk
    mem_ours = peak_memory(train_ours, X, n_hidden, batch, 1, seed)
    mem_sk = peak_memory(train_sklearn, X32, n_hidden, batch, 1, seed)
    print(f"{name}, n_hidden {n_hidden}, batch {batch}, {n_epochs} epochs, {repeat} alternating runs")
    print(f"  samples/s  ours {spread(rate_ours, '.0f')}   sklearn {spread(rate_sk, '.0f')}")
    print(f"  ratio ours/sklearn {spread(ratio, '.2f')}")
    print(f"  log-likelihood per image (nats)  ours {ll_summary(ll_ours)}   sklearn {ll_summary(ll_sk)}")
    print(f"  peak memory of one epoch (MiB)  ours {mem_ours:.1f}   sklearn {mem_sk:.1f}")
    return float(np.median(ratio))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs, 5 runs, 1,450 AIS betas")
    parser.add_argument("--full", action="store_true", help="784 x 500 training, 20 epochs")
    parser.add_argument("--repeat", type=int, default=5, help="alternating runs of each library (>= 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads for both libraries")
    args = parser.parse_args(argv)
    if args.repeat < 5:
        parser.error("--repeat must be at least 5")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(args.threads):
        run(args)


def run(args: argparse.Namespace) -> None:
    n_epochs = 2 if args.quick else 20 if args.full else 5
    betas = default_betas(50, 400, 1000) if args.quick else default_betas()
    ll_betas = default_betas(50, 200, 500)  # for the trained models' log-likelihoods
    X = load_digits(binarize=True)
    print(f"threads {args.threads}; load average {os.getloadavg()[0]:.2f} at the start; timings on a "
          "shared machine are indicative")
    ratios = {}
    ratios["64 px, batch 10, 20 hidden"] = compare("binarized digits 1797 x 64", X, 20, 10, n_epochs,
                                                   args.repeat, ll_betas, args.seed)
    ratios["64 px, batch 10, 64 hidden"] = compare("binarized digits 1797 x 64", X, 64, 10, n_epochs,
                                                   args.repeat, ll_betas, args.seed)
    big = digits_784()
    n_hidden = 500 if args.full else 200
    ratios[f"784 px, batch 100, {n_hidden} hidden"] = compare(
        "digits upsampled to 28x28, binarized, 1797 x 784", big, n_hidden, 100, n_epochs, args.repeat,
        ll_betas, args.seed)
    print(f"median throughput ratios (load average {os.getloadavg()[0]:.2f} now; targets: >= 6 at batch "
          "10 on 64 px, >= 2 at batch 100 on 784 px):")
    for key, value in ratios.items():
        print(f"  {key}: {value:.2f}")

    rng = np.random.default_rng(args.seed)
    params = (rng.normal(0, 0.05, (784, 500)), rng.normal(-1, 0.5, 784), rng.normal(0, 0.5, 500))
    ais(*params, betas=np.linspace(0, 1, 3), n_runs=2, rng=0, dtype=np.float32)  # compile
    ais(*params, betas=np.linspace(0, 1, 3), n_runs=2, rng=0, dtype=np.float64)
    mem = peak_memory(ais, *params, betas=np.linspace(0, 1, 50), n_runs=100, rng=1)
    trained = RBM(784, 500, method="pcd", learning_rate=0.05, batch_size=100, n_epochs=10,
                  rng=args.seed).fit(big)
    sk = train_sklearn(big.astype(np.float32), 500, 10, 2, args.seed)  # as a user's quick model
    cases = [("random", params, np.float32), ("random", params, np.float64),
             ("trained by thermoinfo", (trained.weights_, trained.visible_bias_, trained.hidden_bias_),
              np.float32),
             ("trained by scikit-learn", (sk.components_.T, sk.intercept_visible_, sk.intercept_hidden_),
              np.float32)]
    for label, model, dtype in cases:
        dt, res = timed(ais, *model, betas=betas, n_runs=100, rng=1, dtype=dtype,
                        n_threads=args.threads)
        print(f"AIS 784 x 500 {label}, 100 runs, {len(betas)} betas, {np.dtype(dtype).name} products, "
              f"{args.threads} thread(s): log Z = {res.log_z:.3f} ± {res.stderr:.3f} "
              f"(ESS {res.ess:.0f}) in {dt:.1f} s (target: <= 25 s for 14,500 betas)")
    print(f"AIS peak memory (tracemalloc, random model, 100 runs, 50 betas): {mem:.0f} MiB")


if __name__ == "__main__":
    main()
