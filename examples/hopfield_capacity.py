"""Storage capacity of the Hopfield network: a sweep over N x alpha.

Runs the ``hopfield_capacity`` experiment (retrieval overlap after T = 0
relaxation from a stored pattern, beside the Amit-Gutfreund-Sompolinsky
replica-symmetric curve with alpha_c = 0.1379), prints the overlap at the
largest N next to the theory, and writes the netCDF file and the figure.

The grid points run through ``thermoinfo.experiments.sweep``: on local processes
by default, in this process with ``--scheduler serial``, or on a Dask cluster
with ``--scheduler tcp://HOST:8786``; every choice gives the same numbers.

    python examples/hopfield_capacity.py --quick [--scheduler ADDRESS] [--out DIR] [--seed N]

Reference: D. J. Amit, H. Gutfreund and H. Sompolinsky, Ann. Phys. 173, 30 (1987).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from thermoinfo.experiments import hopfield_capacity
from thermoinfo.experiments._common import write_netcdf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the quick grid (well under two minutes)")
    parser.add_argument("--scheduler", default=None, help="'serial' or a Dask scheduler address")
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    ds = hopfield_capacity.run(quick=args.quick, rng=args.seed, scheduler=args.scheduler)
    n = int(ds.N.max())
    print(f"alpha_c = {ds.attrs['alpha_c']:.4f} (replica-symmetric theory); overlap at N = {n}:")
    print(f"{'alpha':>6s} {'m (simulation)':>20s} {'m (theory)':>11s}")
    for alpha in ds.alpha.values:
        point = ds.sel(alpha=alpha, N=n)
        print(f"{alpha:6.3f} {float(point.overlap):11.4f} ± {float(point.overlap_se):6.4f} "
              f"{float(point.overlap_theory):11.4f}")
    args.out.mkdir(parents=True, exist_ok=True)
    nc = write_netcdf(ds, args.out / "hopfield_capacity.nc")
    png = args.out / "hopfield_capacity.png"
    hopfield_capacity.plot(ds).savefig(png, dpi=120, bbox_inches="tight")
    print(f"wrote {nc} and {png}")


if __name__ == "__main__":
    main()
