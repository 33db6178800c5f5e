"""The README and the pages of docs/ hold: every Python block runs as pasted, every relative
link (and #anchor) resolves, no line quotes a commit hash, the op reference is current, the
README stays a front page, and the site builds (when MkDocs is installed).

Markers, on the line before a ```python block:
    <!-- fragment -->        not standalone: skipped
    <!-- raises NAME -->     its last line shows an error: it must raise NAME (a builtin exception)
    <!-- needs MODULE -->    imports an optional package: skipped without it
    <!-- from PATH -->       an excerpt of a source file, shown as it stands there: each of its
                             definitions (separated by two blank lines) must appear verbatim
                             in PATH (it is not run on its own)
"""

import builtins
import re
import shutil
import subprocess
import sys
import unicodedata
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
FRAGMENT = "<!-- fragment -->"
RAISES = re.compile(r"<!-- raises (\w+) -->")
NEEDS = re.compile(r"<!-- needs (\w+) -->")
FROM = re.compile(r"<!-- from ([\w/.-]+) -->")
FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", flags=re.S | re.M)
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
# 7 to 40 hex digits with at least one letter and one digit: how a commit is quoted
COMMIT = re.compile(r"(?<![\w./-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}(?![\w/-])")


def name(path):
    return str(path.relative_to(ROOT))


def python_blocks():
    blocks = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"(?P<before>[^\n]*)\n```python\n(?P<code>.*?)```", text, flags=re.S):
            line = text.count("\n", 0, m.start("code"))
            before = m.group("before").strip()
            if FROM.fullmatch(before):
                continue                # an excerpt of the source: test_excerpts_are_the_source
            raises, needs = RAISES.fullmatch(before), NEEDS.fullmatch(before)
            blocks.append(pytest.param(m.group("code"), before == FRAGMENT,
                                       raises.group(1) if raises else None,
                                       needs.group(1) if needs else None, id=f"{name(page)}:{line}"))
    return blocks


@pytest.mark.parametrize("code, fragment, raises, needs", python_blocks())
def test_python_block_runs(code, fragment, raises, needs, tmp_path, monkeypatch):
    if fragment:
        pytest.skip("marked as a fragment")
    if needs:
        pytest.importorskip(needs)
    monkeypatch.chdir(tmp_path)  # files a block writes land in a temporary folder
    monkeypatch.syspath_prepend(str(ROOT))
    run = lambda: exec(compile(code, "docs block", "exec"), {"__name__": "__docs__"})
    if raises is None:
        run()
    else:
        with pytest.raises(getattr(builtins, raises)), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # numpy's own note on the way to the error
            run()


def test_the_pages_have_python_blocks_and_few_fragments():
    blocks = python_blocks()
    fragments = [b for b in blocks if b.values[1]]
    assert len(blocks) >= 20 and len(fragments) <= 5, (len(blocks), [b.id for b in fragments])


def prose(text):
    """The text outside fenced code blocks and inline code (links there are examples)."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def slug(heading):
    """The anchor of a heading, as MkDocs (Python-Markdown's toc) and GitHub make it here."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page):
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {slug(m.group(2)) for m in re.finditer(r"^(#{1,6})\s+(.+?)\s*#*\s*$", text, flags=re.M)}


def links():
    found = []
    for page in PAGES:
        for m in LINK.finditer(prose(page.read_text(encoding="utf-8"))):
            target = m.group(1)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):    # http:, mailto: ... are not checked
                found.append(pytest.param(page, target, id=f"{name(page)}->{target}"))
    return found


@pytest.mark.parametrize("page, target", links())
def test_relative_link_resolves(page, target):
    path, _, anchor = target.partition("#")
    goal = (page.parent / path).resolve() if path else page
    assert goal.exists(), f"{name(page)}: {target} does not exist"
    assert ROOT in goal.parents or goal == ROOT, f"{name(page)}: {target} leaves the repository"
    if anchor:
        assert goal.suffix == ".md", f"{name(page)}: {target}: an anchor into a file that is not a page"
        assert anchor in anchors(goal), f"{name(page)}: no heading for #{anchor} in {name(goal)}"


def test_the_link_checker_sees_the_links():
    targets = {p.values[1] for p in links()}
    assert {"docs/index.md", "demos/images/lecture.svg", "scalar.md", "../demos/images/tensor.svg"} <= targets
    assert any("#" in t for t in targets)
    assert slug("## The other `autograd`".lstrip("# ")) == "the-other-autograd"
    assert slug("Compositions: losses, normalization, padding, resizing, vjp/jvp") == \
        "compositions-losses-normalization-padding-resizing-vjpjvp"


def test_no_line_quotes_a_commit_hash():
    found = [f"{name(page)}:{k}: {m.group(0)}" for page in PAGES
             for k, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
             for m in COMMIT.finditer(line)]
    assert not found, found


def test_the_commit_pattern_finds_hashes_and_spares_numbers():
    assert COMMIT.findall("against `a1b38dc` and 4bdbe54, e305d4a18d7e1348c4341c4877cc1fd3f0e98a2b")
    assert len(COMMIT.findall("`a1b38dc`, 4bdbe54 and e305d4a18d7e1348c4341c4877cc1fd3f0e98a2b")) == 3
    assert not COMMIT.findall("1,378 passed, 68,719,476,736 entries, 3.35e-4, 1e-12, deadbeef, "
                              "decade, 2024-08-01, #ffffff, 1234567")


def test_the_readme_is_a_front_page_and_docs_has_the_pages():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 250
    pages = {p.name for p in DOCS.glob("*.md")}
    assert {"index.md", "scalar.md", "tensors.md", "conv-pool.md", "derivations.md", "nn.md",
            "teaching.md", "cli.md", "ops.md", "parity.md", "safety.md", "performance.md",
            "lectures.md", "engine.md"} <= pages


def _table_rows(text):
    return {cells[0]: cells for cells in ([c.strip() for c in line.strip().strip("|").split("|")]
                                          for line in text.splitlines() if line.startswith("| "))}


def test_the_readme_speed_rows_are_the_performance_pages():
    """The front page's speed table is a few rows of docs/performance.md's, not a copy that
    can fall behind it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How fast", 1)[1].split("\n## ", 1)[0]
    shown = _table_rows(section)
    full = _table_rows((DOCS / "performance.md").read_text(encoding="utf-8"))
    assert len(shown) >= 5
    for figure, cells in shown.items():
        if figure != "figure":
            assert full[figure][:len(cells)] == cells, figure


def test_the_op_reference_is_generated_and_current():
    """docs/ops.md is what docs/tools/ops_page.py makes from the op declarations now."""
    done = subprocess.run([sys.executable, str(DOCS / "tools" / "ops_page.py"), "--check"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_the_op_reference_lists_every_declared_op():
    sys.path.insert(0, str(DOCS / "tools"))
    try:
        import ops_page
    finally:
        sys.path.remove(str(DOCS / "tools"))
    ops = ops_page.declared_ops()
    page = (DOCS / "ops.md").read_text(encoding="utf-8")
    assert len(ops) >= 60
    for op in ops:
        assert f"| `{op.name}` |" in page, op.name
    assert page.count("\n| `") == len(ops)          # one row per op, no stale rows


@pytest.mark.parametrize("script", ["readme_diagrams.py", "derivation_diagrams.py"])
def test_diagram_scripts_help_writes_nothing(script):
    images = ROOT / "demos" / "images"
    before = {p: p.stat().st_mtime_ns for p in images.iterdir()}
    done = subprocess.run([sys.executable, str(ROOT / "demos" / script), "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "usage:" in done.stdout
    assert {p: p.stat().st_mtime_ns for p in images.iterdir()} == before


@pytest.mark.slow
def test_the_site_builds(tmp_path):
    """`make docs` in a test: MkDocs (strict: a broken link or anchor fails) with the live steppers."""
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    if mkdocs is None:
        pytest.skip("the docs extra is not installed (pip install -e '.[docs]')")
    done = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    site = tmp_path / "site"
    for page in ["index", "scalar", "ops", "parity", "steppers"]:
        assert (site / f"{page}.html").is_file(), page
    steppers = sorted(p.name for p in (site / "live").glob("*.html"))
    assert len(steppers) >= 3 and "conv-derivation.html" in steppers
    assert 'class="chainrule-stepper' in (site / "live" / "lecture.html").read_text(encoding="utf-8")
    assert 'src="live/lecture.html"' in (site / "steppers.html").read_text(encoding="utf-8")
    assert (site / "repo" / "demos" / "images" / "tensor.svg").is_file()   # pictures travel along
    assert 'src="repo/demos/images/tensor.svg"' in (site / "tensors.html").read_text(encoding="utf-8")


def excerpts():
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"<!-- from ([\w/.-]+) -->\n```python\n(?P<code>.*?)```", text, flags=re.S):
            line = text.count("\n", 0, m.start("code"))
            found.append(pytest.param(m.group(1), m.group("code"), id=f"{name(page)}:{line}"))
    return found


@pytest.mark.parametrize("path, code", excerpts())
def test_excerpts_are_the_source(path, code):
    """Code a page shows as it stands in a lesson file is that file's code, to the character."""
    source = (ROOT / path).read_text(encoding="utf-8")
    for chunk in code.strip("\n").split("\n\n\n"):
        assert chunk.strip("\n") in source, f"{path} no longer holds:\n{chunk[:300]}"


def test_the_readme_shows_mul_relu_and_conv2d_as_declared():
    shown = " ".join(code for _, code in (p.values for p in excerpts()))
    for declaration in ("MUL = Op(", "RELU = Op(", "CONV2D = Op("):
        assert declaration in shown



def test_the_reading_order_names_what_exists():
    """docs/engine.md's reading order (and the README's short one) name only folders and
    files that exist in autograd/."""
    page = (DOCS / "engine.md").read_text(encoding="utf-8")
    block = page.split("## Reading order", 1)[1].split("```", 2)[1]
    named, folder = [], None
    for line in block.splitlines():
        word = line.strip().split(" ")[0]
        indent = len(line) - len(line.lstrip())
        if indent == 2 and word:
            folder = word if word.endswith("/") else None
            named.append("autograd/" + word)
        elif indent == 4 and word and folder:
            named.append(f"autograd/{folder}{word}")
    assert len(named) >= 15
    missing = [p for p in named if not (ROOT / p).exists()]
    assert not missing, missing
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    order = readme.split("Read `autograd/` in this order:", 1)[1].split("[inside", 1)[0]
    short = re.findall(r"`([\w.]+/?)`", order)
    assert len(short) >= 5 and all((ROOT / "autograd" / p).exists() for p in short), short
