"""Every Python block of the README runs as pasted (blocks marked as fragments are skipped),
and `make diagrams`' scripts print `--help` help without writing anything."""

import builtins
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FRAGMENT = "<!-- fragment -->"  # put on the line before a ```python block that is not standalone
RAISES = re.compile(r"<!-- raises (\w+) -->")  # ... before a block whose last line shows an error
NEEDS = re.compile(r"<!-- needs (\w+) -->")    # ... before a block that imports an optional package


def python_blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = []
    for m in re.finditer(r"(?P<before>[^\n]*)\n```python\n(?P<code>.*?)```", text, flags=re.S):
        line = text.count("\n", 0, m.start("code"))
        before = m.group("before").strip()
        raises = RAISES.fullmatch(before)
        needs = NEEDS.fullmatch(before)
        blocks.append(pytest.param(m.group("code"), before == FRAGMENT,
                                   raises.group(1) if raises else None, needs.group(1) if needs else None,
                                   id=f"README.md:{line}"))
    return blocks


@pytest.mark.parametrize("code, fragment, raises, needs", python_blocks())
def test_readme_block_runs(code, fragment, raises, needs, tmp_path, monkeypatch):
    if fragment:
        pytest.skip("marked as a fragment in the README")
    if needs:
        pytest.importorskip(needs)
    monkeypatch.chdir(tmp_path)  # files a block writes land in a temporary folder
    monkeypatch.syspath_prepend(str(ROOT))
    run = lambda: exec(compile(code, "README block", "exec"), {"__name__": "__readme__"})
    if raises is None:
        run()
    else:
        with pytest.raises(getattr(builtins, raises)):
            run()


def test_readme_has_python_blocks():
    assert len(python_blocks()) >= 5


@pytest.mark.parametrize("script", ["readme_diagrams.py", "derivation_diagrams.py"])
def test_diagram_scripts_help_writes_nothing(script):
    images = ROOT / "demos" / "images"
    before = {p: p.stat().st_mtime_ns for p in images.iterdir()}
    done = subprocess.run([sys.executable, str(ROOT / "demos" / script), "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "usage:" in done.stdout
    assert {p: p.stat().st_mtime_ns for p in images.iterdir()} == before
