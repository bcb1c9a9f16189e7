"""Every script in examples/ runs to the end in quick settings, and every registered
experiment has its example."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from thermoinfo.experiments import EXPERIMENTS

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "examples").glob("*.py"))

#: command-line arguments of the quick run of each example ({out} is a fresh folder);
#: an example not listed here is run as ``script --quick --out {out}``
QUICK_ARGS = {
    "two_spin_glauber": [],
    "free_energy_frontiers": ["{out}/free_energy_frontiers.png"],
    "quasistatic_domain_shift": ["--out", "{out}"],
    "sign_problem": ["--epochs", "10"],
    "rbm_flow": ["--out", "{out}"],  # quick is its default; --full takes the papers' sizes
}


def test_every_experiment_has_an_example():
    names = {p.stem for p in SCRIPTS}
    assert set(EXPERIMENTS) <= names, sorted(set(EXPERIMENTS) - names)


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs_in_quick_settings(script, tmp_path):
    args = [a.format(out=tmp_path) for a in QUICK_ARGS.get(script.stem, ["--quick", "--out", "{out}"])]
    result = subprocess.run([sys.executable, str(script), *args], cwd=tmp_path, capture_output=True,
                            text=True, timeout=600, env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip()
