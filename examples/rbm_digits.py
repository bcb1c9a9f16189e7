"""Train an RBM on the binarized digits and measure it thermodynamically.

Trains a 64 x 20 RBM (PCD-1) on scikit-learn's 8x8 digits binarized at
pixel / 16 > 0.5, prints the exact log-likelihood per image next to its AIS
estimate and the reverse-AIS estimate, then writes two figures:

- ``rbm_thermodynamics.png``: F(T) = -T log Z(T), U(T) = <E>,
  S(T) = (U - F) / T and C(T) = Var(E) / T^2, exact by enumerating the
  2^20 hidden states;
- ``rbm_weights.png``: the weights of each hidden unit and the leading
  eigenvectors of W W^T, as 8x8 images.

    python examples/rbm_digits.py [--out DIR] [--seed N] [--quick]   # under a minute on 2 cores
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from thermoinfo.models import RBM
from thermoinfo.sampling.ais import default_betas
from thermoinfo.systems.datasets import load_digits


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNG files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="3 epochs and a short AIS (a smoke run)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    X = load_digits(binarize=True)
    rng = np.random.default_rng(args.seed)
    test = rng.permutation(X.shape[0])
    X_train, X_test = X[test[300:]], X[test[:300]]

    rbm = RBM(64, 12 if args.quick else 20, method="pcd", learning_rate=0.05, batch_size=10,
              n_epochs=3 if args.quick else 30, rng=args.seed)
    for state in rbm.iter_fit(X_train):
        if state.epoch % 10 == 0:
            print(f"epoch {state.epoch:3d}: {state.n_steps} updates, {state.elapsed:.1f} s")
    print(f"train log-likelihood per image {rbm.log_likelihood(X_train):.3f} nats (exact)")

    exact = rbm.log_likelihood(X_test)
    betas = default_betas(20, 80, 200) if args.quick else default_betas(200, 800, 2000)
    n_runs = 20 if args.quick else 100
    ais = rbm.log_likelihood(X_test, method="ais", rng=1, n_runs=n_runs, betas=betas, data=X_train)
    both = rbm.log_partition("bracket", rng=2, n_runs=n_runs, betas=betas, data=X_train)
    reverse = both.reverse
    log_z = rbm.log_partition("exact")
    print(f"log Z: exact {log_z:.3f}, AIS {ais.log_partition.log_z:.3f} ± {ais.stderr:.3f}, "
          f"reverse AIS {reverse.log_z:.3f} ± {reverse.stderr:.3f} (forward and reverse: {both.verdict})")
    print(f"test log-likelihood per image: exact {exact:.3f}, AIS {ais.value:.3f} "
          f"[{ais.lower:.3f}, {ais.upper:.3f}] nats")

    ds = rbm.thermodynamics(np.linspace(0.5, 4.0, 8))
    spectrum = rbm.weight_spectrum()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
    for ax, name, label in zip(axes, ("free_energy", "energy", "entropy", "heat_capacity"),
                               ("F = -T log Z", "U = <E>", "S = (U - F)/T [nat]", "C = Var E / T²")):
        ax.plot(ds["temperature"], ds[name], "o-")
        ax.axvline(1.0, color="grey", lw=0.8)
        ax.set_xlabel("T")
        ax.set_title(label)
    fig.suptitle(f"64 x {rbm.n_hidden} RBM on binarized digits (T = 1: the trained model)")
    fig.tight_layout()
    fig.savefig(args.out / "rbm_thermodynamics.png", dpi=120)
    plt.close(fig)

    fig, axes = plt.subplots(2, 10, figsize=(12, 3))
    for j in range(10):
        axes[0, j].imshow(rbm.weights_[:, j].reshape(8, 8), cmap="RdBu_r")
        axes[0, j].set_title(f"h{j}", fontsize=8)
        axes[1, j].imshow(spectrum.images((8, 8), n=10)[j], cmap="RdBu_r")
        axes[1, j].set_title(f"λ={spectrum.eigenvalues[j]:.1f}", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("weights")
    axes[1, 0].set_ylabel("W Wᵀ")
    fig.tight_layout()
    fig.savefig(args.out / "rbm_weights.png", dpi=120)
    plt.close(fig)
    print(f"wrote {args.out / 'rbm_thermodynamics.png'} and {args.out / 'rbm_weights.png'} "
          f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
