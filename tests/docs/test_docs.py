"""The documentation: every python code block of every page in docs/ (and of the
README) runs, every ``thermoinfo`` command line of their shell blocks is a valid
command, and the Sphinx site (theory pages, API reference, gallery) builds with
warnings as errors."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from thermoinfo.experiments import EXPERIMENTS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
READABLE = [*PAGES, ROOT / "README.md"]
BLOCK = re.compile(r"^```(?:python|py)[ \t]*\n(.*?)^```", re.S | re.M)


def test_every_page_is_found():
    names = {p.stem for p in PAGES}
    assert {"index", "geometry", "thermo", "freeenergy", "quasistatic", "hopfield", "rbm"} <= names


@pytest.mark.parametrize("page", READABLE, ids=[p.stem for p in READABLE])
def test_code_blocks_run(page, tmp_path, monkeypatch):
    """The page's python blocks run in order in one namespace, as a reader pastes them."""
    import matplotlib

    matplotlib.use("Agg")
    blocks = BLOCK.findall(page.read_text())
    monkeypatch.chdir(tmp_path)  # blocks that write files write them here
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for index, block in enumerate(blocks):
        exec(compile(block, f"{page.name} python block {index + 1}", "exec"), namespace)


SHELL = re.compile(r"^```(?:bash|sh|console)[ \t]*\n(.*?)^```", re.S | re.M)


def _command_lines(page):
    """The ``thermoinfo ...`` command lines of a page's shell blocks (comments cut,
    a ``pip install ... &&`` prefix dropped)."""
    import shlex

    lines = []
    for block in SHELL.findall(page.read_text()):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if "&&" in words:
                words = words[len(words) - words[::-1].index("&&"):]
            if words[:1] == ["thermoinfo"]:
                lines.append(words[1:])
    return lines


@pytest.mark.parametrize("page", READABLE, ids=[p.stem for p in READABLE])
def test_command_lines_are_valid(page, tmp_path, monkeypatch, capsys):
    """Every ``thermoinfo`` command line of the page's shell blocks parses, names a
    registered experiment and its parameters; the quick ones (list, demo) run. The
    experiments' quick runs themselves are run once per session by the CLI tests
    and the gallery checks."""
    from thermoinfo.cli import _parse_params, _parser, main
    from thermoinfo.experiments import canonical_name

    monkeypatch.chdir(tmp_path)
    for argv in _command_lines(page):
        args = _parser().parse_args(argv)
        if args.command == "run":
            _parse_params(args.param, canonical_name(args.experiment))
        elif args.command in ("list", "demo"):
            assert main(argv) == 0, argv
            capsys.readouterr()


def test_shell_blocks_are_found():
    commands = [argv for page in READABLE for argv in _command_lines(page)]
    assert ["run", "hopfield_capacity", "--quick"] in commands
    assert {argv[0] for argv in commands} >= {"list", "run", "show", "demo"}


@pytest.mark.slow
def test_sphinx_build_has_no_warnings(tmp_path):
    pytest.importorskip("sphinx")  # the docs extra
    pytest.importorskip("myst_parser")
    figures = DOCS / "figures" / "gallery"
    missing = [name for name in EXPERIMENTS if not (figures / f"{name}_quick.png").is_file()]
    assert not missing, (f"no gallery figure for {missing}: run `thermoinfo run NAME --quick --seed 0` "
                         f"and copy NAME_quick.png into {figures}")
    env = {k: v for k, v in os.environ.items() if k != "THERMOINFO_GALLERY_DIR"}
    env["MPLBACKEND"] = "Agg"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html", str(DOCS),
         str(tmp_path / "html"), "-d", str(tmp_path / "doctrees")],
        capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-5000:]
    html = tmp_path / "html"
    for page in PAGES:
        assert (html / f"{page.stem}.html").is_file(), page.name
    for module in ("thermoinfo.geometry.divergences", "thermoinfo.experiments.sweeping", "thermoinfo.cli"):
        assert (html / "api" / f"{module}.html").is_file(), module
    gallery = (html / "gallery" / "index.html").read_text()
    for name in EXPERIMENTS:
        assert f"{name}.png" in gallery, name
        assert (html / "_images" / f"{name}.png").is_file(), name
