"""The first five minutes, as a newcomer has them: clone the repository, `make demo`, then type
the README's next commands exactly as printed, in a new shell (not the one make ran in)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_next_commands():
    """The README's commands after `make demo`: the sh block that activates .venv."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    block = next(b for b in blocks if ". .venv/bin/activate" in b)
    return [line for line in block.splitlines() if line.strip()]


def test_the_readme_shows_the_next_commands_make_demo_prints():
    lines = readme_next_commands()
    assert lines[0] == ". .venv/bin/activate" and lines[1].startswith("chainrule explain ")
    printed = subprocess.run(["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True,
                             timeout=60).stdout
    for line in lines:
        assert line in printed, line


def a_new_shell_environment(home):
    """The environment of a fresh terminal: no virtual environment active, nothing on PYTHONPATH."""
    dropped = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CONDA_PREFIX")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PYTEST")}
    venv_bins = {str(Path(p)) for p in os.environ.get("PATH", "").split(os.pathsep)
                 if (Path(p).parent / "pyvenv.cfg").is_file()}
    env["PATH"] = os.pathsep.join(p for p in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
                                  if str(Path(p)) not in venv_bins)
    env.setdefault("HOME", str(home))
    return env


@pytest.mark.slow
def test_make_demo_then_the_readmes_next_commands_in_a_new_shell(tmp_path):
    if not (ROOT / ".git").exists() or shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("needs a git checkout, git and make")
    clone = tmp_path / "chainrule"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=300)
    env = a_new_shell_environment(tmp_path)

    demo = subprocess.run(["make", "demo"], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    told = demo.stdout.split("Next, in this or any new shell", 1)[1].splitlines()[1:]
    lines = readme_next_commands()
    assert [t.strip() for t in told[:len(lines)]] == lines      # make demo prints what the README shows

    typed = subprocess.run(["bash", "-e", "-c", "\n".join(lines)], cwd=clone, env=env,
                           capture_output=True, text=True, timeout=300)
    assert typed.returncode == 0, typed.stderr
    assert "backward (" in typed.stdout and "gradients" in typed.stdout
    assert re.search(r"df/dx = \S+", typed.stdout)
    assert (clone / "chainrule-out" / "stepper.html").is_file()
    same_python = subprocess.run(["bash", "-e", "-c", lines[0] + "\npython -c 'import autograd, nn, viz'"],
                                 cwd=clone, env=env, capture_output=True, text=True, timeout=120)
    assert same_python.returncode == 0, same_python.stderr      # `import autograd` works there too
