"""Rendering DOT to SVG/PNG: the system `dot`, else graphviz-pure, else a clear error.

Order of choice: $CHAINRULE_DOT (a renderer with dot's flags), the system `dot` on PATH,
then the `graphviz-pure` executable (on PATH or next to this Python, for venvs that are not
activated). Nothing here puts anything named `dot` on PATH, so a system dot is never shadowed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import graphviz

FORMATS = ("svg", "png", "pdf")  # pdf: vector, fonts embedded; needs the system dot
INSTALL_HINT = "pip install graphviz-pure, or install Graphviz (e.g. apt install graphviz)"


class RenderError(RuntimeError):
    """No renderer, or the renderer failed (one line)."""


def find_renderer():
    """Path of the renderer to use, or None when there is none."""
    chosen = os.environ.get("CHAINRULE_DOT")
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            raise RenderError(f"CHAINRULE_DOT={chosen!r} is not an executable ({INSTALL_HINT})")
        return found
    found = shutil.which("dot") or shutil.which("graphviz-pure")
    if found:
        return found
    exe = "graphviz-pure.exe" if sys.platform == "win32" else "graphviz-pure"
    for key in ("scripts", "platlib"):
        try:
            candidate = Path(sysconfig.get_path(key)) / exe
        except (KeyError, TypeError):
            continue
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    candidate = Path(sys.executable).parent / exe
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return None


def _run(args, timeout=120, **kw):
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, **kw)
    except OSError as e:
        raise RenderError(f"cannot run the renderer {args[0]} ({e})") from None
    except subprocess.TimeoutExpired:
        raise RenderError(f"the renderer {args[0]} took more than {timeout} s") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        msg = next((line for line in err if "rror" in line), err[0] if err else "")
        raise RenderError(f"{Path(args[0]).name} failed (exit {done.returncode}): {msg}")
    return done.stdout


def _check_format(format):
    if format not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {format!r}")


def render(digraph, path, format="svg"):
    """Write ``path`` as DOT (.gv) and render it to ``path`` with the format's extension.

    path: 'out/graph', 'out/graph.svg' or 'out/graph.gv' all give out/graph.gv and
    out/graph.svg. Returns the output path (str). Raises RenderError (one line, the .gv kept)
    when there is no renderer.
    """
    _check_format(format)
    path = Path(path)
    if path.suffix.lower() in (".gv", ".dot", ".svg", ".png", ".pdf"):
        path = path.with_suffix("")
    path.parent.mkdir(parents=True, exist_ok=True)
    gv = path.with_name(path.name + ".gv")
    out = path.with_name(path.name + "." + format)
    gv.write_text(digraph.source, encoding="utf-8")
    exe = find_renderer()
    if exe is None:
        raise RenderError(f"no Graphviz renderer found ({INSTALL_HINT}); the DOT file is {gv}")
    _pdf_check(exe, format)
    _run([exe, f"-T{format}", str(gv), "-o", str(out)])
    return str(out)


def _pdf_check(exe, format):
    if format == "pdf" and Path(exe).name.startswith("graphviz-pure"):
        raise RenderError("PDF needs the system Graphviz dot (graphviz-pure renders svg and png "
                          "only): install Graphviz (e.g. apt install graphviz)")


def pipe(source, format="svg"):
    """Render DOT text in memory; returns bytes."""
    _check_format(format)
    exe = find_renderer()
    if exe is None:
        raise RenderError(f"no Graphviz renderer found ({INSTALL_HINT})")
    return _run([exe, f"-T{format}"], input=source.encode("utf-8"))


def svg_text(source):
    """Rendered SVG as text, without the XML prolog (for inlining in HTML)."""
    svg = pipe(source, "svg").decode("utf-8")
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def render_many(digraphs, paths, format="svg"):
    """Render several drawings with one renderer process per batch (the same files as render).

    paths: output paths as for render(); returns the output paths (str).
    """
    _check_format(format)
    gvs, outs = [], []
    for d, p in zip(digraphs, paths):
        p = Path(p)
        if p.suffix.lower() in (".gv", ".dot", ".svg", ".png", ".pdf"):
            p = p.with_suffix("")
        p.parent.mkdir(parents=True, exist_ok=True)
        gv = p.with_name(p.name + ".gv")
        gv.write_text(d.source, encoding="utf-8")
        gvs.append(gv)
        outs.append(p.with_name(p.name + "." + format))
    if not gvs:
        return []
    exe = find_renderer()
    if exe is None:
        raise RenderError(f"no Graphviz renderer found ({INSTALL_HINT}); "
                          f"the DOT files are in {gvs[0].parent}")
    _pdf_check(exe, format)
    for start in range(0, len(gvs), 100):
        batch = gvs[start:start + 100]
        _run([exe, f"-T{format}", "-O", *map(str, batch)], timeout=120 + 10 * len(batch))
        for gv in batch:  # -O writes name.gv.svg: move to name.svg
            made = gv.with_name(gv.name + "." + format)
            made.replace(gv.with_name(gv.stem + "." + format))
    return [str(o) for o in outs]


class Drawing(graphviz.Digraph):
    """A graphviz.Digraph that displays in Jupyter through the same renderer choice."""

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        try:
            return {"image/svg+xml": svg_text(self.source)}
        except RenderError as e:
            return {"text/plain": f"{e}\n{self.source}"}

    def _repr_svg_(self):
        try:
            return svg_text(self.source)
        except RenderError:
            return None

    def render_to(self, path, format="svg"):
        """Shorthand for viz.render(self, path, format)."""
        return render(self, path, format)
