"""The code blocks of docs/ising.md run and print."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _blocks():
    text = (ROOT / "docs" / "ising.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_docs_code_blocks_run(index, capsys):
    exec(compile(_blocks()[index], f"docs/ising.md block {index}", "exec"), {})
    assert capsys.readouterr().out.strip()
