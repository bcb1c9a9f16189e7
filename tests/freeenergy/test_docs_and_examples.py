"""Every code block of docs/freeenergy.md and docs/quasistatic.md runs, and both
free-energy examples run and write their figures."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("freeenergy.md", "quasistatic.md")


def _blocks(page):
    return re.findall(r"```python\n(.*?)```", (ROOT / "docs" / page).read_text(), re.S)


@pytest.mark.parametrize("page", PAGES)
def test_docs_code_blocks_run(page, capsys):
    namespace = {}
    blocks = _blocks(page)
    assert blocks
    for i, block in enumerate(blocks):       # later blocks may use the names of earlier ones
        exec(compile(block, f"docs/{page} block {i}", "exec"), namespace)
    assert capsys.readouterr().out.strip()


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_free_energy_frontiers_example(tmp_path, capsys):
    out = _load("free_energy_frontiers").main(str(tmp_path / "frontiers.png"))
    assert Path(out).stat().st_size > 0
    assert "first-law residual" in capsys.readouterr().out


def test_quasistatic_domain_shift_example(tmp_path):
    out = _load("quasistatic_domain_shift").main(tmp_path)
    assert Path(out).stat().st_size > 0
