"""Benchmark of thermoinfo's RBM training against scikit-learn's ``BernoulliRBM``.

Both train on the binarized 8x8 digits (1797 images, pixel / 16 > 0.5) with the
same algorithm and hyper-parameters: persistent contrastive divergence with one
Gibbs step, ``batch_size`` persistent chains, minibatches of 10, learning rate
0.1 on the minibatch-mean gradient, weights initialized N(0, 0.01), 20 epochs;
n_hidden = 20, 64 and 256. The two trainers alternate, ``--repeat`` times each,
and the best time of each is kept (the machine may be shared). BLAS runs on one
thread in both (``--threads``): multi-threaded BLAS on tiny minibatch products
only adds contention. The script prints
samples per second (epochs x images / seconds) for both, their ratio, and the
log-likelihood per image each trained model reaches on the data: exact for
n_hidden <= 20, else AIS (base-rate start from the data, 100 runs, the
14,500-step schedule of Salakhutdinov & Murray) with ±3 standard errors,
averaged over the ``--repeat`` trainings (PCD at a constant learning rate ends
at a fluctuating state, so one training says little).
scikit-learn's model is evaluated by loading ``components_.T``,
``intercept_visible_`` and ``intercept_hidden_`` into ``RBM.from_params``.

Then it times the exact log Z of a trained 64 x 20 RBM, and AIS (100 runs,
14,500 betas) on a 784 x 500 RBM with random weights. Peak memory is the
tracemalloc peak (numpy buffers included) of each timed call.

    python benchmarks/rbm.py            # a few minutes
    python benchmarks/rbm.py --quick    # fewer epochs and betas, under a minute
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from thermoinfo.models import RBM
from thermoinfo.sampling.ais import ais, default_betas
from thermoinfo.systems.datasets import load_digits


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def peak_memory(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """tracemalloc peak (MiB) of one call, timed apart (tracing slows allocation)."""
    tracemalloc.start()
    fn(*args, **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def summary(values: list[tuple[float, float]]) -> str:
    """Mean over the trainings, their spread (sd) and the largest AIS 3-sigma."""
    v = np.array([x for x, _ in values])
    sd = v.std(ddof=1) if v.size > 1 else 0.0
    ais3 = 3 * max(s for _, s in values)
    return f"{v.mean():.2f} sd {sd:.2f}" + (f" ±{ais3:.2f}" if ais3 > 0 else "")


def train_ours(X: np.ndarray, n_hidden: int, n_epochs: int, seed: int) -> RBM:
    # scikit-learn visits the minibatches in the data's order every epoch: so do we here
    return RBM(X.shape[1], n_hidden, method="pcd", k=1, learning_rate=0.1, batch_size=10,
               n_epochs=n_epochs, shuffle=False, rng=seed).fit(X)


def train_sklearn(X: np.ndarray, n_hidden: int, n_epochs: int, seed: int) -> Any:
    from sklearn.neural_network import BernoulliRBM

    return BernoulliRBM(n_components=n_hidden, learning_rate=0.1, batch_size=10, n_iter=n_epochs,
                        random_state=seed).fit(X)


def log_likelihood(model: RBM, X: np.ndarray, betas: np.ndarray, seed: int) -> tuple[float, float]:
    """(mean log-likelihood, standard error) per image; exact when n_hidden <= 20."""
    if model.n_hidden <= 20:
        return model.log_likelihood(X), 0.0
    est = model.log_likelihood(X, method="ais", rng=seed, n_runs=100, betas=betas, data=X)
    return est.value, est.stderr


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 epochs, 2,000 betas, no 784x500 AIS")
    parser.add_argument("--repeat", type=int, default=3, help="timed trainings of each library")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads for both libraries (default 1: a one-core comparison)")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(args.threads):
        run(args)


def run(args: argparse.Namespace) -> None:
    n_epochs = 5 if args.quick else 20
    betas = default_betas(100, 400, 1500) if args.quick else default_betas()

    X = load_digits(binarize=True)  # int8 {0, 1}
    Xf = X.astype(np.float64)  # scikit-learn's input
    n = X.shape[0]
    train_ours(X[:50], 8, 1, 0)  # compile (numba caches to disk)
    print(f"binarized digits: {n} x {X.shape[1]}, PCD-1, batch 10, learning rate 0.1, "
          f"{n_epochs} epochs, best of {args.repeat}")
    print("log-likelihood per image on the data (nats): mean over the trainings, sd between them, "
          "and the AIS ±3 standard errors")
    print(f"{'n_hidden':>8} {'ours [samples/s]':>17} {'sklearn [samples/s]':>20} {'ratio':>6} "
          f"{'ours log-lik':>22} {'sklearn log-lik':>22} {'peak MiB (ours/sk)':>19}")
    ratios = []
    for n_hidden in (20, 64, 256):
        t_ours, t_sk = np.inf, np.inf
        ll_ours, ll_sk = [], []
        for rep in range(args.repeat):
            dt, ours = timed(train_ours, X, n_hidden, n_epochs, args.seed + rep)
            t_ours = min(t_ours, dt)
            dt, sk = timed(train_sklearn, Xf, n_hidden, n_epochs, args.seed + rep)
            t_sk = min(t_sk, dt)
            sk_model = RBM.from_params(sk.components_.T, sk.intercept_visible_, sk.intercept_hidden_)
            ll_ours.append(log_likelihood(ours, X, betas, args.seed))
            ll_sk.append(log_likelihood(sk_model, X, betas, args.seed))
        mem_ours = peak_memory(train_ours, X, n_hidden, 1, args.seed)
        mem_sk = peak_memory(train_sklearn, Xf, n_hidden, 1, args.seed)
        rate_ours, rate_sk = n_epochs * n / t_ours, n_epochs * n / t_sk
        ratios.append(rate_ours / rate_sk)
        print(f"{n_hidden:>8} {rate_ours:>17.0f} {rate_sk:>20.0f} {rate_ours / rate_sk:>6.2f} "
              f"{summary(ll_ours):>22} {summary(ll_sk):>22} {mem_ours:>9.1f}/{mem_sk:<9.1f}")
    print(f"throughput ratio ours/sklearn: min {min(ratios):.2f}, goal >= 3")

    trained = train_ours(X, 20, n_epochs, args.seed)
    dt, log_z = timed(trained.log_partition, "exact")
    mem = peak_memory(trained.log_partition, "exact", beta=0.5)  # beta: not the cached value
    print(f"exact log Z, 64 x 20 (2^20 hidden states): {log_z:.4f} in {dt:.2f} s, peak {mem:.0f} MiB")

    if not args.quick:
        rng = np.random.default_rng(args.seed)
        big = RBM.from_params(rng.normal(0, 0.05, (784, 500)), rng.normal(-1, 0.5, 784),
                              rng.normal(0, 0.5, 500))
        params = (big.weights_, big.visible_bias_, big.hidden_bias_)
        mem = peak_memory(ais, *params, betas=default_betas(1, 1, 100), n_runs=100, rng=1)
        for dtype in (np.float32, np.float64):
            dt, res = timed(ais, *params, betas=default_betas(), n_runs=100, rng=1, dtype=dtype)
            print(f"AIS 784 x 500, 100 runs, {len(default_betas())} betas, {np.dtype(dtype).name} "
                  f"products: log Z = {res.log_z:.3f} ± {res.stderr:.3f} in {dt:.1f} s, "
                  f"peak {mem:.0f} MiB (the loop allocates the same per step)")


if __name__ == "__main__":
    main()
