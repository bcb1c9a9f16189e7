"""Free-energy frontiers of a tabular representation-learning problem.

Solves F(lam, gamma) = min R + lam D + gamma C on a grid for a random 6 x 3
joint table with the exact tabular solver (continuation along the grid), then
draws

* the (R, D) frontier (one curve per gamma),
* the (R, C) frontier (one curve per lam; at lam = 0 the information bottleneck),
* the first-law residual dR + lam dD + gamma dC per unit step, with exact
  derivatives and with finite differences of the grid,

and writes them to ``free_energy_frontiers.png`` (or the path given as the first
argument). Reference: Gao and Chaudhari, arXiv:2002.12406.

Run:  python examples/free_energy_frontiers.py [out.png]
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from thermoinfo.freeenergy import firstlaw, sweep


def main(out: str = "free_energy_frontiers.png") -> str:
    rng = np.random.default_rng(7)
    p_xy = rng.random((6, 3)) ** 3
    p_xy /= p_xy.sum()
    lam = np.linspace(0.0, 0.8, 5)
    gamma = np.linspace(0.5, 12.0, 24)
    ds = sweep(p_xy, lam=lam, gamma=gamma, rng=0, restarts=3)
    exact = firstlaw.residual(ds, "exact")
    fd = firstlaw.residual(ds, "fd")
    print(f"max |first-law residual|: exact derivatives {float(abs(exact.residual_gamma).max()):.1e}, "
          f"finite differences {float(abs(fd.residual_gamma).max()):.1e} nats")
    for i, j in zip(*np.nonzero(ds.transition_gamma.values), strict=True):
        print(f"phase transition at lam = {lam[i]:.2f} between gamma = {gamma[j]:.2f} and "
              f"{gamma[j + 1]:.2f}: {int(ds.n_clusters[i, j])} -> {int(ds.n_clusters[i, j + 1])} "
              "distinct latent states")

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for g in ds.gamma.values[::5]:
        sel = ds.sel(gamma=g)
        axes[0].plot(sel.D, sel.R, "o-", ms=3, label=f"gamma = {g:.1f}")
    axes[0].set(xlabel="distortion D = H(X|Z) [nat]", ylabel="rate R = I(X;Z) [nat]", title="(R, D) frontier")
    axes[0].legend(fontsize=7)
    for lv in ds.lam.values:
        sel = ds.sel(lam=lv)
        axes[1].plot(sel.C, sel.R, "o-", ms=3, label=f"lam = {lv:.1f}")
    axes[1].set(xlabel="classification loss C = H(Y|Z) [nat]", ylabel="rate R [nat]", title="(R, C) frontier")
    axes[1].legend(fontsize=7)
    for lv in ds.lam.values[::2]:
        axes[2].semilogy(ds.gamma, abs(fd.residual_gamma.sel(lam=lv)) + 1e-17, "--",
                         label=f"finite differences, lam = {lv:.1f}")
        axes[2].semilogy(ds.gamma, abs(exact.residual_gamma.sel(lam=lv)) + 1e-17, "-",
                         label=f"exact, lam = {lv:.1f}")
    axes[2].set(xlabel="gamma", ylabel="|dR + lam dD + gamma dC| per unit gamma [nat]",
                title="first-law residual")
    axes[2].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


if __name__ == "__main__":
    print(main(*sys.argv[1:2]))
