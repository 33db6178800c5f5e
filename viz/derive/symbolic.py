"""derive(node, symbolic=True): the derivation drawn in the lectures' notation.

The grids hold symbols (X11, F11, dE/dO11) instead of numbers; each frame writes its
equation (symbols.py, generated from the geometry) and under it the same equation with the
recorded numbers put in, whose value is checked against the engine like every other frame.

conv2d:  O11 = F11 X11 + ..., one frame per output; dE/dF11 = dE/dO11 X11 + ..., one per
         filter entry; dE/dX from the scatter side (the entries each X met, which read as
         the rotated filter), after the lecture's picture of the padded dE/dO and rot180(F);
         dE/db.
pooling: O11 = max(X11, X12, X21, X22) (or the mean), one frame per window; then the
         router (or the distributor) and every dE/dX in symbols.
"""

from __future__ import annotations

from autograd.ops.conv import CONV2D
from autograd.ops.pool import MAX_POOL2D

from .maps import cells
from .model import Frame, Panel
from .symbols import Notation, conv_equations, numbers_of, pool_equations
from .taps import Geometry

MAX_LINES = 16    # equations written under a summary frame (the grid shows them all)


def _check(eq, numbers):
    name, index = eq.engine
    return (name, index, eq.value(numbers))


def _text(eq, numbers, number):
    return f"{eq.text()}\n    = {eq.numbers_text(numbers, number)}"


def x_grid(n, c, geo, pad_text="0"):
    """X's symbols, padded: (values, marks, origin offset)."""
    (H, W), (p0, p1) = geo.size, geo.padding
    values, marks = [], {}
    for r in range(H + 2 * p0):
        row = []
        for q in range(W + 2 * p1):
            i, j = r - p0, q - p1
            if geo.inside(i, j):
                row.append(n.X(c, i, j).text())
            else:
                row.append(pad_text)
                marks[(r, q)] = "pad"
        values.append(row)
    return values, marks


def o_grid(make, shape, current=None, done=()):
    values = [[make(a, b).text() for b in range(shape[1])] for a in range(shape[0])]
    marks = dict.fromkeys(done, "done")
    if current is not None:
        marks[current] = "current"
    return values, marks


def f_grid(n, o, cl, kernel, dilation, rotate=False):
    kh, kw = kernel
    dh, dw = dilation
    values = [[None] * ((kw - 1) * dw + 1) for _ in range((kh - 1) * dh + 1)]
    marks = {(r, q): "hole" for r in range(len(values)) for q in range(len(values[0]))
             if r % dh or q % dw}
    for u in range(kh):
        for v in range(kw):
            su, sv = (kh - 1 - u, kw - 1 - v) if rotate else (u, v)
            values[u * dh][v * dw] = n.F(o, cl, su, sv).text()
    return values, marks


def conv_symbolic_frames(node, up, number):
    geo = Geometry.of(node)
    C = node.parents[0].data.shape[1]
    Co, Cg = node.parents[1].data.shape[:2]
    Og = Co // node.params["groups"]
    n = Notation(C, Co, Cg)
    eqs = conv_equations(node)
    numbers = numbers_of(node, up)
    p = geo.padding
    frames = []
    forward = iter(eqs["forward"])
    for o in range(Co):
        first = (o // Og) * Cg
        done = []
        for a, b in cells(*geo.out):
            eq = next(forward)
            picture = []
            for cl in range(Cg):
                values, marks = x_grid(n, first + cl, geo)
                for t in geo.window(a, b):
                    marks[(t.i + p[0], t.j + p[1])] = "window"
                picture.append([Panel(_x_title(C, first + cl, p), values, marks), "x",
                                Panel("F" + _ch(n.F(o, cl, 0, 0)), *f_grid(n, o, cl, geo.kernel,
                                                                          geo.dilation))])
            picture.append(["->", Panel("O" + _ch(n.O(o, 0, 0)),
                                        *o_grid(lambda aa, bb, o=o: n.O(o, aa, bb), geo.out, (a, b), done))])
            done.append((a, b))
            frames.append(Frame(f"{eq.lhs.text()}: the filter over its window, in symbols", picture,
                                _text(eq, numbers, number), [_check(eq, numbers)], kind="forward"))
    weight = iter(eqs["weight"])
    for o in range(Co):
        first = (o // Og) * Cg
        for cl in range(Cg):
            done = []
            for u, v in cells(*geo.kernel):
                eq = next(weight)
                values, marks = x_grid(n, first + cl, geo)
                for t in geo.uses(u, v):
                    marks[(t.i + p[0], t.j + p[1])] = "window"
                dO = o_grid(lambda a, b, o=o: n.O(o, a, b, True), geo.out)
                dF = [[n.F(o, cl, uu, vv, True).text() for vv in range(geo.kernel[1])]
                      for uu in range(geo.kernel[0])]
                fmarks = dict.fromkeys(done, "done")
                fmarks[(u, v)] = "current"
                done.append((u, v))
                frames.append(Frame(
                    f"{eq.lhs.text()}: every output {eq.lhs.text()[4:]} took part in sends its "
                    "upstream back", [[Panel(_x_title(C, first + cl, p), values, marks), "x",
                                       Panel("dE/dO" + _ch(n.O(o, 0, 0)), *dO), "->",
                                       Panel("dE/dF" + _ch(n.F(o, cl, 0, 0)), dF, fmarks)]],
                    _text(eq, numbers, number), [_check(eq, numbers)], kind="weight"))
    lecture = _lecture_picture(n, geo, C, Co, Cg, Og)
    if lecture is not None:
        frames.append(lecture)
    inputs = iter(eqs["input"])
    for c in range(C):
        g, cl = divmod(c, Cg)
        done = []
        for i, j in cells(*geo.size):
            eq = next(inputs)
            taps = geo.feeds(i, j)
            picture = []
            for o in range(g * Og, (g + 1) * Og):
                dO, marks = o_grid(lambda a, b, o=o: n.O(o, a, b, True), geo.out)
                met = [[None] * geo.out[1] for _ in range(geo.out[0])]
                for t in taps:
                    marks[(t.a, t.b)] = "source"
                    met[t.a][t.b] = n.F(o, cl, t.u, t.v).text()
                picture.append([Panel("dE/dO" + _ch(n.O(o, 0, 0)), dO, marks), "x",
                                Panel("the F entry it met", met, dict.fromkeys(marks, "window"))])
            dX, xmarks = o_grid(lambda a, b, c=c: n.X(c, a, b, True), geo.size, (i, j), done)
            done.append((i, j))
            picture.append(["->", Panel("dE/dX" + _ch(n.X(c, 0, 0)), dX, xmarks)])
            frames.append(Frame(f"{eq.lhs.text()}: the outputs {eq.lhs.text()[4:]} fed, in symbols",
                                picture, _text(eq, numbers, number), [_check(eq, numbers)],
                                kind="scatter view"))
    for eq in eqs["bias"]:
        o = eq.engine[1][0]
        dO = o_grid(lambda a, b, o=o: n.O(o, a, b, True), geo.out)
        frames.append(Frame(f"{eq.lhs.text()}: the bias reaches every output (a distributor)",
                            [[Panel("dE/dO" + _ch(n.O(o, 0, 0)), *dO), "sum ->"]],
                            _text(eq, numbers, number), [_check(eq, numbers)], kind="bias"))
    return frames


def _ch(sym):
    """A grid's title suffix naming its channel(s): '' or '^2' or '^1,2'."""
    text = sym.text()
    return text[text.index("^"):text.index("_")] if "^" in text else ""


def _x_title(C, c, p):
    return ("X" + (f"^{c + 1}" if C > 1 else "")) + (" padded" if p != (0, 0) else "")


def _lecture_picture(n, geo, C, Co, Cg, Og):
    """The slide: dE/dO zero-padded (upsampled for a stride), rot180(F), and dE/dX, all in
    symbols. None when the padding exceeds the filter's span (the upstream is cropped)."""
    span = [(k - 1) * d + 1 for k, d in zip(geo.kernel, geo.dilation)]
    q = [e - 1 - p for e, p in zip(span, geo.padding)]
    if min(q) < 0:
        return None
    s = geo.stride
    shape = [(m - 1) * st + 1 + 2 * qq for m, st, qq in zip(geo.out, s, q)]
    rows = []
    for o in range(Co):
        values = [["0"] * shape[1] for _ in range(shape[0])]
        marks = dict.fromkeys(cells(*shape), "pad")
        for a, b in cells(*geo.out):
            cell = (q[0] + a * s[0], q[1] + b * s[1])
            values[cell[0]][cell[1]] = n.O(o, a, b, True).text()
            del marks[cell]
        row = [Panel("dE/dO" + _ch(n.O(o, 0, 0)) + " padded", values, marks)]
        g = o // Og
        for cl in range(Cg):
            c = g * Cg + cl
            row += ["(correlate)" if cl == 0 else " ",
                    Panel("rot180 F" + _ch(n.F(o, cl, 0, 0)) + f" for dE/dX{_ch(n.X(c, 0, 0))}",
                          *f_grid(n, o, cl, geo.kernel, geo.dilation, rotate=True))]
        rows.append(row)
    rows.append(["=", *[Panel("dE/dX" + _ch(n.X(c, 0, 0)), *o_grid(lambda a, b, c=c: n.X(c, a, b, True),
                                                                  geo.size)) for c in range(C)]])
    return Frame("the gather view in symbols: the padded dE/dO correlated with rot180(F)", rows,
                 "Each dE/dX entry below is the sum the scatter frames write out: the rotated filter "
                 "over the padded upstream\nmeets exactly the outputs that X entry fed.",
                 kind="gather view")


def pool_symbolic_frames(node, up, number):
    geo = Geometry.of(node)
    C = node.parents[0].data.shape[1]
    n = Notation(C, C, 1)
    eqs = pool_equations(node)
    numbers = numbers_of(node, up)
    p = geo.padding
    mode = "max" if node.gate is MAX_POOL2D else "mean"
    area = geo.kernel[0] * geo.kernel[1]
    frames = []
    forward = iter(eqs["forward"])
    for c in range(C):
        done = []
        for a, b in cells(*geo.out):
            eq = next(forward)
            values, marks = x_grid(n, c, geo, "-inf" if mode == "max" else "0")
            for t in geo.window(a, b):
                marks[(t.i + p[0], t.j + p[1])] = "window"
            if mode == "max":
                u, v = divmod(int(node.saved[0][c, a, b]), geo.kernel[1])
                t = next(t for t in geo.window(a, b) if (t.u, t.v) == (u, v))
                marks[(t.i + p[0], t.j + p[1])] = "winner"
                route = (f"\nthe router: {n.X(c, t.i, t.j).text()} is the largest here, so "
                         f"{n.X(c, t.i, t.j, True).text()} receives {n.O(c, a, b, True).text()}; "
                         f"the other {area - 1} get 0 from this window")
                if not geo.inside(t.i, t.j):
                    route = "\nthe window lies in the padding: nothing to route"
            else:
                route = (f"\nthe distributor: each of the {area} entries receives "
                         f"{n.O(c, a, b, True).text()} / {area}")
            picture = [[Panel(_x_title(C, c, p), values, marks), f"{mode} ->",
                        Panel("O" + _ch(n.O(c, 0, 0)),
                              *o_grid(lambda aa, bb, c=c: n.O(c, aa, bb), geo.out, (a, b), done))]]
            done.append((a, b))
            frames.append(Frame(f"{eq.lhs.text()}: the {mode} of its window, in symbols", picture,
                                _text(eq, numbers, number) + route, [_check(eq, numbers)],
                                kind="forward"))
    inputs = eqs["input"]
    for c in range(C):
        mine = [e for e in inputs if e.engine[1][1] == c]
        grid = [[None] * geo.size[1] for _ in range(geo.size[0])]
        marks = {}
        for e in mine:
            i, j = e.engine[1][2:]
            grid[i][j] = e.text().split(" = ", 1)[1]
            if e.terms:
                marks[(i, j)] = "done"
        lines = [f"{e.text()} = {e.numbers_text(numbers, number)}" for e in mine if e.terms][:MAX_LINES]
        zeros = sum(1 for e in mine if not e.terms)
        frames.append(Frame(
            f"dE/dX{_ch(n.X(c, 0, 0))} in symbols: "
            + ("each window's upstream goes to its largest entry" if mode == "max" else
               f"each window shares its upstream, 1/{area} to each entry"),
            [[Panel("dE/dX" + _ch(n.X(c, 0, 0)), grid, marks)]],
            "\n".join(lines + ([f"and {zeros} entries get 0 (never the largest)"] if zeros else [])),
            [_check(e, numbers) for e in mine], kind="backward"))
    return frames


def symbolic_frames(node, up, number):
    if node.gate is CONV2D:
        return conv_symbolic_frames(node, up, number)
    return pool_symbolic_frames(node, up, number)


def equations(node):
    """The node's Equations by section (conv2d or pooling)."""
    return conv_equations(node) if node.gate is CONV2D else pool_equations(node)

