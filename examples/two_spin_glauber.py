"""Entropy production of two coupled spins under one Glauber (heat-bath) step.

Two Ising spins s_0, s_1 in {-1, +1} with energy E = -J s_0 s_1 - h_0 s_0 - h_1 s_1
are updated once, in parallel, each from its heat-bath conditional at inverse
temperature beta given the other's old value. The forward network is
z_0 <- x_1, z_1 <- x_0; the backward network runs the same kernels from the
final state. For each coupling J the table lists, in nats,

    sigma_tot = sigma_sys + sigma_bath     (distance of p to the backward family)
    sigma^0_tot, sigma^1_tot               (each spin's own production,
                                            [H(Z_i) - H(X_i)] + E log T_i / T^B_i)
    dI = I(Z0;Z1) - I(X0;X1)               (= sigma^0_tot + sigma^1_tot - sigma_tot)
    D(p||M_B^0), D(p||M_B^1)               (projection-based partial productions:
                                            distances to the backward families that
                                            fix one spin's backward kernel)

and then checks that, for the random-site Glauber step (detailed balance with
respect to E), the bath term is the heat released divided by the temperature,
sigma_bath = beta (<E(x)> - <E(z)>).

Run:  python examples/two_spin_glauber.py --beta 1.0 --h 0.2 -0.1

Reference: S. Ito, M. Oizumi and S. Amari, Phys. Rev. Research 2, 033048 (2020),
arXiv:1810.09545.
"""

from __future__ import annotations

import argparse

import numpy as np

import thermoinfo
from thermoinfo.systems.glauber import glauber_kernel, ising_energy, two_spin_glauber


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beta", type=float, default=1.0, help="inverse temperature")
    parser.add_argument("--h", type=float, nargs=2, default=(0.2, -0.1), help="fields h_0 h_1")
    parser.add_argument("--couplings", type=float, nargs="+", default=(0.0, 0.5, 1.0, 2.0))
    args = parser.parse_args(argv)
    h = tuple(args.h)

    print(f"parallel Glauber step, beta = {args.beta}, h = {h}, p(up, up) = 0.7 initially (nats)")
    cols = ("J", "sigma_tot", "sigma_sys", "sigma_bath", "sigma^0_tot", "sigma^1_tot", "dI",
            "D(p||M_B^0)", "D(p||M_B^1)")
    print(" ".join(f"{c:>11s}" for c in cols))
    for J in args.couplings:
        ep = two_spin_glauber(args.beta, J, h)
        row = (J, ep.total, ep.system, ep.bath, *ep.subsystem_total, ep.correlation_change, *ep.partial)
        print(" ".join(f"{v:11.6f}" for v in row))

    print("\nrandom-site Glauber step: sigma_bath against the heat beta (<E(x)> - <E(z)>)")
    p_x = np.array([0.1, 0.1, 0.1, 0.7])
    spins = np.array([[a, b] for a in (-1, 1) for b in (-1, 1)])
    print(f"{'J':>10s} {'sigma_bath':>12s} {'beta*heat':>12s}")
    for J in args.couplings:
        T = glauber_kernel(args.beta, J, h, update="random")
        ep = thermoinfo.entropy_production(p_x, T)
        energy = ising_energy(spins, J, h)
        heat = float(p_x @ energy - (p_x @ T) @ energy)
        print(f"{J:10.4f} {ep.bath:12.8f} {args.beta * heat:12.8f}")


if __name__ == "__main__":
    main()
