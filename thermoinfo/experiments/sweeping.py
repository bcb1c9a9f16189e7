"""Parameter sweeps on one machine or a Dask cluster, with checkpoints and resume.

``sweep(fn, grid)`` evaluates ``fn(**point, rng=generator)`` at every point of
the Cartesian product of the ``grid`` axes and stacks the answers into one
``xarray.Dataset`` whose leading dims are the grid axes (in ``grid`` order).

Seeds. Point k of the grid (row-major order over the axes) draws its numbers
from ``numpy.random.default_rng(SeedSequence(entropy, spawn_key=key + (k,)))``,
the k-th child that ``SeedSequence.spawn`` gives a fresh copy of the sweep's
seed sequence. The numbers of a point therefore depend only on the seed and the
point's position, not on which process, thread or machine computed it, nor on
the order in which points finish: the serial loop, local processes and a Dask
cluster give identical data variables. The seed is recorded in the result's
``seed`` attribute (``entropy`` or ``entropy:spawn_key``).

Checkpoints. With ``checkpoint=DIR`` the sweep writes ``DIR/manifest.json``
(grid, seed, function) before the first point, then each finished point to
``DIR/points/p<k>.nc`` as soon as it completes (written to a ``.part`` file and
renamed, so a file that exists is complete). An interrupted sweep (Ctrl-C, a
killed process, a lost machine) restarted with ``resume=True`` loads the
finished points, computes only the others, and returns a Dataset identical to
an uninterrupted run. A directory written by a different sweep (another grid,
seed or function) is refused, and nothing in it is modified.

Reference for the seeding scheme: O'Neill, "PCG: a family of simple fast
space-efficient statistically good algorithms for random number generation"
(2014), as implemented by ``numpy.random.SeedSequence``.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from thermoinfo._attrs import variable_attrs

__all__ = ["SchedulerError", "sweep", "sweep_seed"]

_FORMAT = "thermoinfo-sweep-1"


class SchedulerError(ValueError):
    """The Dask scheduler named by ``scheduler`` cannot be reached."""


# ----------------------------------------------------------------------------- seeds

def sweep_seed(seed: Any) -> np.random.SeedSequence:
    """The ``SeedSequence`` of a sweep: ``seed`` may be None (fresh entropy), an
    int >= 0 or a ``SeedSequence``.

    Examples
    --------
    >>> sweep_seed(5).entropy
    5
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be >= 0 (got {seed})")
        return np.random.SeedSequence(int(seed))
    raise TypeError(f"seed must be None, an int >= 0 or a numpy SeedSequence (got {type(seed).__name__})")


def _seed_record(seq: np.random.SeedSequence) -> str:
    return str(seq.entropy) if not seq.spawn_key else f"{seq.entropy}:{tuple(seq.spawn_key)}"


def _point_seed(seq: np.random.SeedSequence, k: int) -> np.random.SeedSequence:
    # the k-th child of a fresh copy of seq, whatever seq has spawned before
    return np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, k), pool_size=seq.pool_size)


# ----------------------------------------------------------------------------- grid

def _function_name(fn: Callable[..., Any]) -> str:
    if isinstance(fn, functools.partial):
        inner = _function_name(fn.func)
        keywords = ", ".join(f"{k}={v!r}" for k, v in sorted(fn.keywords.items()))
        args = ", ".join(repr(a) for a in fn.args)
        return f"partial({inner}{', ' + args if args else ''}{', ' + keywords if keywords else ''})"
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{module}.{name}" if module else name


def _check_grid(fn: Callable[..., Any], grid: Any) -> dict[str, np.ndarray]:
    if not callable(fn):
        raise TypeError(f"fn must be callable (got {type(fn).__name__})")
    if not isinstance(grid, Mapping) or len(grid) == 0:
        raise ValueError("grid must be a non-empty mapping {name: values} "
                         f"(got {grid!r:.80})")
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature: trust the caller
        params = None
    open_kwargs = params is None or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    if not open_kwargs and "rng" not in params:
        raise TypeError(f"fn must accept an rng keyword argument ({_function_name(fn)} does not)")
    axes: dict[str, np.ndarray] = {}
    for name, values in grid.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"grid names must be identifiers (got {name!r})")
        if name == "rng":
            raise ValueError("grid must not have an axis named 'rng': each point's generator is "
                             "passed as rng")
        if not open_kwargs and name not in params:
            known = ", ".join(p for p in params if p != "rng")
            raise ValueError(f"grid axis {name!r} is not a parameter of {_function_name(fn)} "
                             f"(its parameters: {known})")
        arr = np.asarray(getattr(values, "values", values))
        if arr.ndim != 1:
            raise ValueError(f"grid axis {name!r} must be a 1-D sequence of values (got shape {arr.shape})")
        if arr.size == 0:
            raise ValueError(f"grid axis {name!r} is empty; every axis needs at least one value")
        if len({_json_value(v) for v in arr.tolist()}) != arr.size:
            raise ValueError(f"grid axis {name!r} has repeated values ({arr.tolist()})")
        axes[name] = arr
    return axes


def _json_value(value: Any) -> Any:
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return repr(value)
    return value


def _python_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# ----------------------------------------------------------------------------- points

def _as_dataset(result: Any, fn_name: str) -> Any:
    import xarray as xr

    if isinstance(result, xr.Dataset):
        return result
    if isinstance(result, Mapping):
        data = {}
        for key, value in result.items():
            if isinstance(value, xr.DataArray):
                data[key] = value.variable if not value.coords else value
            else:
                arr = np.asarray(value)
                data[key] = (tuple(f"{key}_dim_{i}" for i in range(arr.ndim)), arr)
        return xr.Dataset(data)
    raise TypeError(f"fn must return a dict or an xarray.Dataset ({fn_name} returned "
                    f"{type(result).__name__})")


def _evaluate(fn: Callable[..., Any], point: dict[str, Any], seed: np.random.SeedSequence,
              fn_name: str) -> Any:
    """One grid point: ``fn(**point, rng=default_rng(seed))`` as a Dataset."""
    return _as_dataset(fn(**point, rng=np.random.default_rng(seed)), fn_name)


def _combine(points: Sequence[Any], axes: dict[str, np.ndarray], coord_attrs: Mapping[str, Any],
             fn_name: str) -> Any:
    import xarray as xr

    shape = tuple(a.size for a in axes.values())
    names = tuple(axes)
    first = points[0]
    data_vars = {}
    for var_name, var in first.data_vars.items():
        rows = []
        for k, p in enumerate(points):
            if var_name not in p.data_vars or p[var_name].dims != var.dims or p[var_name].shape != var.shape:
                raise ValueError(f"fn returned different variables or shapes at different points "
                                 f"({fn_name}: {var_name!r} at point {k})")
            rows.append(p[var_name].values)
        stacked = np.stack(rows).reshape(shape + var.shape)
        data_vars[var_name] = (names + var.dims, stacked, dict(var.attrs))
    for k, p in enumerate(points):
        if set(p.data_vars) != set(first.data_vars):
            raise ValueError(f"fn returned different variables at different points ({fn_name}, point {k})")
    coords: dict[str, Any] = {}
    for name, arr in axes.items():
        coords[name] = (name, arr, {**variable_attrs(name, "1"), **coord_attrs.get(name, {})})
    for name, coord in first.coords.items():
        if name not in coords and not set(coord.dims) & set(names):
            coords[name] = coord.variable
    return xr.Dataset(data_vars, coords=coords)


# ----------------------------------------------------------------------------- checkpoints

class _Checkpoint:
    """A sweep's run directory: ``manifest.json`` and one netCDF file per finished point."""

    def __init__(self, directory: str | os.PathLike[str], manifest: dict[str, Any], resume: bool):
        self.dir = Path(directory)
        self.points = self.dir / "points"
        path = self.dir / "manifest.json"
        if self.dir.exists() and not self.dir.is_dir():
            raise ValueError(f"checkpoint {str(self.dir)!r} exists and is not a directory")
        if path.exists():
            try:
                old = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise ValueError(f"checkpoint {str(self.dir)!r}: manifest.json is unreadable ({exc}); "
                                 "it is not a thermoinfo sweep directory") from None
            if not isinstance(old, dict) or old.get("format") != _FORMAT:
                raise ValueError(f"checkpoint {str(self.dir)!r}: manifest.json is not a thermoinfo sweep "
                                 "manifest; choose another directory")
            done = len(self.finished())
            if not resume:
                raise ValueError(
                    f"checkpoint {str(self.dir)!r} already holds a sweep ({done} of "
                    f"{old.get('n_points', '?')} points written); pass resume=True (--resume) to finish "
                    "it, or choose another directory")
            for key, what in (("format", "format"), ("grid", "grid"), ("seed", "seed"),
                              ("function", "function")):
                if old.get(key) != manifest.get(key):
                    raise ValueError(
                        f"resume: {str(self.dir)!r} holds a different sweep: its {what} is "
                        f"{old.get(key)!r:.200}, this sweep's is {manifest.get(key)!r:.200}; nothing was "
                        "changed there (choose another directory to start this sweep)")
        elif self.dir.exists() and any(self.dir.iterdir()):
            raise ValueError(f"checkpoint {str(self.dir)!r} is not empty and has no manifest.json: it is "
                             "not a thermoinfo sweep directory; choose another directory")
        else:
            self.points.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".json.part")
            tmp.write_text(json.dumps(manifest, indent=1))
            tmp.replace(path)
        self.points.mkdir(parents=True, exist_ok=True)

    def path(self, k: int) -> Path:
        return self.points / f"p{k:07d}.nc"

    def finished(self) -> dict[int, Path]:
        if not self.points.is_dir():
            return {}
        out = {}
        for p in self.points.glob("p*.nc"):
            try:
                out[int(p.stem[1:])] = p
            except ValueError:
                continue
        return out

    def load(self, k: int) -> Any:
        import xarray as xr

        path = self.path(k)
        try:
            return xr.load_dataset(path, engine="h5netcdf")
        except Exception as exc:  # a foreign or damaged file: name it, never half-load
            raise ValueError(f"checkpoint point file {str(path)!r} is unreadable ({type(exc).__name__}: "
                             f"{exc}); delete it to recompute that point") from None

    def write(self, k: int, ds: Any) -> None:
        from thermoinfo.experiments._common import write_netcdf

        write_netcdf(ds, self.path(k))


# ----------------------------------------------------------------------------- schedulers

def _connect(scheduler: Any, timeout: float) -> tuple[Any, bool]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is an extra
        raise ImportError("a Dask scheduler needs the dask extra: pip install 'thermoinfo[dask]'") from exc
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        client = Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"scheduler {scheduler!r} cannot be reached within {timeout:g} s "
                             f"({type(exc).__name__}); is a Dask scheduler running there?") from None
    return client, True


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)  # the sweep's process was killed: stop computing points nobody will collect


def _init_worker() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it stops the sweep), and a
    worker whose parent was killed exits instead of running on as an orphan."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()


def _run_points(todo: list[int], fn: Callable[..., Any], points: list[dict[str, Any]],
                seq: np.random.SeedSequence, fn_name: str, scheduler: Any, timeout: float):
    """Yield ``(k, dataset)`` as points finish."""
    if not todo:
        return
    if scheduler == "serial" or (scheduler is None and (len(todo) == 1 or (os.cpu_count() or 1) == 1)):
        for k in todo:
            yield k, _evaluate(fn, points[k], _point_seed(seq, k), fn_name)
        return
    if scheduler is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        workers = min(len(todo), os.cpu_count() or 1)
        # fork starts in milliseconds with every module already loaded, but is safe only
        # while this process runs a single thread; otherwise a clean forkserver
        methods = multiprocessing.get_all_start_methods()
        method = ("fork" if "fork" in methods and threading.active_count() == 1
                  else "forkserver" if "forkserver" in methods else "spawn")
        context = multiprocessing.get_context(method)
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker)
        finished = False
        try:
            futures = {executor.submit(_evaluate, fn, points[k], _point_seed(seq, k), fn_name): k
                       for k in todo}
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
            finished = True
        finally:
            # on Ctrl-C or an error: drop the queued points, do not wait for running ones
            executor.shutdown(wait=finished, cancel_futures=True)
        return
    client, owned = _connect(scheduler, timeout)
    try:
        from distributed import as_completed as dask_completed

        token = uuid.uuid4().hex[:12]
        futures = [client.submit(_evaluate, fn, points[k], _point_seed(seq, k), fn_name,
                                 key=f"thermoinfo-sweep-{token}-{k}", pure=False) for k in todo]
        index = {f.key: k for f, k in zip(futures, todo)}
        for fut in dask_completed(futures, loop=client.loop):
            yield index[fut.key], fut.result()
    finally:
        if owned:
            client.close()


# ----------------------------------------------------------------------------- sweep

def sweep(fn: Callable[..., Any], grid: Mapping[str, Any], *, scheduler: Any = None, seed: Any = None,
          checkpoint: str | os.PathLike[str] | None = None, resume: bool = False,
          coord_attrs: Mapping[str, Mapping[str, Any]] | None = None, progress: bool = False,
          timeout: float = 10.0) -> Any:
    """Evaluate ``fn`` over a parameter grid, each point with its own seed.

    Parameters
    ----------
    fn : callable
        ``fn(**point, rng=generator)`` returns a dict {name: scalar or array} or an
        ``xarray.Dataset``, with the same variables and shapes at every point. For
        local processes or a Dask cluster it must be picklable (a module-level
        function, or a ``functools.partial`` of one).
    grid : mapping
        ``{name: values}``; each name is a parameter of ``fn``, each axis a
        non-empty 1-D sequence of distinct values.
    scheduler : None, "serial", str or distributed.Client
        None runs the points on local processes (all cores); "serial" runs them
        in this process; any other string is the address of a running Dask
        scheduler (``"tcp://host:8786"``), or pass a ``distributed.Client``.
        Every choice gives identical data variables.
    seed : None, int or numpy.random.SeedSequence
        The sweep's seed; point k uses the k-th spawned child. None draws fresh
        entropy (recorded in attrs; with ``resume=True`` the checkpoint's seed).
    checkpoint : path, optional
        Run directory: each finished point is written there as it completes.
    resume : bool
        Continue the sweep in ``checkpoint``: finished points are loaded, only the
        others are computed.
    coord_attrs : mapping, optional
        ``{axis: {"long_name": ..., "units": ...}}`` for the grid coordinates
        (default: the axis name, units "1").
    progress : bool
        Show a tqdm progress bar.
    timeout : float
        Seconds to wait for a Dask scheduler before giving up.

    Returns
    -------
    xarray.Dataset
        The grid axes as leading dims and coordinates, then each variable's own
        dims; attrs ``seed``, ``sweep_function``, ``sweep_points`` and
        ``sweep_points_resumed`` (points loaded from the checkpoint).

    Raises
    ------
    ValueError
        A grid axis that is empty, repeated or not a parameter of ``fn``; a
        checkpoint directory of a different sweep.
    SchedulerError
        The Dask scheduler cannot be reached (a ``ValueError``).

    Examples
    --------
    >>> def noisy_square(x, rng):
    ...     return {"y": x * x, "noise": rng.normal()}
    >>> ds = sweep(noisy_square, {"x": [1.0, 2.0, 3.0]}, scheduler="serial", seed=0)
    >>> ds.y.values.tolist()
    [1.0, 4.0, 9.0]
    >>> again = sweep(noisy_square, {"x": [1.0, 2.0, 3.0]}, scheduler="serial", seed=0)
    >>> bool((ds.noise == again.noise).all()), ds.attrs["seed"]
    (True, '0')
    """
    axes = _check_grid(fn, grid)
    fn_name = _function_name(fn)
    if not isinstance(resume, bool):
        raise TypeError(f"resume must be True or False (got {resume!r})")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs checkpoint, the directory of the sweep to continue")
    if not (scheduler is None or isinstance(scheduler, str) or hasattr(scheduler, "submit")):
        raise TypeError(f"scheduler must be None, 'serial', a Dask scheduler address or a "
                        f"distributed.Client (got {type(scheduler).__name__})")
    if isinstance(scheduler, str) and not scheduler.strip():
        raise ValueError("scheduler must not be an empty string")
    timeout = float(timeout)
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds (got {timeout})")
    coord_attrs = dict(coord_attrs or {})
    grid_json = {name: [_json_value(v) for v in arr.tolist()] for name, arr in axes.items()}

    ckpt = None
    if checkpoint is not None:
        manifest_path = Path(checkpoint) / "manifest.json"
        if seed is None and resume and manifest_path.exists():
            try:
                recorded = json.loads(manifest_path.read_text())["seed"]
                seed = np.random.SeedSequence(int(recorded["entropy"]),
                                              spawn_key=tuple(recorded["spawn_key"]))
            except (OSError, ValueError, KeyError, TypeError):
                pass  # _Checkpoint names the unreadable manifest
    seq = sweep_seed(seed)
    if checkpoint is not None:
        manifest = {"format": _FORMAT, "function": fn_name, "grid": grid_json,
                    "seed": {"entropy": int(seq.entropy), "spawn_key": list(seq.spawn_key)},
                    "n_points": int(np.prod([a.size for a in axes.values()]))}
        ckpt = _Checkpoint(checkpoint, manifest, resume)

    names = list(axes)
    points = [dict(zip(names, (_python_value(axes[n][i]) for n, i in zip(names, idx))))
              for idx in itertools.product(*(range(a.size) for a in axes.values()))]
    results: list[Any] = [None] * len(points)
    if ckpt is not None:
        for k in sorted(ckpt.finished()):
            if k < len(points):
                results[k] = ckpt.load(k)
    todo = [k for k, r in enumerate(results) if r is None]

    bar = None
    if progress:
        from tqdm.auto import tqdm

        inner = fn.func if isinstance(fn, functools.partial) else fn
        label = getattr(inner, "__name__", "sweep")
        bar = tqdm(total=len(points), initial=len(points) - len(todo), desc=label, unit="point")
    try:
        for k, ds in _run_points(todo, fn, points, seq, fn_name, scheduler, timeout):
            if ckpt is not None:
                ckpt.write(k, ds)
            results[k] = ds
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.close()

    out = _combine(results, axes, coord_attrs, fn_name)
    out.attrs.update({"seed": _seed_record(seq), "sweep_function": fn_name, "sweep_points": len(points),
                      "sweep_points_resumed": len(points) - len(todo)})
    return out
