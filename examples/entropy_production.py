"""Entropy production of two Glauber spins over inverse temperature and coupling.

Runs the ``entropy_production`` experiment: one Glauber step of two coupled Ising
spins, and the total, system and bath entropy productions with each spin's own
and partial productions over a (beta, J) grid. Prints sigma_tot = sigma_sys +
sigma_bath at beta = 1 and writes the netCDF file and the figure.

    python examples/entropy_production.py --quick [--out DIR]

Reference: S. Ito, M. Oizumi and S. Amari, Phys. Rev. Research 2, 033048 (2020),
arXiv:1810.09545.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from thermoinfo.experiments import entropy_production
from thermoinfo.experiments._common import write_netcdf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the quick grid")
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder")
    args = parser.parse_args(argv)

    ds = entropy_production.run(quick=args.quick, rng=0)
    beta = float(ds.beta.sel(beta=1.0, method="nearest"))
    cut = ds.sel(beta=beta)
    extra = [d for d in cut.sigma_tot.dims if d != "J"]
    if extra:  # one line per J for the first process
        cut = cut.isel({d: 0 for d in extra})
    print(f"beta = {beta:g} (nats):")
    print(f"{'J':>6s} {'sigma_tot':>10s} {'sigma_sys':>10s} {'sigma_bath':>10s}")
    for J in cut.J.values:
        row = cut.sel(J=J)
        print(f"{J:6.2f} {float(row.sigma_tot):10.6f} {float(row.sigma_sys):10.6f} "
              f"{float(row.sigma_bath):10.6f}")
    np.testing.assert_allclose(ds.sigma_tot, ds.sigma_sys + ds.sigma_bath, atol=1e-12)
    args.out.mkdir(parents=True, exist_ok=True)
    nc = write_netcdf(ds, args.out / "entropy_production.nc")
    png = args.out / "entropy_production.png"
    entropy_production.plot(ds).savefig(png, dpi=120, bbox_inches="tight")
    print(f"wrote {nc} and {png}")


if __name__ == "__main__":
    main()
