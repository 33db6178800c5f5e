"""The seam between the lesson and its kernels (autograd/kernels/): the lesson never imports
them, the engine runs on the lesson alone with CHAINRULE_KERNELS=off, and both give the same
gradients; ops are data (one declaration, a Pattern, unique names); the package has no
import cycle; importing it changes no process-wide setting."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tokenize
from pathlib import Path

import numpy as np
import pytest

import autograd
from autograd import Pattern, Tensor, Value
from autograd import functional as F

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "autograd"
sys.path.insert(0, str(Path(__file__).parent))
import kernels_workload  # noqa: E402


def lesson_files():
    return [p for p in PACKAGE.rglob("*.py") if "kernels" not in p.relative_to(PACKAGE).parts]


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path, top_level_only=True):
    """(module names the file imports, count of imports inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found, inner = [], 0
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        nested = any(isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef))
                     for p in _parents(tree, node))
        if nested:
            inner += any(t.startswith("autograd") for t in _targets(node, package))
            if top_level_only:
                continue
        found += _targets(node, package)
    return found, inner


def _parents(tree, target):
    chain = []

    def walk(node, path):
        if node is target:
            chain.extend(path)
            return True
        return any(walk(child, [*path, node]) for child in ast.iter_child_nodes(node))
    walk(tree, [])
    return chain


def _targets(node, package):
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        parts = parts[:len(parts) - node.level + 1]
        base = ".".join(parts + ([node.module] if node.module else []))
    out = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        is_module = (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists() or \
            (ROOT / Path(*candidate.split(".")) / "__init__.py").exists()
        out.append(candidate if is_module else base)
    return out


# ---------------------------------------------------------------- the lesson stands alone

def test_no_lesson_file_imports_the_kernels():
    """Only the package's __init__ switches the kernels on; no other lesson file names them."""
    offenders = []
    for path in lesson_files():
        if path == PACKAGE / "__init__.py":
            continue
        imports, _ = imported_modules(path, top_level_only=False)
        offenders += [f"{path.relative_to(ROOT)} imports {m}" for m in imports
                      if m.startswith("autograd.kernels")]
    assert not offenders, offenders


@pytest.mark.with_kernels
def test_kernels_off_imports_no_kernel_and_gives_the_same_gradients(tmp_path):
    out = tmp_path / "lesson.npz"
    env = dict(os.environ, CHAINRULE_KERNELS="off")
    done = subprocess.run([sys.executable, str(Path(kernels_workload.__file__)), str(out)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"exit {done.returncode} (3: a kernel was imported)\n{done.stderr}"
    assert autograd.kernels.attached()
    lesson, fast = dict(np.load(out)), kernels_workload.run()
    scale = max(float(np.abs(v).max()) for v in lesson.values())   # b1's gradient is ~0: noise
    for name, want in lesson.items():
        np.testing.assert_allclose(fast[name], want, rtol=1e-9, atol=1e-9 * scale, err_msg=name)


@pytest.mark.with_kernels
def test_detaching_the_kernels_runs_the_lesson_in_this_process():
    fast = kernels_workload.run(seed=1)
    autograd.kernels.detach()
    try:
        assert not autograd.kernels.attached()
        assert autograd.ops()[0].joint is None and all(op.joint is None for op in autograd.ops())
        lesson = kernels_workload.run(seed=1)
    finally:
        autograd.kernels.attach()
    scale = max(float(np.abs(v).max()) for v in lesson.values())
    for name, want in lesson.items():
        np.testing.assert_allclose(fast[name], want, rtol=1e-9, atol=1e-9 * scale, err_msg=name)


def test_every_kernel_says_which_op_it_serves():
    for path in (PACKAGE / "kernels").glob("*.py"):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if path.name not in ("__init__.py", "attach.py"):
            assert doc.startswith("Serves"), f"{path.name}: the docstring should say what it serves"


# ---------------------------------------------------------------- every op is data

def test_ops_are_declared_once_with_a_pattern():
    ops = autograd.ops()
    names = [op.name for op in ops]
    assert len(names) == len(set(names)) and len(ops) >= 60
    assert issubclass(Pattern, __import__("enum").Enum)
    assert all(isinstance(op.pattern, Pattern) for op in ops)
    assert {"add", "mul", "relu", "conv2d", "max_pool2d", "einsum", "copy"} <= set(names)


def test_no_pattern_string_outside_the_enum():
    """Code names patterns through autograd.Pattern, never by retyping the string (one had
    drifted: a layer said "gather" where its op said "split")."""
    values = {p.value for p in Pattern}
    # words that are also the names of ops or methods ("reshape", "split") mean those
    ordinary = {op.name for op in autograd.ops()} | {"split", "scale"}
    found = []
    for folder in ("autograd", "nn", "viz", "demos"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == PACKAGE / "core" / "pattern.py":
                continue
            with tokenize.open(path) as f:
                for tok in tokenize.generate_tokens(f.readline):
                    if tok.type == tokenize.STRING:
                        try:
                            text = ast.literal_eval(tok.string)
                        except (ValueError, SyntaxError):
                            continue
                        if text in values and text not in ordinary:
                            found.append(f"{path.relative_to(ROOT)}:{tok.start[0]} {text!r}")
    assert not found, found


def test_an_activation_with_a_parameter_is_one_declaration(declare):
    """Its Value and Tensor methods, its F function and its argument check all come from the
    declaration."""
    def parse(x, slope=1.0):
        if not isinstance(slope, (int, float)) or slope <= 0:
            raise ValueError(f"softsign2: slope must be positive, got {slope!r}")
        return (x,), {"slope": float(slope)}

    op = declare("softsign2", Pattern.ELEMENTWISE, lambda x, slope: x / (slope + abs(x)),
                 backward=(lambda g, out, x, slope: g * slope / (slope + abs(x)) ** 2,),
                 parse=parse, method="softsign2", function="softsign2", scalar=True)
    assert Value(1.0).softsign2(slope=1.0).data == 0.5
    t = Tensor(np.array([-2.0, 0.5, 3.0]), requires_grad=True)
    assert autograd.gradcheck(lambda a: F.softsign2(a, slope=2.0), [t])
    assert autograd.gradgradcheck(lambda a: a.softsign2(2.0), [t])
    with pytest.raises(ValueError, match="softsign2: slope must be positive, got -1"):
        t.softsign2(-1)
    assert op in autograd.ops()


# ---------------------------------------------------------------- the folder

def _graph(package):
    """module -> the modules of ``package`` it imports (in functions too: a late import is
    still a circle a reader has to untangle)."""
    graph = {}
    for path in (ROOT / package).rglob("*.py"):
        imports, _ = imported_modules(path, top_level_only=False)
        graph[module_name(path)] = {m for m in imports if m.split(".")[0] == package}
    return graph


@pytest.mark.parametrize("package", ["autograd", "nn", "viz"])
def test_no_import_cycle_inside(package):
    graph = _graph(package)
    cycles = []
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == "open":
                cycles.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    # a package's __init__ importing its own modules is how a package works, not a cycle
    cycles = [c for c in cycles if not all(c[0].startswith(m) or m.startswith(c[0]) for m in c)]
    assert not cycles, cycles


def test_at_most_three_imports_inside_functions():
    inner = {str(p.relative_to(ROOT)): imported_modules(p)[1] for p in PACKAGE.rglob("*.py")}
    assert sum(inner.values()) <= 3, {k: v for k, v in inner.items() if v}


def test_the_driver_imports_nothing_but_the_core():
    imports, _ = imported_modules(PACKAGE / "core" / "backward.py", top_level_only=False)
    assert all(m.startswith("autograd.core") for m in imports if m.startswith("autograd")), imports
    for path in (PACKAGE / "core").glob("*.py"):
        imports, _ = imported_modules(path, top_level_only=False)
        outside = [m for m in imports if m.startswith("autograd") and not m.startswith("autograd.core")]
        assert not outside, f"{path.name} imports {outside}"


# ---------------------------------------------------------------- no process-wide side effects

SIDE_EFFECTS = r"""
import ctypes, ctypes.util, os, sys
def umask():
    for line in open("/proc/self/status"):
        if line.startswith("Umask:"):
            return int(line.split()[1], 8)
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.mallinfo2.restype = Info
def mmapped_after_big_alloc():
    import numpy as np
    a = np.ones(2**20)            # 8 MiB: mmapped under glibc's default threshold
    held = libc.mallinfo2().hblkhd
    del a
    return held >= 8 * 2**20
before = umask()
import autograd, nn, viz
a, b = autograd.Tensor([1.0, 2.0], requires_grad=True), autograd.Tensor([[1.0], [2.0]])
(a * b).sum().backward()
assert umask() == before, (oct(before), oct(umask()))
assert mmapped_after_big_alloc(), "the allocator's mmap threshold was raised"
print("ok")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and glibc's mallinfo2")
def test_importing_changes_neither_the_umask_nor_the_allocator():
    done = subprocess.run([sys.executable, "-c", SIDE_EFFECTS], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads glibc's mallinfo2")
def test_the_allocator_tuning_is_there_to_opt_into():
    code = SIDE_EFFECTS.replace('print("ok")', "import autograd.kernels\nautograd.kernels.tune_allocator()\n"
                                "print('tuned' if not mmapped_after_big_alloc() else 'untouched')")
    code = code.replace("assert mmapped_after_big_alloc(), \"the allocator's mmap threshold was "
                        "raised\"\n", "")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.stdout.strip() == "tuned", done.stderr


# ---------------------------------------------------------------- Value and Tensor alike

def test_a_value_made_under_no_grad_does_not_require_grad():
    with autograd.no_grad():
        v = Value(2.0) * 3.0
        t = Tensor([1.0], requires_grad=True) * 3.0
    assert v.requires_grad is False and t.requires_grad is False
    assert Value(1.0).requires_grad is True


def test_value_equality_and_hash_agree():
    a, b = Value(2.0), Value(2.0)
    assert ((a == b) is False and hash(a) != hash(b)) or a is b
    assert (a in [b]) == (a in {b}) == False  # noqa: E712
    assert a in [a] and a in {a}
