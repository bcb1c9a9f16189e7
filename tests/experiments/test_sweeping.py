"""experiments.sweep: seeds per point, the same numbers on every scheduler, checkpoints,
resume, Dask clusters (threads, processes, a worker killed mid-sweep), bad input."""

import functools
import os
import sys
import time

import numpy as np
import pytest
import xarray as xr

from thermoinfo.experiments import hopfield_capacity as hc
from thermoinfo.experiments import sweep
from thermoinfo.experiments.sweeping import SchedulerError

GRID = {"x": [0.5, 1.5, 2.5], "n": [2, 3]}
CALLS: list[tuple] = []
INTERRUPTED: set[tuple] = set()


def draws(x, n, rng, marker=None, kill_at=None, interrupt_at=None):
    """A point whose numbers come only from its generator (and x, n)."""
    CALLS.append((x, n))
    if marker is not None and (x, n) == kill_at and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)  # the worker process dies mid-sweep
    if interrupt_at is not None and (x, n) == interrupt_at and interrupt_at not in INTERRUPTED:
        INTERRUPTED.add(interrupt_at)  # Ctrl-C, once
        raise KeyboardInterrupt
    return {"y": x * n + rng.normal(), "counts": rng.integers(0, 1000, size=4)}


def reference(seed):
    """The same numbers computed independently of sweep: point k (row-major) draws
    from the k-th child of SeedSequence(seed).spawn."""
    children = np.random.SeedSequence(seed).spawn(6)
    y = np.empty((3, 2))
    counts = np.empty((3, 2, 4), dtype=np.int64)
    k = 0
    for i, x in enumerate(GRID["x"]):
        for j, n in enumerate(GRID["n"]):
            rng = np.random.default_rng(children[k])
            y[i, j] = x * n + rng.normal()
            counts[i, j] = rng.integers(0, 1000, size=4)
            k += 1
    return y, counts


def assert_same_data(a, b):
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        assert a[name].dims == b[name].dims
        np.testing.assert_array_equal(a[name].values, b[name].values)
    for name in a.coords:
        np.testing.assert_array_equal(a[name].values, b[name].values)


def test_serial_sweep_matches_the_spawned_seeds_point_by_point():
    ds = sweep(draws, GRID, scheduler="serial", seed=11,
               coord_attrs={"x": {"long_name": "position", "units": "m"}})
    y, counts = reference(11)
    np.testing.assert_array_equal(ds.y.values, y)
    np.testing.assert_array_equal(ds.counts.values, counts)
    assert ds.y.dims == ("x", "n") and ds.counts.dims == ("x", "n", "counts_dim_0")
    assert ds.x.attrs == {"long_name": "position", "units": "m"}
    assert ds.n.attrs["units"] == "1" and ds.n.attrs["long_name"] == "n"
    assert ds.attrs["seed"] == "11" and ds.attrs["sweep_points"] == 6
    other = sweep(draws, GRID, scheduler="serial", seed=12)
    assert not np.array_equal(other.y.values, ds.y.values)
    # a used SeedSequence gives the same numbers: children are rebuilt from (entropy, spawn_key)
    seq = np.random.SeedSequence(11)
    seq.spawn(3)
    assert_same_data(sweep(draws, GRID, scheduler="serial", seed=seq), ds)


def test_dataset_points_keep_their_dims_and_attrs():
    def point(a, rng):
        return xr.Dataset({"v": (("k",), rng.normal(size=2) + a, {"long_name": "v", "units": "nat"})},
                          coords={"k": ("k", [10, 20], {"long_name": "k", "units": "1"})})

    ds = sweep(point, {"a": [0.0, 1.0]}, scheduler="serial", seed=0)
    assert ds.v.dims == ("a", "k") and ds.v.attrs["units"] == "nat"
    assert ds.k.values.tolist() == [10, 20]
    first = np.random.default_rng(np.random.SeedSequence(0).spawn(2)[1]).normal(size=2) + 1.0
    np.testing.assert_array_equal(ds.v.sel(a=1.0).values, first)


def test_local_processes_give_the_serial_numbers():
    fn = functools.partial(hc.capacity_point, n_realizations=2, n_probes=3)
    grid = {"N": [60, 90], "alpha": [0.05, 0.3]}
    serial = sweep(fn, grid, scheduler="serial", seed=4)
    processes = sweep(fn, grid, scheduler=None, seed=4)
    assert_same_data(serial, processes)
    assert serial.overlap.sel(N=90, alpha=0.05) > 0.9


def test_checkpoint_interrupt_and_resume_redo_only_unfinished_points(tmp_path):
    run_dir = tmp_path / "run"
    uninterrupted = sweep(draws, GRID, scheduler="serial", seed=5)
    CALLS.clear()
    fn = functools.partial(draws, interrupt_at=(1.5, 3))
    with pytest.raises(KeyboardInterrupt):
        sweep(fn, GRID, scheduler="serial", seed=5, checkpoint=run_dir)
    written = sorted(p.name for p in (run_dir / "points").glob("*.nc"))
    assert len(written) == 3  # points 0, 1, 2 finished before point 3 was interrupted
    stamps = {p: p.stat().st_mtime_ns for p in (run_dir / "points").glob("*.nc")}
    CALLS.clear()
    resumed = sweep(fn, GRID, scheduler="serial", checkpoint=run_dir, resume=True)  # seed from manifest
    assert CALLS == [(1.5, 3), (2.5, 2), (2.5, 3)]
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())
    assert_same_data(resumed, uninterrupted)
    assert resumed.attrs["seed"] == "5"


def test_checkpoint_of_another_sweep_is_refused_and_left_untouched(tmp_path):
    run_dir = tmp_path / "run"
    sweep(draws, GRID, scheduler="serial", seed=5, checkpoint=run_dir)
    before = {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    with pytest.raises(ValueError, match=r"^checkpoint .* already holds a sweep"):
        sweep(draws, GRID, scheduler="serial", seed=5, checkpoint=run_dir)
    with pytest.raises(ValueError, match=r"^resume: .* its grid"):
        sweep(draws, {"x": [0.5, 1.5], "n": [2, 3]}, scheduler="serial", seed=5, checkpoint=run_dir,
              resume=True)
    with pytest.raises(ValueError, match=r"^resume: .* its seed"):
        sweep(draws, GRID, scheduler="serial", seed=6, checkpoint=run_dir, resume=True)
    with pytest.raises(ValueError, match=r"^resume: .* its function"):
        sweep(functools.partial(draws, kill_at=(0, 0)), GRID, scheduler="serial", seed=5,
              checkpoint=run_dir, resume=True)
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"^checkpoint .* no manifest"):
        sweep(draws, GRID, scheduler="serial", seed=5, checkpoint=tmp_path / "foreign")
    assert {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()} == before
    assert (tmp_path / "foreign" / "notes.txt").read_text() == "mine"


def test_damaged_point_file_is_named(tmp_path):
    run_dir = tmp_path / "run"
    sweep(draws, GRID, scheduler="serial", seed=5, checkpoint=run_dir)
    victim = sorted((run_dir / "points").glob("*.nc"))[2]
    victim.write_bytes(b"not a netCDF file")
    with pytest.raises(ValueError, match=f"^checkpoint point file .*{victim.name}"):
        sweep(draws, GRID, scheduler="serial", checkpoint=run_dir, resume=True)
    for content, message in [("[1, 2]", "not a thermoinfo sweep manifest"), ("{truncated", "unreadable")]:
        foreign = tmp_path / f"foreign{len(content)}"
        foreign.mkdir()
        (foreign / "manifest.json").write_text(content)
        with pytest.raises(ValueError, match=rf"^checkpoint .*manifest.json is {message}"):
            sweep(draws, GRID, scheduler="serial", seed=5, checkpoint=foreign, resume=True)
        assert (foreign / "manifest.json").read_text() == content


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"x": [], "n": [2]}, "^grid axis 'x' is empty"),
        ({"x": [1.0], "m": [2]}, "^grid axis 'm' is not a parameter of"),
        ({"x": [1.0, 1.0], "n": [2]}, "^grid axis 'x' has repeated values"),
        ({"x": [[1.0]], "n": [2]}, "^grid axis 'x' must be a 1-D"),
        ({"rng": [1], "x": [1.0], "n": [2]}, "^grid must not have an axis named 'rng'"),
        ({}, "^grid must be a non-empty mapping"),
        ([1, 2], "^grid must be a non-empty mapping"),
    ],
)
def test_bad_grids_are_rejected(grid, message):
    with pytest.raises(ValueError, match=message):
        sweep(draws, grid, scheduler="serial", seed=0)


def test_bad_functions_seeds_and_schedulers_are_rejected():
    with pytest.raises(TypeError, match=r"^fn must accept an rng"):
        sweep(lambda x: {"y": x}, {"x": [1]}, scheduler="serial")
    with pytest.raises(TypeError, match=r"^fn must return a dict or an xarray.Dataset"):
        sweep(lambda x, rng: x, {"x": [1]}, scheduler="serial")
    with pytest.raises(ValueError, match=r"^seed must be >= 0"):
        sweep(draws, GRID, scheduler="serial", seed=-1)
    with pytest.raises(TypeError, match=r"^seed must be"):
        sweep(draws, GRID, scheduler="serial", seed=1.5)
    with pytest.raises(TypeError, match=r"^scheduler must be"):
        sweep(draws, GRID, scheduler=3)
    with pytest.raises(ValueError, match=r"^resume=True needs checkpoint"):
        sweep(draws, GRID, scheduler="serial", resume=True)


def test_unreachable_scheduler_says_so_quickly():
    start = time.perf_counter()
    with pytest.raises(SchedulerError, match=r"^scheduler 'tcp://127.0.0.1:9' cannot be reached"):
        sweep(draws, GRID, scheduler="tcp://127.0.0.1:9", timeout=1)
    assert time.perf_counter() - start < 30


@pytest.fixture(scope="module")
def thread_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        yield cluster


def test_dask_threads_give_the_serial_numbers(thread_cluster):
    ds = sweep(draws, GRID, scheduler=thread_cluster.scheduler_address, seed=11)
    y, counts = reference(11)
    np.testing.assert_array_equal(ds.y.values, y)
    np.testing.assert_array_equal(ds.counts.values, counts)
    kwargs = dict(n_units=(60, 80), alpha=(0.05, 0.3), n_realizations=2, n_probes=3, model_units=40,
                  alpha_model=(0.2,), rng=3)
    assert_same_data(hc.run(**kwargs, scheduler=thread_cluster.scheduler_address),
                     hc.run(**kwargs, scheduler="serial"))


@pytest.mark.slow
def test_dask_processes_survive_a_worker_killed_mid_sweep(tmp_path):
    distributed = pytest.importorskip("distributed")
    cloudpickle = pytest.importorskip("cloudpickle")
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests/
    marker = tmp_path / "killed"
    fn = functools.partial(draws, marker=str(marker), kill_at=(1.5, 2))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        ds = sweep(fn, GRID, scheduler=cluster.scheduler_address, seed=11, checkpoint=tmp_path / "run")
    assert marker.exists()  # a worker really died at point (1.5, 2)
    y, counts = reference(11)
    np.testing.assert_array_equal(ds.y.values, y)
    np.testing.assert_array_equal(ds.counts.values, counts)
    assert len(list((tmp_path / "run" / "points").glob("*.nc"))) == 6
