"""Command line: ``thermoinfo list``, ``thermoinfo run NAME [--quick] [--out DIR] [--seed N]``,
and ``thermoinfo demo`` (a short exact computation printed as a table)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _cmd_list(args: argparse.Namespace) -> int:
    from thermoinfo.experiments import list_experiments

    for name, description in sorted(list_experiments().items()):
        print(f"{name:24s} {description}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from thermoinfo.experiments import get
    from thermoinfo.experiments._common import write_netcdf

    module = get(args.experiment)
    ds = module.run(quick=args.quick, rng=args.seed)
    out = Path(args.out)
    stem = f"{args.experiment}{'_quick' if args.quick else ''}"
    nc = write_netcdf(ds, out / f"{stem}.nc")
    print(ds)
    print(f"wrote {nc}")
    if hasattr(module, "plot") and not args.no_plot:
        import matplotlib

        matplotlib.use("Agg")
        fig = module.plot(ds)
        png = out / f"{stem}.png"
        fig.savefig(png, dpi=120, bbox_inches="tight")
        print(f"wrote {png}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from thermoinfo.experiments import entropy_production

    ds = entropy_production.run(quick=True, rng=0).sel(process="parallel", beta=1.0)
    h = tuple(float(v) for v in ds.attrs["h"])
    print(f"Two coupled spins, one parallel Glauber step at beta = 1, fields h = {h}, "
          "from p(up, up) = 0.7 (nats).")
    print("sigma^i: each spin's own production H(Z_i) - H(X_i) + E log T_i/T^B_i; "
          "dI = I(Z0;Z1) - I(X0;X1) = sigma^0 + sigma^1 - sigma_tot;")
    print("D(p||M_B^i): the projection-based partial production of spin i.")
    cols = ("J", "sigma_tot", "sigma_sys", "sigma_bath", "sigma^0", "sigma^1", "dI",
            "D(p||M_B^0)", "D(p||M_B^1)")
    print(" ".join(f"{c:>11s}" for c in cols))
    for J in ds.J.values:
        row = ds.sel(J=J)
        values = (J, row.sigma_tot, row.sigma_sys, row.sigma_bath, *row.sigma_subsystem.values,
                  row.correlation_change, *row.sigma_partial.values)
        print(" ".join(f"{float(v):11.6f}" for v in values))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``thermoinfo`` command."""
    parser = argparse.ArgumentParser(prog="thermoinfo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list the experiments, one a line")
    p_list.set_defaults(func=_cmd_list)
    p_run = sub.add_parser("run", help="run an experiment, write .nc and .png")
    p_run.add_argument("experiment")
    p_run.add_argument("--quick", action="store_true", help="small sizes, a few minutes at most")
    p_run.add_argument("--out", default="results", help="output folder (default: results)")
    p_run.add_argument("--seed", type=int, default=None, help="seed (default: fresh, recorded)")
    p_run.add_argument("--no-plot", action="store_true", help="skip the PNG")
    p_run.set_defaults(func=_cmd_run)
    p_demo = sub.add_parser("demo", help="entropy production of two coupled spins, as a table")
    p_demo.set_defaults(func=_cmd_demo)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError) as exc:
        print(f"thermoinfo: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
