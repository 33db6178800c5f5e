"""docs/lectures.md, the lecture map: every item once, every reference it names resolves (files,
functions in files, Python names, chainrule commands and options), and the slide corrections
it prints are the numbers chainrule computes."""

import ast
import importlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "lectures.md"
STATUSES = {"RTD", "RT", "R", "M"}
PLANNED = re.compile(r"`([^`]+)`\s*\*\(planned\)\*")
CODE = re.compile(r"`([^`]+)`")


def items():
    """{number: (item, deck, chainrule, status, numbers)} from the map's tables."""
    found = {}
    for line in MAP.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].isdigit():
            number = int(cells[0])
            assert number not in found, f"item {number} is listed twice"
            found[number] = tuple(cells[1:])
    return found


def references(cell):
    """(resolved, planned): the code spans of a chainrule cell, the planned ones apart."""
    planned = PLANNED.findall(cell)
    rest = PLANNED.sub("", cell)
    return CODE.findall(rest), planned


def kind(ref):
    if ref.startswith("chainrule "):
        return "command"
    if "/" in ref:
        return "file"
    if re.fullmatch(r"(nn|autograd|viz|F)(\.\w+)+", ref):
        return "name"
    return None


def resolve_file(ref):
    path, _, name = ref.partition("::")
    file = ROOT / path
    assert file.is_file(), f"{path}: no such file"
    if name:
        tree = ast.parse(file.read_text())
        top = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        head, _, member = name.partition(".")
        assert head in top, f"{path} defines no {head}"
        if member:
            members = {n.name for n in top[head].body if isinstance(n, ast.FunctionDef)}
            assert member in members, f"{path}: {head} has no method {member}"


def resolve_name(ref):
    parts = ref.split(".")
    if parts[0] == "F":
        parts = ["autograd", "functional", *parts[1:]]
    obj, i = None, len(parts)
    while i > 0:                              # the longest importable prefix, then attributes
        try:
            obj = importlib.import_module(".".join(parts[:i]))
            break
        except ImportError:
            i -= 1
    assert obj is not None, f"{ref}: nothing to import"
    for attr in parts[i:]:
        assert hasattr(obj, attr), f"{ref}: {'.'.join(parts[:parts.index(attr)])} has no {attr}"
        obj = getattr(obj, attr)


def resolve_command(ref):
    from viz import cli
    words = ref.split()[1:]
    sub, options = words[0], [w for w in words[1:] if w.startswith("--")]
    out, err = io.StringIO(), io.StringIO()
    assert cli.main([sub, "--help"], stdout=out, stderr=err) == 0, f"{ref}: {err.getvalue().strip()}"
    for option in options:
        assert option in out.getvalue(), f"{ref}: 'chainrule {sub} --help' does not mention {option}"


def test_every_item_is_listed_once_with_a_status():
    found = items()
    assert sorted(found) == list(range(1, 86))
    for number, (_, deck, chainrule, status, _) in found.items():
        codes = {part.split()[-1] for part in status.split(",")}      # "RT, scan P": RT and P
        assert codes and codes <= STATUSES, f"item {number}: status {status!r}"
        assert deck, f"item {number}: no deck"
        _, planned = references(chainrule)
        assert not planned, f"item {number}: a (planned) reference: {planned}"
        if codes == {"M"}:
            assert chainrule == "—", f"item {number}: missing but names {chainrule!r}"


def test_every_reference_resolves():
    checked = 0
    for number, (_, _, chainrule, _, _) in items().items():
        resolved, _ = references(chainrule)
        for ref in resolved:
            what = kind(ref)
            assert what, f"item {number}: {ref!r} is neither a file, a Python name nor a command"
            {"file": resolve_file, "name": resolve_name, "command": resolve_command}[what](ref)
            checked += 1
    assert checked > 150


def test_references_in_the_slide_corrections_exist_too():
    for ref in CODE.findall(slide_errors()):
        if kind(ref) == "file":
            resolve_file(ref)
        elif kind(ref) == "name":
            resolve_name(ref)


def slide_errors():
    text = MAP.read_text()
    start = text.index("## Slides that print a wrong number")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def test_the_uw_matmul_row_is_corrected_with_the_number_chainrule_computes():
    x = np.array([[2.0, 1, -3], [-3, 4, 2]])                    # the slide's x and W
    w = np.array([[3.0, 2, 1, -1], [2, 1, 3, 2], [3, 2, 1, -2]])
    row = (x @ w)[1]
    assert row.tolist() == [5, 2, 11, 7]
    assert f"[{', '.join(f'{v:g}' for v in row)}]" in slide_errors()


def test_the_alexnet_stride_slip_is_corrected_with_the_sizes_chainrule_computes():
    from demos.layer_arithmetic import slide_conv2_stride_2
    sizes = slide_conv2_stride_2()
    assert [s[2] for s in sizes[:1]] == [14] and sizes[-1] == (1, 1024)
    text = slide_errors()
    assert "stride 2" in text and "1,024 inputs, not 9,216" in text and "27 -> 14 -> 6 -> 2" in text


def test_the_fft_cost_is_corrected():
    assert "O(M^2 log N)" in slide_errors() and "O(M^2 log M)" in slide_errors()


@pytest.mark.parametrize("page", ["nn.md"])
def test_python_blocks_of_the_pages_run(page):
    text = (ROOT / "docs" / page).read_text()
    blocks = re.findall(r"(<!-- fragment -->\s*)?```python\n(.*?)```", text, flags=re.S)
    ran = 0
    for fragment, code in blocks:
        if fragment:
            continue
        exec(compile(code, f"docs/{page}", "exec"), {"__name__": "docs_example"})
        ran += 1
    assert ran >= 1
