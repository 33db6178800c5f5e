"""viz.draw_steps: one drawing per backward step (autograd.backprop_steps, .grad untouched).

Frame k shows the gradients of the part already visited, highlights the current gate with
`upstream x local = downstream` for each input (for a copy point: the parts being summed),
and greys out the rest.
"""

from __future__ import annotations

import numpy as np

from autograd import backprop_steps
from autograd.display import DIGITS, format_product, format_sum

from .draw import State, build
from .scene import Scene
from .style import NumberFormat


def draw_steps(root, *, grad=None, rankdir="LR", values=True, fmt=None, digits=DIGITS, legend=True,
               caption=True):
    """One graphviz.Digraph per backward step of ``root`` (same length as backprop_steps).

    caption: write the step's text (`upstream x local = downstream` lines) under each frame.
    """
    scene = Scene(root)
    steps = backprop_steps(root, grad)
    fmt = NumberFormat(fmt, digits)
    frames = scalar_states(scene, steps, fmt) if scene.scalar else tensor_states(scene, steps)
    out = []
    for k, (step, state) in enumerate(zip(steps, frames)):
        if caption:
            state.caption = [f"step {k + 1} of {len(steps)}", *step.lines(digits)]
        out.append(build(scene, state, rankdir=rankdir, values=values, fmt=fmt, legend=legend))
    return out


def _step_index(steps):
    """id(node) -> index of its op step, and id(node) -> index of its copy step."""
    op_at, copy_at = {}, {}
    for k, s in enumerate(steps):
        (copy_at if s.op == "copy" else op_at)[id(s.output)] = k
    return op_at, copy_at


def scalar_states(scene, steps, fmt):
    op_at, copy_at = _step_index(steps)
    never = len(steps)
    seed = steps[0].upstream if steps else None
    states = []
    for k, step in enumerate(steps):
        st = State()
        for j, w in enumerate(scene.wires):
            if w.kind == "out":
                st.grads[j] = seed
                if step.output is w.node and step.op != "copy":
                    st.hot_wires.add(j)
                continue
            if w.kind == "trunk":
                at = copy_at.get(id(w.node), never)
                if at <= k:
                    st.grads[j] = steps[at].downstream[0]
                if at == k:
                    if fmt.policy:
                        parts, total = format_sum(step.upstream, step.downstream[0], fmt.digits)
                    else:
                        parts, total = [fmt(p) for p in step.upstream], fmt(step.downstream[0])
                    st.notes[j] = f"{' + '.join(parts)} = {total}"
                    st.hot_wires.add(j)
            else:
                at = op_at.get(id(w.consumer), never)
                if at <= k:
                    st.grads[j] = steps[at].downstream[w.index]
                if at == k:
                    up, loc, down = step.upstream, step.local[w.index], step.downstream[w.index]
                    if fmt.policy:
                        up, loc, down = format_product(up, loc, down, fmt.digits)
                    else:
                        up, loc, down = fmt(up), fmt(loc), fmt(down)
                    st.notes[j] = f"{up} x {loc} = {down}"
                    st.hot_wires.add(j)
                if w.kind == "branch" and copy_at.get(id(w.node)) == k:
                    st.hot_wires.add(j)
                if step.op != "copy" and step.output is w.node and w.kind == "in":
                    st.hot_wires.add(j)  # the upstream wire of the current gate
            if j not in st.grads:
                st.grey_wires.add(j)
        for n in scene.nodes:
            name = scene.name(n)
            at = op_at.get(id(n), never) if n._op is not None else -1
            if at == k and step.op != "copy":
                st.current.add(name)
            elif at > k or (n._op is None and not _leaf_done(scene, n, st)):
                st.grey.add(name)
            copy = scene.copies.get(id(n))
            if copy is not None:
                cat = copy_at.get(id(n), never)
                if cat == k:
                    st.current.add(copy)
                elif cat > k:
                    st.grey.add(copy)
        states.append(st)
    return states


def _leaf_done(scene, leaf, st):
    return all(j in st.grads for j, w in enumerate(scene.wires)
               if w.node is leaf and w.kind in ("in", "trunk"))


def tensor_states(scene, steps):
    """Per frame: each node's gradient once all its parts have arrived."""
    expected, arrivals = {}, []
    for k, s in enumerate(steps):
        if s.op == "copy":
            continue
        for x, d in zip(s.inputs, s.downstream):
            if d is not None:
                expected[id(x)] = expected.get(id(x), 0) + 1
                arrivals.append((k, x, d))
    op_at, _ = _step_index(steps)
    states = []
    for k, step in enumerate(steps):
        st = State()
        got, total = {}, {}
        if steps and steps[0].output is scene.root:
            st.grads[id(scene.root)] = steps[0].upstream
        for at, x, d in arrivals:
            if at <= k:
                got[id(x)] = got.get(id(x), 0) + 1
                total[id(x)] = total.get(id(x), 0) + np.asarray(d)
        for n in scene.nodes:
            name = scene.name(n)
            if id(n) in expected and got.get(id(n), 0) == expected[id(n)]:  # all parts in
                st.grads[id(n)] = total[id(n)]
            if step.output is n:
                st.current.add(name)
            elif op_at.get(id(n), -1) > k or (n._op is None and id(n) not in st.grads):
                st.grey.add(name)
        for j, w in enumerate(scene.wires):
            if op_at.get(id(w.consumer), len(steps)) > k:
                st.grey_wires.add(j)
            elif step.output is w.consumer and step.op != "copy":
                st.hot_wires.add(j)
        states.append(st)
    return states
