"""Command line of thermoinfo.

    thermoinfo list                                  one experiment a line
    thermoinfo run NAME [--quick] [--out DIR] [--seed N] [--scheduler ADDRESS] [--resume]
                        [-p PARAM=VALUE ...]        run an experiment, write .nc and .png
    thermoinfo show RESULT.nc                        summary of a result file
    thermoinfo demo                                  entropy production of two spins, as a table

Experiment names accept hyphens or underscores. Exit status: 0 done, 2 bad
input (the message says which argument), 3 the Dask scheduler cannot be
reached, 130 interrupted (finished points are kept; rerun with ``--resume``).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

__all__ = ["main"]

EXIT_BAD_INPUT = 2
EXIT_SCHEDULER = 3
EXIT_INTERRUPTED = 130


class _UsageError(ValueError):
    """Bad command-line input; the message starts with the argument's name."""


def _cmd_list(args: argparse.Namespace) -> int:
    from thermoinfo.experiments import list_experiments, parameters

    for name, description in sorted(list_experiments().items()):
        print(f"{name:24s} {description}")
        if args.parameters:
            for param, default in parameters(name).items():
                shown = "(required)" if default is inspect.Parameter.empty else f"= {default!r}"
                print(f"    -p {param} {shown}")
    return 0


def _parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _parse_params(items: list[str], experiment: str) -> dict[str, Any]:
    from thermoinfo.experiments import parameters

    known = parameters(experiment)
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise _UsageError(f"--param {item!r} must be NAME=VALUE (e.g. -p n_realizations=4)")
        key, value = item.split("=", 1)
        key = key.strip().replace("-", "_")
        if key not in known:
            raise _UsageError(f"--param {key!r} is not a parameter of {experiment}; its parameters: "
                              f"{', '.join(known) or '(none)'}")
        out[key] = _parse_value(value.strip())
    return out


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise _UsageError(f"--resume: {path} is unreadable ({exc}); it is not a thermoinfo run "
                          "record") from None
    if not isinstance(data, dict):
        raise _UsageError(f"--resume: {path} is not a thermoinfo run record")
    return data


def _cmd_run(args: argparse.Namespace) -> int:
    import numpy as np

    from thermoinfo.experiments import canonical_name, get

    try:
        name = canonical_name(args.experiment)
    except ValueError as exc:
        raise _UsageError(f"experiment {str(exc).split(' ', 1)[1]}") from None
    module = get(name)
    accepted = inspect.signature(module.run).parameters
    params = _parse_params(args.param, name)
    sweeps = {"scheduler", "checkpoint", "resume"} <= set(accepted)
    if args.scheduler is not None and not sweeps:
        raise _UsageError(f"--scheduler: experiment {name} does not run as a sweep; run it without "
                          "--scheduler")
    if args.seed is not None and args.seed < 0:
        raise _UsageError(f"--seed must be >= 0 (got {args.seed})")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise _UsageError(f"--out {str(out)!r} exists and is not a directory")
    stem = f"{name}{'_quick' if args.quick else ''}"
    run_dir = out / f"{stem}.run"
    record_path = run_dir / "run.json"
    seed = args.seed
    record = {"experiment": name, "quick": bool(args.quick),
              "parameters": {k: repr(v) for k, v in sorted(params.items())}}
    if record_path.exists():
        old = _read_json(record_path)
        if not args.resume:
            raise _UsageError(
                f"--out {str(out)!r} holds an unfinished run of {old.get('experiment', name)} in "
                f"{run_dir} (seed {old.get('seed')}); pass --resume to finish it, or remove that "
                "directory to start afresh")
        if seed is None:
            seed = old.get("seed")
        for key in ("experiment", "quick", "parameters"):
            if old.get(key) != record[key]:
                raise _UsageError(f"--resume: {run_dir} holds a different run ({key} {old.get(key)!r}, "
                                  f"this run's {record[key]!r}); nothing there was changed")
        if old.get("seed") != seed:
            raise _UsageError(f"--resume: {run_dir} holds a run with seed {old.get('seed')}, not seed "
                              f"{seed}; nothing there was changed")
    elif args.resume and not sweeps:
        raise _UsageError(f"--resume: experiment {name} does not checkpoint; run it without --resume")
    elif args.resume and not run_dir.exists():
        raise _UsageError(f"--resume: there is no unfinished run of {stem} in {str(out)!r} "
                          f"(no {run_dir}); run it without --resume")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)
    record["seed"] = seed

    kwargs: dict[str, Any] = dict(params, quick=args.quick, rng=seed)
    if "progress" in accepted:
        kwargs["progress"] = not args.no_progress
    if sweeps:
        run_dir.mkdir(parents=True, exist_ok=True)
        tmp = record_path.with_suffix(".json.part")
        tmp.write_text(json.dumps(record, indent=1))
        tmp.replace(record_path)
        kwargs.update(scheduler=args.scheduler, checkpoint=run_dir, resume=True)
        if args.scheduler is not None and "timeout" in accepted:
            kwargs["timeout"] = args.scheduler_timeout
    try:
        ds = module.run(**kwargs)
    except Exception:
        if sweeps and not any(run_dir.glob("**/*.nc")):
            shutil.rmtree(run_dir, ignore_errors=True)  # nothing was computed: nothing to resume
        raise
    except KeyboardInterrupt:
        where = (f"; the finished points are kept in {run_dir}, rerun with --resume to finish"
                 if sweeps else "")
        print(f"thermoinfo: interrupted{where}", file=sys.stderr)
        return EXIT_INTERRUPTED
    from thermoinfo.experiments._common import write_netcdf

    nc = write_netcdf(ds, out / f"{stem}.nc")
    print(f"{name}: {', '.join(f'{v} {ds[v].dims}' for v in ds.data_vars)}; seed {ds.attrs.get('seed')}")
    print(f"wrote {nc}")
    if hasattr(module, "plot") and not args.no_plot:
        import matplotlib

        matplotlib.use("Agg")
        fig = module.plot(ds)
        png = out / f"{stem}.png"
        tmp_png = png.with_name(png.name + ".part.png")
        fig.savefig(tmp_png, dpi=120, bbox_inches="tight")
        tmp_png.replace(png)
        print(f"wrote {png}")
    if sweeps and run_dir.exists():
        shutil.rmtree(run_dir)  # every point is in the result file now
    return 0


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def summary(path: str | Path) -> str:
    """A text summary of a result file: title, seed, parameters, dims,
    coordinates and variables (with long_name and units), other attrs.

    Raises
    ------
    ValueError
        ``path`` is missing or is not a readable netCDF file.
    """
    import xarray as xr

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file")
    try:
        ds = xr.open_dataset(path, engine="h5netcdf")
    except Exception as exc:  # a foreign or damaged file: one line, never a traceback
        raise ValueError(f"path {str(path)!r} is not a readable netCDF result "
                         f"({type(exc).__name__}: {str(exc)[:200]})") from None
    with ds:
        attrs = dict(ds.attrs)
        lines = [f"{path}: {attrs.pop('title', '(no title)')}"]
        for key in ("experiment", "seed", "quick", "thermoinfo_version", "history", "references"):
            if key in attrs:
                lines.append(f"  {key:19s} {attrs.pop(key)}")
        params = {k[len("parameter_"):]: attrs.pop(k) for k in list(attrs) if k.startswith("parameter_")}
        if params:
            lines += ["", "parameters:"] + [f"  {k:19s} {v}" for k, v in params.items()]
        lines += ["", "dimensions: " + ", ".join(f"{d} = {n}" for d, n in ds.sizes.items())]

        def rows(variables: Any) -> list[tuple[str, ...]]:
            return [(name, "(" + ", ".join(map(str, v.dims)) + ")", str(v.dtype),
                     str(v.attrs.get("units", "")), str(v.attrs.get("long_name", "")))
                    for name, v in variables.items()]

        header = ("name", "dims", "dtype", "units", "long_name")
        if ds.coords:
            lines += ["", "coordinates:", _table(rows(ds.coords), header)]
        lines += ["", "variables:", _table(rows(ds.data_vars), header)]
        if attrs:
            lines += ["", "other attributes:"] + [f"  {k:19s} {v}" for k, v in attrs.items()]
    return "\n".join(lines)


def _cmd_show(args: argparse.Namespace) -> int:
    print(summary(args.result))
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


def _parser() -> argparse.ArgumentParser:
    from thermoinfo.experiments import list_experiments

    names = ", ".join(sorted(list_experiments()))
    parser = argparse.ArgumentParser(prog="thermoinfo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="{list,run,show,demo}")
    p_list = sub.add_parser("list", help="list the experiments, one a line",
                            description="List the registered experiments, one a line.")
    p_list.add_argument("--parameters", action="store_true",
                        help="also list each experiment's parameters (for run -p NAME=VALUE)")
    p_list.set_defaults(func=_cmd_list)
    p_run = sub.add_parser("run", help="run an experiment, write .nc and .png",
                           description="Run an experiment and write OUT/NAME[_quick].nc and .png.",
                           epilog=f"experiments: {names}")
    p_run.add_argument("experiment", help="experiment name (hyphens or underscores)")
    p_run.add_argument("--quick", action="store_true", help="small sizes, a few minutes at most")
    p_run.add_argument("--out", default="results", help="output folder (default: results)")
    p_run.add_argument("--seed", type=int, default=None,
                       help="seed >= 0 (default: fresh entropy, recorded in the result)")
    p_run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="where a sweep's points run: 'serial', or the address of a Dask "
                            "scheduler (tcp://host:8786); default: local processes")
    p_run.add_argument("--scheduler-timeout", type=float, default=10.0, metavar="SECONDS",
                       help="how long to wait for the Dask scheduler (default 10)")
    p_run.add_argument("--resume", action="store_true",
                       help="finish an interrupted run in OUT, computing only the missing points")
    p_run.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                       help="set a parameter of the experiment (repeatable; values are Python "
                            "literals, e.g. -p n_units=200,400); see thermoinfo list --parameters")
    p_run.add_argument("--no-plot", action="store_true", help="skip the PNG")
    p_run.add_argument("--no-progress", action="store_true", help="no progress bar")
    p_run.set_defaults(func=_cmd_run)
    p_show = sub.add_parser("show", help="summarize a result file",
                            description="Summarize a result file: variables, dims, attrs, and the "
                                        "parameters and seed it was made with.")
    p_show.add_argument("result", help="a netCDF file written by thermoinfo run")
    p_show.set_defaults(func=_cmd_show)
    p_demo = sub.add_parser("demo", help="entropy production of two coupled spins, as a table",
                            description="Entropy production of two coupled spins under one "
                                        "Glauber step, as a table.")
    p_demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``thermoinfo`` command; returns the exit status."""
    from thermoinfo.experiments.sweeping import SchedulerError

    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except SchedulerError as exc:
        print(f"thermoinfo: error: {exc}", file=sys.stderr)
        return EXIT_SCHEDULER
    except (ValueError, TypeError) as exc:
        print(f"thermoinfo: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("thermoinfo: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into a reader that stopped early (| head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
