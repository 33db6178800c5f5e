"""`make docs` and `make lab` are wired as the docs say: each installs its own optional extra
(never a runtime dependency) and runs the tool on the right folder."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def planned(target):
    """What `make TARGET` would run on a fresh clone (-B: as if nothing were built yet)."""
    done = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_docs_installs_the_docs_extra_and_builds_strictly():
    plan = planned("docs")
    assert "pip install -q -e '.[docs]'" in plan
    assert "docs/tools/ops_page.py" in plan and "mkdocs build --strict" in plan


def test_make_lab_installs_the_lab_extra_and_opens_the_notebooks():
    plan = planned("lab")
    assert "pip install -q -e '.[lab]'" in plan
    assert "jupyter lab --notebook-dir=demos/notebooks" in plan


def test_the_extras_are_optional():
    tomllib = pytest.importorskip("tomllib")            # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert any(d.startswith("mkdocs-material") for d in extras["docs"])
    assert any(d.startswith("jupyterlab") for d in extras["lab"])
    runtime = " ".join(project["dependencies"])
    assert "mkdocs" not in runtime and "jupyter" not in runtime
