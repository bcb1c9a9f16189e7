"""The sign-problem experiment: layout, reproducibility, physics consistency, files."""

import matplotlib
import numpy as np
import pytest
import xarray as xr

from thermoinfo.experiments import list_experiments
from thermoinfo.experiments import sign_problem as sp
from thermoinfo.experiments._common import write_netcdf
from thermoinfo.systems.phi4 import mean_field_density
from thermoinfo.testing import raises_named

matplotlib.use("Agg")

KWARGS = dict(Lt=4, Lx=4, mu=(0.6, 1.4), n_epochs=10, samples_per_epoch=32, n_samples=1000,
              quick=True)


@pytest.fixture(scope="module")
def ds():
    return sp.run(**KWARGS, rng=21)


def test_layout_and_attributes(ds):
    assert ds.phase_factor.dims == ("contour", "mu") and ds.phase_factor_se.dims == ("contour", "mu")
    assert list(ds.contour.values) == ["real", "optimized"]
    np.testing.assert_allclose(ds.mu, [0.6, 1.4])
    assert ds.training_phase_factor.dims == ("mu", "epoch") and ds.sizes["epoch"] == 10
    for name in ("phase_factor", "phase_factor_se", "density", "density_se", "density_mean_field"):
        assert ds[name].attrs["long_name"] and ds[name].attrs["units"] == "1"
    assert ds.attrs["seed"] == "21" and ds.attrs["experiment"] == "sign_problem"
    assert "arXiv:1709.03208" in ds.attrs["references"]
    assert ds.attrs["onset_chemical_potential"] == pytest.approx(np.arccosh(1.5))
    np.testing.assert_allclose(ds.density_mean_field, mean_field_density(1.0, 1.0, [0.6, 1.4]))
    assert np.all(ds.phase_factor_se > 0) and np.all(ds.acceptance_rate > 0.5)


def test_learned_path_raises_the_phase_factor_and_agrees_on_the_density(ds):
    real, opt = ds.sel(contour="real"), ds.sel(contour="optimized")
    # deep in the dense phase the real plane loses half its phase factor to the sign problem
    at = {"mu": 1.4}
    gain = float(opt.phase_factor.sel(at) - real.phase_factor.sel(at))
    se = float(np.hypot(opt.phase_factor_se.sel(at), real.phase_factor_se.sel(at)))
    assert gain > 3 * se
    # both contours integrate the same Z: the reweighted densities agree within errors
    gap = np.abs(opt.density - real.density)
    assert np.all(gap < 4 * np.hypot(opt.density_se, real.density_se))
    # the density grows across the onset, and the sign matters below it
    assert float(opt.density.sel(mu=1.4)) > 5 * float(opt.density.sel(mu=0.6)) > 0
    pq = ds.density_phase_quenched.sel(mu=0.6)
    assert float(pq - opt.density.sel(mu=0.6)) > 4 * float(np.hypot(ds.density_phase_quenched_se.sel(mu=0.6),
                                                                    opt.density_se.sel(mu=0.6)))


def test_same_seed_same_data_and_files(ds, tmp_path):
    again = sp.run(**KWARGS, rng=21)
    for name in ds.data_vars:
        np.testing.assert_array_equal(again[name].values, ds[name].values, err_msg=name)
    path = write_netcdf(ds, tmp_path / "sign_problem.nc")
    back = xr.open_dataset(path, engine="h5netcdf")
    np.testing.assert_array_equal(back.phase_factor.values, ds.phase_factor.values)
    back.close()
    fig = sp.plot(ds)
    fig.savefig(tmp_path / "sign_problem.png")
    assert (tmp_path / "sign_problem.png").stat().st_size > 10_000
    assert "sign_problem" in list_experiments()


def test_training_checkpoints_resume_to_the_same_numbers(tmp_path):
    kwargs = {**KWARGS, "mu": (1.4,), "n_epochs": 4}              # compiled already by the fixture
    first = sp.run(**kwargs, checkpoint_dir=tmp_path, rng=5)
    assert (tmp_path / "path_mu0.npz").exists()
    resumed = sp.run(**kwargs, checkpoint_dir=tmp_path, rng=5)    # training loads the finished state
    for name in first.data_vars:
        np.testing.assert_array_equal(resumed[name].values, first[name].values, err_msg=name)


@pytest.mark.parametrize(("kwargs", "name", "error"), [
    (dict(lam=0.0), "lam", ValueError),
    (dict(lam=-1.0), "lam", ValueError),
    (dict(Lt=1), "Lt", ValueError),
    (dict(Lx=1), "Lx", ValueError),
    (dict(mu=()), "mu", ValueError),
    (dict(n_epochs=0), "n_epochs", ValueError),
    (dict(m=float("inf")), "m", ValueError),
])
def test_bad_input_names_the_argument(kwargs, name, error):
    with raises_named(error, name):
        sp.run(quick=True, **kwargs)


@pytest.mark.slow
def test_full_mode_path_lifts_the_phase_factor_on_8x8():
    """The full mode's 8 x 8 lattice, network (2 V hidden units started on the Gaussian
    thimble) and learning rate at mu = 1.2, where the real plane keeps almost no phase
    (0.02 +- 0.02 from 2000 samples); fewer epochs and samples keep the test bounded."""
    ds = sp.run(mu=(1.2,), n_epochs=1, n_samples=300, n_blocks=10, rng=4)
    assert ds.attrs["parameter_Lt"] == 8 and ds.attrs["parameter_n_hidden"] == 128
    real, opt = ds.sel(contour="real", mu=1.2), ds.sel(contour="optimized", mu=1.2)
    gain = float(opt.phase_factor - real.phase_factor)
    se = float(np.hypot(opt.phase_factor_se, real.phase_factor_se))
    assert float(opt.phase_factor) > 0.7 and gain > 8 * se
