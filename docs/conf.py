"""Sphinx configuration of the thermoinfo documentation.

Build: ``sphinx-build -W -b html docs docs/_build/html`` (``pip install ".[docs]"``).

The theory pages are MyST Markdown. The API reference is generated here, at build
time, from the numpydoc docstrings: one page per public module under ``api/``. The
gallery shows every registered experiment's figure in quick mode; the figures are
taken from ``THERMOINFO_GALLERY_DIR`` (a folder of ``NAME_quick.png``, as written by
``thermoinfo run NAME --quick --out DIR``) when it is set, otherwise from the
committed ``docs/figures/gallery/``, where a missing one is made by running the
experiment (``thermoinfo run NAME --quick --seed 0``).
"""

from __future__ import annotations

import importlib
import inspect
import io
import os
import pkgutil
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import thermoinfo  # noqa: E402

project = "thermoinfo"
author = "The thermoinfo developers"
copyright = "The thermoinfo developers"
release = version = thermoinfo.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_gallery", "README.md"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "show-inheritance": True}
html_theme = "alabaster"
html_title = f"thermoinfo {release}"
suppress_warnings = ["myst.xref_missing"]
nitpicky = False

THEORY_PAGES = ["geometry", "thermo", "freeenergy", "quasistatic", "hopfield", "rbm"]


# ----------------------------------------------------------------------------- API pages

def public_modules() -> list[str]:
    """Every module of thermoinfo whose dotted name has no private part."""
    names = ["thermoinfo"]
    for info in pkgutil.walk_packages(thermoinfo.__path__, "thermoinfo.", onerror=lambda name: None):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def write_api_pages() -> None:
    out = HERE / "api"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    documented, skipped = [], []
    for name in public_modules():
        try:
            importlib.import_module(name)
        except ImportError as exc:  # an optional dependency (JAX, dask) is missing
            skipped.append((name, str(exc)))
            continue
        documented.append(name)
        title = f"``{name}``"
        # a package's names are documented in the module that defines them
        options = "   :no-members:\n" if hasattr(sys.modules[name], "__path__") else ""
        (out / f"{name}.rst").write_text(f"{title}\n{'=' * len(title)}\n\n.. automodule:: {name}\n{options}")
    lines = ["API reference", "=============", "",
             "Generated from the docstrings of every public module.", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    lines += [f"   {name}" for name in documented]
    if skipped:
        lines += ["", "Modules not shown because an optional dependency is not installed:", ""]
        lines += [f"- ``{name}``: {reason}" for name, reason in skipped]
    (out / "index.rst").write_text("\n".join(lines) + "\n")


# ----------------------------------------------------------------------------- gallery

def gallery_figure(name: str) -> Path | None:
    folder = os.environ.get("THERMOINFO_GALLERY_DIR")
    if folder:
        for candidate in (Path(folder) / f"{name}_quick.png", Path(folder) / name / f"{name}_quick.png"):
            if candidate.is_file():
                return candidate
        return None
    folder = HERE / "figures" / "gallery"
    target = folder / f"{name}_quick.png"
    if not target.is_file():
        import tempfile

        from thermoinfo.cli import main

        with tempfile.TemporaryDirectory() as scratch:
            main(["run", name, "--quick", "--seed", "0", "--out", scratch, "--no-progress"])
            made = Path(scratch) / f"{name}_quick.png"
            if made.is_file():
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(made, target)
    return target if target.is_file() else None


def write_gallery() -> None:
    from thermoinfo.experiments import get, list_experiments

    out = HERE / "gallery"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    lines = ["# Gallery", "",
             "The figure of every registered experiment in quick mode "
             "(`thermoinfo run NAME --quick`); the full runs use larger sizes.", ""]
    for name, description in sorted(list_experiments().items()):
        lines += [f"## {name}", "", description + ".", ""]
        doc = inspect.getdoc(get(name)) or ""
        if doc:
            lines += [doc.split("\n\n")[0].replace("\n", " "), ""]
        lines += ["```bash", f"thermoinfo run {name} --quick", "```", ""]
        figure = gallery_figure(name)
        if figure is not None:
            shutil.copyfile(figure, out / f"{name}.png")
            lines += [f"![{name}]({name}.png)", ""]
        else:
            lines += ["(no figure: run the command above, or set THERMOINFO_GALLERY_DIR)", ""]
    (out / "index.md").write_text("\n".join(lines))


# ----------------------------------------------------------------------------- docstrings

# Docstrings state their equations in plain text (D(p||q), |m|, indented layouts), which
# is not always valid reStructuredText. A docstring that docutils cannot read cleanly is
# shown verbatim, exactly as ``help()`` shows it; the others are rendered from their
# numpydoc sections.
_SPHINX_ONLY = re.compile(r"Unknown interpreted text role|Unknown directive type|No role entry|"
                          r"No directive entry|Trying .* as canonical")
_MESSAGE = re.compile(r"^<string>:\d*:? ?\((WARNING|ERROR|SEVERE)/\d\) (.*)$")
_RAW: dict[tuple[str, str], list[str]] = {}
_ROLE = re.compile(r"(?<![\w`]):[\w.+-]+(?::[\w.+-]+)*:`")
_DIRECTIVE = re.compile(r"^(\s*)\.\. ([\w:.+-]+)::", re.M)


def rst_problems(text: str) -> list[str]:
    """The docutils warnings and errors of ``text`` that Sphinx roles do not explain."""
    from docutils.core import publish_doctree

    # plain docutils: Sphinx's roles and directives need a build environment, so roles
    # become plain interpreted text and directives become comments before the check
    text = _ROLE.sub("`", text)
    text = _DIRECTIVE.sub(r"\1.. (\2)", text)
    stream = io.StringIO()
    publish_doctree(text, settings_overrides={"report_level": 2, "halt_level": 5,
                                              "warning_stream": stream})
    found = []
    for line in stream.getvalue().splitlines():
        match = _MESSAGE.match(line)
        if match and not _SPHINX_ONLY.search(match.group(2)):
            found.append(match.group(2))
    return found


def _keep_raw(app, what, name, obj, options, lines):
    _RAW[(what, name)] = list(lines)


def _verbatim_if_invalid(app, what, name, obj, options, lines):
    raw = _RAW.pop((what, name), None)
    if raw is None or not lines or not rst_problems("\n".join(lines)):
        return
    lines[:] = ["::", ""] + [f"    {line}" if line.strip() else "" for line in raw] + [""]


def setup(app):
    app.connect("autodoc-process-docstring", _keep_raw, priority=100)  # before napoleon (500)
    app.connect("autodoc-process-docstring", _verbatim_if_invalid, priority=900)


write_api_pages()
write_gallery()
