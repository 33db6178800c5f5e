"""viz.draw_steps: one drawing per backward step (autograd.backprop_steps, .grad untouched).

Frame k shows the gradients of the part already visited, highlights the current gate with
`upstream x local = downstream` for each input (for a copy point: the parts being summed),
and greys out the rest.
"""

from __future__ import annotations

import numpy as np

from autograd import backprop_steps
from autograd.core import COPY
from autograd.teaching.display import DIGITS, format_product, format_sum

from . import budget
from .draw import State, build, draw
from .scene import Scene
from .style import NumberFormat


def _step_drawings(root, grad, rankdir="LR", values=True, fmt=None, digits=DIGITS, legend=True,
                   caption=True, quiz=False, names=None, defaults=False, other_frames=0, grads=True):
    """The step frames one by one. The page budget is checked on the first, before the others
    are made: it counts them and ``other_frames`` more on the same page (forward, seed)."""
    scene = Scene(root)
    steps = backprop_steps(root, grad)
    fmt = NumberFormat(fmt, digits)
    states = scalar_states(scene, steps, fmt, quiz) if scene.scalar else tensor_states(scene, steps, quiz)
    for k, (step, state) in enumerate(zip(steps, states)):
        if caption:
            lines = step.lines(digits)
            lines = [hide_downstream(line) for line in lines] if quiz else lines
            state.caption = [f"backward step {k + 1} of {len(steps)}", *lines]
        if not grads:
            state.grads, state.notes = {}, {}
        drawing = build(scene, state, rankdir=rankdir, values=values, fmt=fmt, legend=legend,
                        names=names, defaults=defaults)
        if k == 0:
            budget.check_page("viz", len(steps) + other_frames, len(drawing.source),
                              budget.shared_uses(scene))
        yield drawing


def _step_index(steps):
    """id(node) -> index of its op step, and id(node) -> index of its copy step."""
    op_at, copy_at = {}, {}
    for k, s in enumerate(steps):
        (copy_at if s.gate is COPY else op_at)[id(s.output)] = k
    return op_at, copy_at


def scalar_states(scene, steps, fmt, quiz=False):
    """Per step, what its frame shows (made one at a time, as the frames are drawn)."""
    op_at, copy_at = _step_index(steps)
    never = len(steps)
    seed = steps[0].upstream if steps else None
    for k, step in enumerate(steps):
        st = State()
        for j, w in enumerate(scene.wires):
            if w.kind == "out":
                st.grads[j] = seed
                if step.output is w.node and step.gate is not COPY:
                    st.hot_wires.add(j)
                continue
            if w.kind == "trunk":
                at = copy_at.get(id(w.node), never)
                if at <= k:
                    st.grads[j] = steps[at].downstream[0]
                if at == k:
                    sign = "=" if step.adds_up() else "\u2260"      # a wrong engine's: not the sum
                    if fmt.policy and sign == "=":
                        parts, total = format_sum(step.upstream, step.downstream[0], fmt.digits)
                    else:
                        parts, total = [fmt(p) for p in step.upstream], fmt(step.downstream[0])
                    st.notes[j] = f"{' + '.join(parts)} {sign} {'?' if quiz else total}"
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
                    st.notes[j] = f"{up} x {loc} = {'?' if quiz else down}"
                    st.hot_wires.add(j)
                if w.kind == "branch" and copy_at.get(id(w.node)) == k:
                    st.hot_wires.add(j)
                if step.gate is not COPY and step.output is w.node and w.kind == "in":
                    st.hot_wires.add(j)  # the upstream wire of the current gate
            if j not in st.grads:
                st.grey_wires.add(j)
        for n in scene.nodes:
            name = scene.name(n)
            at = op_at.get(id(n), never) if not n.is_leaf else -1
            if at == k and step.gate is not COPY:
                st.current.add(name)
            elif at > k or (n.is_leaf and not _leaf_done(scene, n, st)):
                st.grey.add(name)
            _mark_copy(st, scene, n, copy_at.get(id(n), never), k)
        yield st


def _mark_copy(st, scene, node, at, k):
    """The copy point of a node used more than once: current at its step ``at``, grey before."""
    copy = scene.copies.get(id(node))
    if copy is not None and at == k:
        st.current.add(copy)
    elif copy is not None and at > k:
        st.grey.add(copy)


def _leaf_done(scene, leaf, st):
    return all(j in st.grads for j, w in enumerate(scene.wires)
               if w.node is leaf and w.kind in ("in", "trunk"))


def tensor_states(scene, steps, quiz=False):
    """Per frame: each node's gradient once all its parts have arrived; a copy step highlights
    the copy point, where the parts are summed."""
    expected, arrivals = {}, []
    for k, s in enumerate(steps):
        if s.gate is COPY:
            continue
        for x, d in zip(s.inputs, s.downstream):
            if d is not None:
                expected[id(x)] = expected.get(id(x), 0) + 1
                arrivals.append((k, x, d))
    op_at, copy_at = _step_index(steps)
    never = len(steps)
    for k, step in enumerate(steps):
        st = State()
        got, total = {}, {}
        if steps and steps[0].output is scene.root:
            st.grads[id(scene.root)] = steps[0].upstream
        for at, x, d in arrivals:
            if at < k or (at == k and not quiz):
                got[id(x)] = got.get(id(x), 0) + 1
                total[id(x)] = total.get(id(x), 0) + np.asarray(d)
        for n in scene.nodes:
            name = scene.name(n)
            if id(n) in expected and got.get(id(n), 0) == expected[id(n)]:  # all parts in
                st.grads[id(n)] = total[id(n)]
            if step.output is n and step.gate is not COPY:
                st.current.add(name)
            elif op_at.get(id(n), -1) > k or (n.is_leaf and id(n) not in st.grads):
                st.grey.add(name)
            _mark_copy(st, scene, n, copy_at.get(id(n), never), k)
        for j, w in enumerate(scene.wires):
            copy_step = copy_at.get(id(w.node), never)
            if w.kind == "trunk":
                if copy_step > k:
                    st.grey_wires.add(j)
                elif copy_step == k:
                    st.hot_wires.add(j)
                continue
            into_gate = step.output is w.consumer and step.gate is not COPY
            if op_at.get(id(w.consumer), never) > k:
                st.grey_wires.add(j)
            elif into_gate or (w.kind == "branch" and copy_step == k):
                st.hot_wires.add(j)
        yield st


def hide_downstream(line):
    """'... = [downstream -4]  -> x' -> '... = [downstream ?]  -> x' (for quizzes)."""
    at = line.find(" = [downstream ")
    if at < 0:
        return line
    tail = line[at:]
    end = tail.find("]  -> ")
    return line[:at] + " = [downstream ?]" + (tail[end + 1:] if end >= 0 else "")


def forward_frame(root, *, digits=DIGITS, **options):
    """The forward pass: every value, no gradient yet."""
    return draw(root, grads=False, digits=digits, **options,
                title="forward pass: values flow from the inputs to the output (green)")


def seed_frame(root, *, grad=None, digits=DIGITS, rankdir="LR", values=True, fmt=None, legend=True,
               names=None, defaults=False):
    """Backprop starts: dL/dL = 1 (or the given grad_output) on the output, nothing else yet."""
    scene = Scene(root)
    steps = backprop_steps(root, grad)
    seed = steps[0].upstream if steps else (1.0 if scene.scalar else np.ones(root.shape))
    if scene.scalar:
        state = State(grads={j: seed for j, w in enumerate(scene.wires) if w.kind == "out"})
        text = f"seed: d{root.label or 'out'}/d{root.label or 'out'} = 1"
    else:
        state = State(grads={id(root): np.asarray(seed)})
        given = getattr(grad, "label", "") if grad is not None else ""
        text = (f"seed: the given upstream gradient {given}" if given else
                "seed: the gradient of the output (grad_output, or 1 for a scalar loss)")
    state.caption = [text]
    state.grey = {scene.name(n) for n in scene.nodes if n is not root}
    state.grey_wires = {j for j, w in enumerate(scene.wires) if w.kind != "out"}
    return build(scene, state, rankdir=rankdir, values=values, fmt=NumberFormat(fmt, digits),
                 legend=legend, names=names, defaults=defaults)
