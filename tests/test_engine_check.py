"""A foreign `autograd` (PyPI's HIPS package has the same name) first on the path: the CLI,
`import viz` and `import nn` stop with one line naming it and the fix, never a traceback."""

import subprocess
import sys
import types
from pathlib import Path

import pytest

import nn.engine_check
import viz.engine_check

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def foreign(tmp_path):
    """A folder holding a stand-in `autograd` package (no backprop_steps), and a clean cwd."""
    site = tmp_path / "site"
    (site / "autograd").mkdir(parents=True)
    (site / "autograd" / "__init__.py").write_text('"""a stand-in for the HIPS package"""\n'
                                                   '__version__ = "1.7"\n')
    work = tmp_path / "work"
    work.mkdir()
    return site, work


def run(args, site, work):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{site}:{ROOT}"}  # the stand-in first
    return subprocess.run([sys.executable, *args], cwd=work, env=env, capture_output=True,
                          text=True, timeout=60)


def test_the_cli_stops_with_one_line_and_status_2(foreign):
    site, work = foreign
    done = run(["-m", "viz.cli", "explain", "x*y", "x=1", "y=2"], site, work)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("chainrule: error: the 'autograd' that Python imports is another package")
    assert str(site / "autograd" / "__init__.py") in lines[0]
    assert "virtual environment" in lines[0] and "Traceback" not in done.stderr
    assert not (work / "chainrule-out").exists()


@pytest.mark.parametrize("package", ["viz", "nn"])
def test_import_stops_with_one_line(foreign, package):
    site, work = foreign
    done = run(["-c", f"import {package}"], site, work)
    assert done.returncode != 0
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr   # one line, no traceback
    assert "another package" in done.stderr and str(site) in done.stderr


@pytest.mark.parametrize("package", ["viz", "nn"])
def test_the_clash_is_an_import_error_a_program_can_catch(foreign, package):
    site, work = foreign
    done = run(["-c", f"try:\n import {package}\nexcept ImportError as e:\n print('caught:', e)"],
               site, work)
    assert done.returncode == 0 and done.stdout.startswith("caught: chainrule: the 'autograd'"), done


def test_chainrule_autograd_passes_and_the_message_names_the_file():
    import autograd
    assert viz.engine_check.clash_message(autograd) is None
    other = types.ModuleType("autograd")
    other.__file__ = "/somewhere/site-packages/autograd/__init__.py"
    line = viz.engine_check.clash_message(other)
    assert "/somewhere/site-packages/autograd/__init__.py" in line and "\n" not in line


def test_the_two_copies_of_the_check_agree():
    """nn must not import viz, so each has the check: the code below the docstring is the same."""
    code = lambda module: Path(module.__file__).read_text().split('"""', 2)[2]
    assert code(viz.engine_check) == code(nn.engine_check)
