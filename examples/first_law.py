"""The first law of learning on networks trained on the digits.

Runs the ``first_law`` experiment (a (lam, gamma) grid of encoder/decoder/classifier
networks trained in one vmapped program), prints R, D, C with their standard errors,
the first-law residual dF/dlam - D with its paired error and the implied multiplier
-(dR/dD)_C against lam, and writes the netCDF file and the figure.

    python examples/first_law.py --quick [--out DIR] [--seed N]

Reference: Y. Gao and P. Chaudhari, arXiv:2002.12406.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from thermoinfo.experiments import first_law
from thermoinfo.experiments._common import write_netcdf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the quick grid (under three minutes)")
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    ds = first_law.run(quick=args.quick, rng=args.seed, progress=True)
    print(f"{'lam':>5s} {'gamma':>6s} {'R':>14s} {'D':>15s} {'C':>14s} {'dF/dlam - D':>16s} "
          f"{'implied lam':>16s}")
    for lam in ds.lam.values:
        for gamma in ds.gamma.values:
            p = ds.sel(lam=lam, gamma=gamma)
            print(f"{lam:5.2f} {gamma:6.2f} {float(p.R):7.3f} ± {float(p.R_se):5.3f} "
                  f"{float(p.D):7.3f} ± {float(p.D_se):5.3f} {float(p.C):6.3f} ± {float(p.C_se):5.3f} "
                  f"{float(p.envelope_lam):7.3f} ± {float(p.envelope_lam_se):5.3f} "
                  f"{float(p.implied_lam):7.3f} ± {float(p.implied_lam_se):5.3f}")
    args.out.mkdir(parents=True, exist_ok=True)
    write_netcdf(ds, args.out / "first_law.nc")
    first_law.plot(ds).savefig(args.out / "first_law.png", dpi=120)
    print(f"wrote {args.out / 'first_law.nc'} and {args.out / 'first_law.png'}")


if __name__ == "__main__":
    main()
