"""The RBM flow of Ising configurations and its fixed point near T_c.

Runs the ``rbm_flow`` experiment: RBMs with +-1 units trained by CD-1 on 10 x 10
Ising configurations at T = 0, 0.25, ..., 6; the flow v -> h -> v from T = 0 and
from T = 6 configurations; the temperature read along it by the exact energy
u_L(T) (Kaufman) and by the data's <|m|>(T). Prints the fixed points against
T_c = 2.269 and writes the netCDF file and the figure.

    python examples/rbm_flow.py [--full] [--out DIR] [--seed N]
    python examples/rbm_flow.py --spectrum | --heat | --systematics | --scan [--out DIR] [--seed N]

The default is the quick run (under a minute on 2 idle cores); ``--full`` uses the
papers' sizes and takes much longer. The analyses of
``thermoinfo.experiments.rbm_flow_analysis`` take a few minutes each:
``--spectrum`` trains N_h = 16 and 64 on low-T and on all data and draws W W^T's
eigenvalues and eigenvectors; ``--heat`` gives those RBMs' own heat capacity
C(beta), its peak and the Ising temperature of their samples;
``--systematics`` tabulates the fixed point over N_h, epochs, learning rate,
biases and units, three seeds each; ``--scan`` gives the fixed-point energy
over N_h / N_v and N_temp (Funai, arXiv:2111.11166).

References: Iso, Shiba Funai & Yokoo, arXiv:1801.07172; Funai & Giataganas,
arXiv:1810.08179; Funai, arXiv:2111.11166.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from thermoinfo.experiments import rbm_flow, rbm_flow_analysis
from thermoinfo.experiments._common import write_netcdf


def _save(fig, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    print(f"wrote {path}")


def spectrum(out: Path, seed: int) -> None:
    """Item 8: W W^T of RBMs trained on low-T data only and on every temperature."""
    ds = rbm_flow.run(n_hidden=(16, 64), training=("low", "all"), n_epochs=20, learning_rate=0.01,
                      n_per_temperature=100, n_replicas=1, n_flow_steps=60, n_flow_chains=100,
                      rbm_betas=(), rng=seed, progress=True)
    print(f"{'N_h':>4s} {'training':>8s} {'top-5 eigenvalues of W W^T':>40s} {'share 1st':>9s} "
          f"{'end T_E':>8s}")
    for nh in ds.n_hidden.values:
        for t in ds.training.values:
            p = ds.sel(n_hidden=nh, training=t).isel(replica=0)
            ev = p.weight_eigenvalues.values
            print(f"{int(nh):4d} {t:>8s} {np.array2string(ev[:5], precision=3):>40s} "
                  f"{ev[0] / ev.sum():9.3f} {np.array2string(p.end_temperature.values, precision=2):>8s}")
    print(f"wrote {write_netcdf(ds, out / 'rbm_flow_spectrum.nc')}")
    for nh in ds.n_hidden.values:
        _save(rbm_flow_analysis.plot_spectrum(ds, n_hidden=int(nh)), out / f"rbm_flow_spectrum_{int(nh)}.png")


def heat(out: Path, seed: int) -> None:
    """Item 9: the trained RBMs' own heat capacity against beta and its peak."""
    ds = rbm_flow_analysis.heat_capacity(n_hidden=(16, 64), training=("all", "low"), rng=seed)
    print(f"T_c = {ds.attrs['critical_temperature']:.3f}")
    print(f"{'N_h':>4s} {'training':>8s} {'beta*':>6s} {'C(beta*)':>8s} {'C(1)':>7s} "
          f"{'T_E(beta*)':>10s} {'T_E(1)':>7s} {'T_|m|(1)':>8s}")
    for nh in ds.n_hidden.values:
        for t in ds.training.values:
            p = ds.sel(n_hidden=nh, training=t)
            print(f"{int(nh):4d} {t:>8s} {float(p.peak_beta):6.3f} {float(p.heat_capacity.max()):8.1f} "
                  f"{float(p.heat_capacity_at_one):7.1f} {float(p.peak_ising_temperature):10.3f} "
                  f"{float(p.ising_temperature.sel(rbm_beta=1.0)):7.3f} "
                  f"{float(p.ising_temperature_abs_m.sel(rbm_beta=1.0)):8.3f}")
    print(f"wrote {write_netcdf(ds, out / 'rbm_flow_heat_capacity.nc')}")
    _save(rbm_flow_analysis.plot_heat_capacity(ds), out / "rbm_flow_heat_capacity.png")


def systematics(out: Path, seed: int) -> None:
    """Item 7: the fixed point over hyper-parameters, with the seed spread."""
    ds = rbm_flow_analysis.systematics(rng=seed, progress=True)
    print(f"{'setting':>22s} {'T_E mean':>8s} {'sd':>6s} {'n':>3s} {'T_|m| mean':>10s} {'sd':>6s}")
    for s in ds.setting.values:
        p = ds.sel(setting=s)
        e, m = p.sel(thermometer="energy"), p.sel(thermometer="abs_m")
        print(f"{s!s:>22s} {float(e.fixed_point_mean):8.3f} {float(e.fixed_point_spread):6.3f} "
              f"{int(e.n_stationary):3d} {float(m.fixed_point_mean):10.3f} "
              f"{float(m.fixed_point_spread):6.3f}")
    print(f"wrote {write_netcdf(ds, out / 'rbm_flow_systematics.nc')}")
    _save(rbm_flow_analysis.plot_systematics(ds), out / "rbm_flow_systematics.png")


def scan(out: Path, seed: int) -> None:
    """Item 7(d): fixed-point energy over N_h / N_v and N_temp (Funai 2021)."""
    ds = rbm_flow_analysis.scan(n_hidden=(4, 9, 16, 25, 36, 64, 100), n_temperatures=(10, 30, 60),
                                n_epochs=50, learning_rate=0.01, n_replicas=2, rng=seed, progress=True)
    print("fixed-point energy per spin (mean over 2 seeds x 2 starts); rows N_h/N_v, columns N_temp")
    print(ds.fixed_point_energy_mean.assign_coords(n_hidden=ds.hidden_ratio.values).to_pandas().round(3))
    for start in ds.start.values:
        print(f"from {start}:")
        print(ds.end_energy.sel(start=start).mean("replica")
              .assign_coords(n_hidden=ds.hidden_ratio.values).to_pandas().round(3))
    print("flows meet (of 2 seeds):")
    print(ds.flows_meet.sum("replica").assign_coords(n_hidden=ds.hidden_ratio.values).to_pandas())
    print("N_h/N_v at the minimum:", dict(zip(ds.n_temperatures.values.tolist(),
                                             ds.energy_minimum_ratio.values.round(3).tolist())))
    print(f"wrote {write_netcdf(ds, out / 'rbm_flow_scan.nc')}")
    _save(rbm_flow_analysis.plot_scan(ds), out / "rbm_flow_scan.png")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true",
                        help="the papers' sizes (much longer than the quick default)")
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    analysis = parser.add_mutually_exclusive_group()
    for name in ("spectrum", "heat", "systematics", "scan"):
        analysis.add_argument(f"--{name}", action="store_true",
                              help=(globals()[name].__doc__ or "").split(":")[-1].strip())
    args = parser.parse_args(argv)
    for name in ("spectrum", "heat", "systematics", "scan"):
        if getattr(args, name):
            globals()[name](args.out, args.seed)
            return

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
