"""Every registered experiment, in quick mode through ``thermoinfo run``: a netCDF file
beside a PNG, CF attributes read back by a fresh ``xarray.open_dataset``, and the same
seed giving identical data variables. Experiments registered later are covered
automatically."""

import inspect

import numpy as np
import pytest
import xarray as xr

import thermoinfo
from thermoinfo.experiments import EXPERIMENTS, get

#: experiments whose quick run is too long for the default selection (still run in CI)
SLOW: set[str] = {"rbm_flow", "sign_problem", "ising"}


def registered():
    return [pytest.param(name, marks=[pytest.mark.slow] if name in SLOW else [])
            for name in sorted(EXPERIMENTS)]


@pytest.mark.parametrize("name", registered())
def test_result_files_carry_cf_attributes(name, experiment_runs):
    folder = experiment_runs(name)
    nc, png = folder / f"{name}_quick.nc", folder / f"{name}_quick.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with xr.open_dataset(nc) as ds:
        assert ds.data_vars
        for label, variable in [*ds.data_vars.items(), *ds.coords.items()]:
            for key in ("long_name", "units"):
                value = variable.attrs.get(key)
                assert isinstance(value, str) and value.strip(), f"{name}: {label} has no {key}"
        for key in ("title", "history", "references"):
            assert isinstance(ds.attrs.get(key), str) and ds.attrs[key].strip(), f"{name}: no {key}"
        assert ds.attrs["seed"] == str(experiment_runs.seed)
        assert ds.attrs["thermoinfo_version"] == thermoinfo.__version__
        assert ds.attrs["Conventions"].startswith("CF-")
        assert ds.attrs["experiment"] == name and ds.attrs["quick"] == 1
        assert any(key.startswith("parameter_") for key in ds.attrs), f"{name}: parameters not recorded"


@pytest.mark.slow
@pytest.mark.parametrize("name", registered())
def test_same_seed_gives_identical_data_variables(name, experiment_runs):
    module = get(name)
    kwargs = {"quick": True, "rng": experiment_runs.seed}
    if "scheduler" in inspect.signature(module.run).parameters:
        kwargs["scheduler"] = "serial"  # the file was made on local processes
    again = module.run(**kwargs)
    with xr.open_dataset(experiment_runs(name) / f"{name}_quick.nc") as ds:
        assert set(ds.data_vars) == set(again.data_vars)
        for variable in ds.data_vars:
            np.testing.assert_array_equal(ds[variable].values, again[variable].values, err_msg=variable)
