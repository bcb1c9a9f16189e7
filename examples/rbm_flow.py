"""The RBM flow of Ising configurations and its fixed point near T_c.

Runs the ``rbm_flow`` experiment: RBMs with +-1 units trained by CD-1 on 10 x 10
Ising configurations at T = 0, 0.25, ..., 6; the flow v -> h -> v from T = 0 and
from T = 6 configurations; the temperature read along it by the exact energy
u_L(T) (Kaufman) and by the data's <|m|>(T). Prints the fixed points against
T_c = 2.269 and writes the netCDF file and the figure.

    python examples/rbm_flow.py [--full] [--out DIR] [--seed N]

The default is the quick run (under a minute on 2 idle cores); ``--full`` uses the
papers' sizes and takes much longer.

References: Iso, Shiba Funai & Yokoo, arXiv:1801.07172; Funai & Giataganas,
arXiv:1810.08179.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from thermoinfo.experiments import rbm_flow
from thermoinfo.experiments._common import write_netcdf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true",
                        help="the papers' sizes (much longer than the quick default)")
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    quick = not args.full
    ds = rbm_flow.run(quick=quick, rng=args.seed)
    print(f"T_c = {ds.attrs['critical_temperature']:.4f}; fixed points (energy thermometer, "
          "|m| thermometer), mean over replicas:")
    print(f"{'N_h':>4s} {'training':>8s} {'start':>5s} {'T_E':>8s} {'T_|m|':>8s}")
    for nh in ds.n_hidden.values:
        for t in ds.training.values:
            for s in ds.start.values:
                p = ds.sel(n_hidden=nh, training=t, start=s)
                print(f"{int(nh):4d} {t:>8s} {s:>5s} {float(np.nanmean(p.fixed_point_temperature)):8.3f} "
                      f"{float(np.nanmean(p.fixed_point_temperature_abs_m)):8.3f}")
    stem = f"rbm_flow{'_quick' if quick else ''}"
    print(f"wrote {write_netcdf(ds, args.out / f'{stem}.nc')}")
    import matplotlib

    matplotlib.use("Agg")
    png = args.out / f"{stem}.png"
    rbm_flow.plot(ds).savefig(png, dpi=120, bbox_inches="tight")
    print(f"wrote {png}")


if __name__ == "__main__":
    main()
