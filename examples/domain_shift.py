"""Quasi-static domain shift of digit networks, against fixed multipliers and fine-tuning.

Runs the ``domain_shift`` experiment (digits 0-4 -> 5-9 as a mixture path, or a
rotation with ``--path rotation``), prints the classification loss C on the current
domain and the target accuracy along the path for each protocol, with errors over
seeds, and writes the netCDF file and the figure.

    python examples/domain_shift.py --quick [--path mixture|rotation] [--out DIR] [--seed N]

Reference: Y. Gao and P. Chaudhari, arXiv:2002.12406.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from thermoinfo.experiments import domain_shift
from thermoinfo.experiments._common import write_netcdf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the quick run (under three minutes)")
    parser.add_argument("--path", default="mixture", choices=domain_shift.PATHS)
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    ds = domain_shift.run(args.path, quick=args.quick, rng=args.seed)
    for protocol in ds.protocol.values:
        p = ds.sel(protocol=protocol)
        c = "  ".join(f"{float(a):.3f}±{float(b):.3f}" for a, b in zip(p.C.values, p.C_se.values))
        acc = "  ".join(f"{float(a):.3f}±{float(b):.3f}" for a, b in
                        zip(p.target_accuracy.values, p.target_accuracy_se.values))
        print(f"{protocol:>12s}  C: {c}")
        print(f"{'':>12s}  target accuracy: {acc}")
    args.out.mkdir(parents=True, exist_ok=True)
    write_netcdf(ds, args.out / f"domain_shift_{args.path}.nc")
    domain_shift.plot(ds).savefig(args.out / f"domain_shift_{args.path}.png", dpi=120)
    print(f"wrote {args.out / f'domain_shift_{args.path}.nc'}")


if __name__ == "__main__":
    main()
