"""Rendering DOT to SVG/PNG/PDF: the system `dot`, else graphviz-pure, else a clear error.

Order of choice: $CHAINRULE_DOT (a renderer with dot's flags), the system `dot` on PATH,
then the `graphviz-pure` executable (on PATH or next to this Python, for venvs that are not
activated). graphviz-pure has no PDF output: its SVG is printed to PDF by headless Chromium
(viz/pdf.py) when one is installed, else by the optional pdf extra (viz/pdf_lib.py).
Nothing here puts anything named `dot` on PATH, so a system dot is never shadowed.

Fonts (viz/fonts.py): drawings name DejaVu Sans; an SVG is given narrower fallbacks after it,
so a viewer without DejaVu never draws it in a serif. graphviz-pure draws PNG text with its
bundled fonts only, which lack DejaVu Sans: its PNGs are laid out and drawn in Arimo, the
metric twin of Arial and Helvetica that it bundles, rather than in a substitute serif.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import graphviz

from . import pdf as _pdf
from . import pdf_lib
from .budget import MAX_PNG_SIDE
from .fonts import FALLBACK, FONT
from .safe_files import check_destination, write_file

FORMATS = ("svg", "png", "pdf")  # pdf: vector, fonts embedded; system dot, or Chromium (viz.pdf)
INSTALL_HINT = "pip install graphviz-pure, or install Graphviz (e.g. apt install graphviz)"
MIN_DPI, MAX_DPI = 10, 600      # a PNG's resolution (Graphviz's default: 96 dots per inch)
_FONT_ATTR = f'font-family="{FONT}"'


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


def _check_format(format, dpi=None):
    if format not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {format!r}")
    if dpi is None:
        return
    if format != "png":
        raise ValueError(f"render: dpi applies to png only, not to {format}")
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not MIN_DPI <= dpi <= MAX_DPI:
        raise ValueError(f"render: dpi must be a number from {MIN_DPI} to {MAX_DPI}, got {dpi!r}")


def _args(format, dpi):
    """The renderer's flags for one format: -Tpng -Gdpi=200, and for a PNG the most it may
    measure: larger than budget.MAX_PNG_SIDE pixels a side, it is scaled down to fit
    (Graphviz's size attribute, in inches): a 60-gate circuit at 96 dpi is 15,000 x 3,000
    pixels, 2.5 s a frame."""
    flags = [f"-T{format}", *([f"-Gdpi={dpi:g}"] if dpi is not None else [])]
    if format == "png":
        inches = MAX_PNG_SIDE / (dpi or 96)
        flags.append(f"-Gsize={inches:g},{inches:g}")
    return flags


def _is_pure(exe):
    return Path(exe).name.startswith("graphviz-pure")


def _for_renderer(source, exe, format):
    """The DOT text the renderer gets: graphviz-pure's PNG in Arimo (see the module's doc)."""
    if format == "png" and _is_pure(exe):
        return source.replace(f'fontname="{FONT}"', 'fontname="Arimo"')
    return source


def with_fallback_fonts(svg):
    """SVG text (str or bytes) whose text asks for DejaVu Sans, then narrower fonts only."""
    if isinstance(svg, bytes):
        return with_fallback_fonts(svg.decode("utf-8")).encode("utf-8")
    return svg.replace(_FONT_ATTR, f'font-family="{FALLBACK}"')


def _split(path, format):
    """'out/graph', 'out/graph.svg', 'out/graph.gv' -> (out/graph.gv, out/graph.FORMAT)."""
    path = Path(path)
    if path.suffix.lower() in (".gv", ".dot", *(f".{f}" for f in FORMATS)):
        path = path.with_suffix("")
    return path.with_name(path.name + ".gv"), path.with_name(path.name + "." + format)


def render(digraph, path, format="svg", dpi=None):
    """Write ``path`` as DOT (.gv) and render it to ``path`` with the format's extension.

    path: 'out/graph', 'out/graph.svg' or 'out/graph.gv' all give out/graph.gv and
    out/graph.svg. dpi: a PNG's resolution (default 96; 192 doubles its width and height,
    for a projector). Returns the output path (str). Raises RenderError (one line, the .gv
    kept) when there is no renderer.
    """
    return render_many([digraph], [path], format, dpi)[0]


PDF_EXTRA = "pdf extra"  # _pdf_check's answer when svglib + reportlab print the PDF (viz/pdf_lib.py)


def _pdf_check(exe, format):
    """What turns graphviz-pure's SVG into PDF: the Chromium to print it, else PDF_EXTRA when
    the optional pdf extra is installed; None when ``exe`` writes the format itself;
    RenderError (one line) when nothing can."""
    if format != "pdf" or not _is_pure(exe):
        return None
    chromium = _pdf.find_chromium()
    if chromium is not None:
        return chromium
    if pdf_lib.available():
        return PDF_EXTRA
    raise RenderError("PDF needs the system Graphviz dot, Chromium or the pdf extra (graphviz-pure "
                      "renders svg and png only): install Graphviz (e.g. apt install graphviz), "
                      f"Chromium (e.g. apt install chromium) or {pdf_lib.HINT}")


def check_format(format):
    """Raise RenderError (one line) if the renderer that would be used cannot write ``format``
    (graphviz-pure and PDF without Chromium), so a command can refuse before it prints or
    writes anything."""
    exe = find_renderer()
    if exe is not None:
        _pdf_check(exe, format)


def pipe(source, format="svg", dpi=None):
    """Render DOT text in memory; returns bytes."""
    _check_format(format, dpi)
    exe = find_renderer()
    if exe is None:
        raise RenderError(f"no Graphviz renderer found ({INSTALL_HINT})")
    chromium = _pdf_check(exe, format)
    if chromium:  # graphviz-pure: SVG, then Chromium prints the PDF in a private folder
        svg = with_fallback_fonts(_run([exe, "-Tsvg"], input=source.encode("utf-8")))
        with tempfile.TemporaryDirectory(prefix="chainrule-pdf-") as tmp:
            return _print_pdf(chromium, svg, tmp)
    data = _run([exe, *_args(format, dpi)], input=_for_renderer(source, exe, format).encode("utf-8"))
    return with_fallback_fonts(data) if format == "svg" else data


def svg_text(source):
    """Rendered SVG as text, without the XML prolog (for inlining in HTML)."""
    return strip_prolog(pipe(source, "svg").decode("utf-8"))


def strip_prolog(svg):
    """SVG text from its <svg> tag on: no XML declaration or DOCTYPE (HTML takes none)."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def inline_svg(svg, prefix):
    """SVG text ready to inline in a page: no prolog or comments, ids (and the references to
    them) prefixed so that several drawings on one page never share one."""
    svg = re.sub(r"<!--.*?-->", "", strip_prolog(svg), flags=re.S)
    svg = re.sub(r'\bid="', f'id="{prefix}', svg)
    return re.sub(r'(xlink:href|href)="#', rf'\1="#{prefix}', svg)


def render_many(digraphs, paths, format="svg", dpi=None):
    """Render several drawings with one renderer process per batch (the same files as render).

    paths: output paths as for render(); dpi as for render(); returns the output paths (str).
    The renderer only ever sees files in a private temporary folder (so no user path can read
    as one of its options); the results are then written without following links (viz.safe_files).
    """
    _check_format(format, dpi)
    pairs = [_split(p, format) for p in paths]
    for gv, out in pairs:  # every destination checked before anything is written
        check_destination(gv)
        check_destination(out)
    sources = [d.source for d in digraphs]
    for (gv, _), source in zip(pairs, sources):
        write_file(gv, source)
    if not pairs:
        return []
    exe = find_renderer()
    if exe is None:
        where = (f"the DOT file is {pairs[0][0]}" if len(pairs) == 1
                 else f"the DOT files are in {pairs[0][0].parent}")
        raise RenderError(f"no Graphviz renderer found ({INSTALL_HINT}); {where}")
    chromium = _pdf_check(exe, format)
    format = "svg" if chromium else format  # graphviz-pure: SVG, then Chromium prints the PDF
    with tempfile.TemporaryDirectory(prefix="chainrule-render-") as tmp:
        tmp_gvs = [Path(tmp).resolve() / f"g{k:05d}.gv" for k in range(len(sources))]
        for gv, source in zip(tmp_gvs, sources):
            gv.write_text(_for_renderer(source, exe, format), encoding="utf-8")
        flags = _args(format, dpi)
        if len(tmp_gvs) == 1:  # -o: all a renderer named by $CHAINRULE_DOT must support
            gv = tmp_gvs[0]
            _run([exe, *flags, str(gv), "-o", str(gv.with_name(gv.name + "." + format))])
        for start in range(0, len(tmp_gvs) if len(tmp_gvs) > 1 else 0, 100):
            batch = tmp_gvs[start:start + 100]
            _run([exe, *flags, "-O", *map(str, batch)], timeout=120 + 10 * len(batch))
        for gv, (_, out) in zip(tmp_gvs, pairs):  # -O wrote name.gv.FORMAT
            data = gv.with_name(gv.name + "." + format).read_bytes()
            if format == "svg":
                data = with_fallback_fonts(data)
            if chromium:
                data = _print_pdf(chromium, data, tmp)
            write_file(out, data)
    return [str(out) for _, out in pairs]


def _print_pdf(chromium, svg, tmp):
    try:
        if chromium == PDF_EXTRA:
            return pdf_lib.tight_pdf(strip_prolog(svg.decode("utf-8")))
        return _pdf.print_pdf(chromium, strip_prolog(svg.decode("utf-8")), tmp)
    except (RuntimeError, ValueError) as e:
        raise RenderError(f"PDF from graphviz-pure's SVG: {e}") from None


def render_svgs(digraphs):
    """SVG text of each drawing (rendered in a private temporary folder; nothing else written)."""
    with tempfile.TemporaryDirectory(prefix="chainrule-") as tmp:
        paths = render_many(digraphs, [Path(tmp) / f"d{k:05d}" for k in range(len(digraphs))])
        return [Path(p).read_text(encoding="utf-8") for p in paths]


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
