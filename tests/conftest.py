import os

import pytest
from hypothesis import HealthCheck, settings

# Compiled code (numba, JAX) makes first calls slow: no per-example deadline.
settings.register_profile(
    "thermoinfo",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("ci", parent=settings.get_profile("thermoinfo"), derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "thermoinfo"))


class _ExperimentRuns:
    """Registered experiments run once per test session through the command line, in
    quick mode with seed 7, each in its own folder (NAME_quick.nc and NAME_quick.png)."""

    seed = 7

    def __init__(self, root):
        self.root = root
        self.folders = {}

    def __call__(self, name):
        if name not in self.folders:
            from thermoinfo.cli import main

            folder = self.root / name
            code = main(["run", name, "--quick", "--out", str(folder), "--seed", str(self.seed),
                         "--no-progress"])
            assert code == 0, f"thermoinfo run {name} --quick exited with {code}"
            self.folders[name] = folder
        return self.folders[name]


@pytest.fixture(scope="session")
def experiment_runs(tmp_path_factory):
    """``experiment_runs(name)`` -> the folder of that experiment's quick run (seed 7)."""
    return _ExperimentRuns(tmp_path_factory.mktemp("experiment_runs"))
