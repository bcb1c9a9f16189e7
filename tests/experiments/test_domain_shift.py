"""experiments.domain_shift: dims exactly (protocol, step), seeds averaged with
per-seed values and errors, reproducible from the seed."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("jax")

from thermoinfo.experiments import domain_shift

SMALL = dict(n_path_steps=3, n_seeds=2, n_init=40, n_relax=15, n_train=200, n_test=120)


@pytest.fixture(scope="module")
def small_run():
    return domain_shift.run(**SMALL, rng=5)


def test_layout(small_run):
    ds = small_run
    assert ds.C.dims == ("protocol", "step")
    assert {"quasistatic", "fixed", "finetune"} <= set(ds.protocol.values.tolist())
    assert "method" not in ds.dims
    assert ds.C_seeds.dims == ("seed", "protocol", "step")
    assert np.allclose(ds.C, ds.C_seeds.mean("seed"))
    assert np.allclose(ds.C_se, ds.C_seeds.std("seed", ddof=1) / np.sqrt(2))
    # all protocols start from the same trained network
    c0 = ds.C_seeds.values[:, :, 0]
    assert np.allclose(c0, c0[:, :1])
    # a source-only network (digits 0-4) is below chance on the target digits 5-9
    assert float(ds.target_accuracy.isel(step=0).max()) < 0.1
    # only the quasi-static protocol moves gamma
    assert np.all(ds.gamma.sel(protocol="fixed") == ds.attrs["gamma_initial"])


def test_same_seed_same_data(small_run):
    again = domain_shift.run(**SMALL, rng=5)
    for v in small_run.data_vars:
        assert np.array_equal(small_run[v].values, again[v].values, equal_nan=True), v


def test_rotation_path_and_plot():
    ds = domain_shift.run(path="rotation", **{**SMALL, "n_path_steps": 2}, rng=1)
    assert ds.attrs["path"] == "rotation"
    assert np.all(np.isfinite(ds.C.values))
    fig = domain_shift.plot(ds)
    assert len(fig.axes) == 6


@pytest.mark.parametrize("kwargs, match", [
    ({"path": "shear"}, "path"),
    ({"gamma": 0.0}, "gamma"),
    ({"lam": -1.0}, "lam"),
    ({"n_seeds": 1}, "n_seeds"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=f"^{match}"):
        domain_shift.run(**kwargs)
