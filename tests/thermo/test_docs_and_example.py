"""The code on docs/thermo.md and examples/two_spin_glauber.py runs and prints the checked numbers."""

import importlib.util
import re
from pathlib import Path

import pytest

from thermoinfo.systems.glauber import two_spin_glauber

ROOT = Path(__file__).resolve().parents[2]


def _blocks():
    text = (ROOT / "docs" / "thermo.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_docs_code_blocks_run(index, capsys):
    exec(compile(_blocks()[index], f"docs/thermo.md block {index}", "exec"), {})
    assert capsys.readouterr().out.strip()


def test_example_prints_table_and_heat_relation(capsys):
    script = ROOT / "examples" / "two_spin_glauber.py"
    spec = importlib.util.spec_from_file_location("two_spin_glauber", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--beta", "0.7", "--couplings", "0.5", "1.5"])
    out = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(out) if "beta*heat" in line)
    heat_rows = [line.split() for line in out[header + 1:]]
    assert len(heat_rows) == 2
    for row in heat_rows:
        assert float(row[1]) == pytest.approx(float(row[2]), abs=1e-7)
    table = [line.split() for line in out[1:4]]
    assert table[0][:2] == ["J", "sigma_tot"]
    ep = two_spin_glauber(0.7, 1.5, (0.2, -0.1))
    want = [1.5, ep.total, ep.system, ep.bath, *ep.subsystem_total, ep.correlation_change, *ep.partial]
    assert [float(v) for v in table[2]] == pytest.approx(want, abs=1e-6)
    assert float(table[2][4]) + float(table[2][5]) == pytest.approx(float(table[2][1]) + float(table[2][6]),
                                                                    abs=1e-5)


def test_docs_figures_exist():
    text = (ROOT / "docs" / "thermo.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images
    for path in images:
        assert (ROOT / "docs" / path).is_file(), path
