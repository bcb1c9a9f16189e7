"""The package's structure as ``../shared/DESIGN.md`` states it, checked from the code.

- Layers: base modules (``thermoinfo/_*.py``) < theory (geometry, thermo,
  freeenergy, symbolic) < backends (models, sampling) < systems < experiments <
  cli. A module imports its own layer or lower ones, never a higher one; every
  import counts, the ones inside functions too. ``testing/`` and the package's
  face (``__init__``, ``__main__``) are exempt.
- No import cycle between modules (a module importing the face of its own
  package is not one: the face imports the module, not the other way round).
- Validation once per public call: a ``sweep`` builds and checks its problem once.
- One vocabulary: every model's ``thermodynamics`` takes ``temperature`` and
  returns an ``xarray.Dataset``; every trainer takes ``callbacks``.
"""

from __future__ import annotations

import ast
import graphlib
import inspect
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import thermoinfo

RANK = {"geometry": 1, "thermo": 1, "freeenergy": 1, "symbolic": 1, "models": 2, "sampling": 2,
        "systems": 3, "experiments": 4, "cli": 5}
EXEMPT = {"testing", "__init__", "__main__"}


def modules(root: Path, package: str) -> dict[str, Path]:
    """Module name -> file, for every ``.py`` file under ``root`` (the package ``package``)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The known modules ``name`` imports anywhere in its file (a ``from a import b``
    names the submodule ``a.b`` when there is one, else ``a``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()

    def resolve(dotted: str) -> None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        if dotted:
            found.add(dotted)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                resolve(f"{base}.{alias.name}")
    found.discard(name)
    return found


def layer(name: str) -> int | None:
    """The rank of a module's layer: 0 for base modules, None for exempt ones."""
    parts = name.split(".")
    if len(parts) < 2 or parts[1] in EXEMPT:
        return None
    return RANK.get(parts[1], 0)


def upward_imports(root: Path, package: str) -> list[tuple[str, str]]:
    known = modules(root, package)
    bad = []
    for name, path in known.items():
        rank = layer(name)
        for target in sorted(imports(name, path, known)):
            target_rank = layer(target)
            if rank is not None and target_rank is not None and target_rank > rank:
                bad.append((name, target))
    return bad


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    known = modules(root, package)
    graph = {}
    for name, path in known.items():
        graph[name] = {target for target in imports(name, path, known)
                       if target != package and not (known[target].name == "__init__.py"
                                                     and name.startswith(target + "."))}
    return graph


def import_cycle(root: Path, package: str) -> list[str] | None:
    """One import cycle between modules, or None."""
    try:
        graphlib.TopologicalSorter(import_graph(root, package)).prepare()
    except graphlib.CycleError as exc:
        return exc.args[1]
    return None


PACKAGE_ROOT = Path(thermoinfo.__file__).parent


def test_no_module_imports_a_higher_layer():
    assert upward_imports(PACKAGE_ROOT, "thermoinfo") == []


def test_no_import_cycle_between_modules():
    assert import_cycle(PACKAGE_ROOT, "thermoinfo") is None


def test_every_layer_is_present():
    # the checks above read these files: a renamed layer would pass them unread
    present = {name.split(".")[1] for name in modules(PACKAGE_ROOT, "thermoinfo") if "." in name}
    assert set(RANK) <= present


def test_the_checks_find_an_upward_import_a_lazy_one_and_a_cycle(tmp_path):
    root = tmp_path / "pkg"
    files = {
        "__init__.py": "from pkg import models\n",
        "_base.py": "",
        "geometry/__init__.py": "",
        "geometry/kl.py": "from pkg._base import *\n\ndef f():\n    from pkg.experiments import run\n",
        "models/__init__.py": "from pkg.models.a import A\n",
        "models/a.py": "from . import b\nA = 1\n",
        "models/b.py": "from pkg.models import a\nfrom pkg import models\n",
        "experiments/__init__.py": "",
        "experiments/run.py": "import pkg.models.a\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    assert upward_imports(root, "pkg") == [("pkg.geometry.kl", "pkg.experiments.run")]
    assert sorted(set(import_cycle(root, "pkg"))) == ["pkg.models.a", "pkg.models.b"]
    (root / "models/b.py").write_text("from pkg import models\n")  # its own package's face only
    assert import_cycle(root, "pkg") is None


def test_sweep_builds_and_checks_its_problem_once(monkeypatch):
    from thermoinfo.freeenergy import _core, sweep

    built = []
    original = _core.Problem.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(_core.Problem, "__init__", counting)
    p_xy = np.array([[0.3, 0.1], [0.1, 0.2], [0.05, 0.25]])
    ds = sweep(p_xy, lam=[0.0, 0.5, 1.0], gamma=[0.5, 1.0, 2.0], n_z=3, rng=0)
    assert ds["F"].shape == (3, 3)
    assert len(built) == 1


def _models():
    from thermoinfo.models import RBM, BoltzmannMachine, Hopfield

    r = np.random.default_rng(0)
    patterns = np.where(r.random((2, 6)) < 0.5, -1, 1)
    return [
        RBM.from_params(r.normal(0, 0.5, (4, 3)), r.normal(0, 0.5, 4), r.normal(0, 0.5, 3)),
        BoltzmannMachine(5, n_epochs=20, rng=0).fit(np.where(r.random((20, 5)) < 0.5, 0, 1)),
        Hopfield(6).fit(patterns),
    ]


@pytest.mark.parametrize("index", range(3))
def test_every_models_thermodynamics_takes_temperature_and_returns_a_dataset(index):
    model = _models()[index]
    params = inspect.signature(model.thermodynamics).parameters
    assert "temperature" in params and "beta" not in params
    ds = model.thermodynamics(temperature=[0.5, 1.0, 2.0])
    assert isinstance(ds, xr.Dataset)
    assert ds["temperature"].values.tolist() == [0.5, 1.0, 2.0]
    for name in ("log_partition", "free_energy", "energy", "entropy", "heat_capacity"):
        assert ds[name].dims == ("temperature",) and np.all(np.isfinite(ds[name].values))
    # F = -T log Z and S = (U - F) / T, the same way round in every model
    T = ds["temperature"].values
    np.testing.assert_allclose(ds["free_energy"], -T * ds["log_partition"], rtol=1e-12)
    np.testing.assert_allclose(ds["entropy"], (ds["energy"] - ds["free_energy"]) / T, rtol=1e-9, atol=1e-12)
    assert ds.attrs["unit_set"] in ("binary", "spin") and ds.attrs["title"]


def test_every_trainer_takes_callbacks_the_same_way():
    from thermoinfo.models import RBM, BoltzmannMachine
    from thermoinfo.sampling.annealing import simulated_annealing

    for trainer in (RBM, BoltzmannMachine, simulated_annealing):
        param = inspect.signature(trainer).parameters["callbacks"]
        assert param.default == ()
