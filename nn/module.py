"""Module: a tree of layers that owns Parameters.

Parameters and sub-modules are found by looking at a module's attributes in the order
they were set, so a layer is an ordinary class: assign ``self.weight = Parameter(...)``,
``self.fc = Linear(...)`` or ``self.blocks = [Linear(...), ...]`` in ``__init__`` and
write ``forward``.
"""

from __future__ import annotations

from . import state as state_rules
from .parameter import Parameter
from .serialization import load_into, save


class Module:
    """Base class of layers and models. Subclasses implement ``forward``."""

    training = True
    pattern = None  # the gate pattern of the layer's backward, for drawings (see DESIGN.md)
    _buffers: tuple = ()  # names of arrays saved in state_dict but not learned (running stats)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: forward() is not implemented")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------ the tree

    def named_children(self):
        """(name, module) for direct sub-modules, in assignment order; modules kept in a list
        or tuple attribute are children too, named "attr.0", "attr.1", ... (like ModuleList)."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

    def children(self):
        return [m for _, m in self.named_children()]

    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and every descendant (depth first)."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return [m for _, m in self.named_modules()]

    def named_parameters(self, prefix=""):
        """(dotted name, Parameter), e.g. ("conv1.weight", p); a shared Parameter once."""
        seen = set()
        for mod_name, mod in self.named_modules(prefix):
            for name, value in vars(mod).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{mod_name}.{name}" if mod_name else name), value

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix=""):
        """(dotted name, ndarray) for the arrays named in each module's ``_buffers``."""
        for mod_name, mod in self.named_modules(prefix):
            for name in mod._buffers:
                if getattr(mod, name, None) is not None:
                    yield (f"{mod_name}.{name}" if mod_name else name), getattr(mod, name)

    def num_parameters(self):
        """Total number of learnable numbers."""
        return sum(p.data.size for p in self.parameters())

    # ------------------------------------------------------------ state

    def zero_grad(self):
        """Forget accumulated gradients (``.grad`` becomes None, like torch)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        """Training mode (dropout active) for this module and all descendants."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode (dropout off)."""
        return self.train(False)

    def state_dict(self):
        """Name -> copy of each Parameter's and buffer's array (a snapshot, not a view)."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update((name, b.copy()) for name, b in self.named_buffers())
        return state

    def _buffer_slots(self):
        """Dotted buffer name -> (owning module, attribute name)."""
        return {(f"{m_name}.{b}" if m_name else b): (m, b)
                for m_name, m in self.named_modules() for b in m._buffers
                if getattr(m, b, None) is not None}

    def load_state_dict(self, state, strict=True, allow_nonfinite=False):
        """Copy arrays into the Parameters and buffers of the same names (cast to their dtypes).

        Values may be ndarrays, Tensors or torch tensors (read with .detach().cpu().numpy():
        a torch.nn model's state_dict loads into the same architecture). Checked exactly as
        ``Module.load`` checks a file (nn/state.py): KeyError listing missing/unexpected names
        (when ``strict``); ValueError for a dtype that is not a real float (integers for
        integer buffers), listing every shape mismatch, for NaN or inf (unless
        ``allow_nonfinite``), a value the cast makes inf, or a value the layer refuses (a
        negative running variance). Every value is checked before any is assigned: nothing
        is changed when it raises.
        """
        where = type(self).__name__

        def fail(name, why):
            return ValueError(f"load_state_dict: {where}: " + (f"'{name}' {why}" if name else why))

        spec = state_rules.expected(self)
        state = dict(state)
        names = state_rules.check_names(
            spec, list(state), strict,
            lambda text: KeyError(f"load_state_dict: {where}: names do not match: {text}"))
        arrays = {k: state_rules.as_array(state[k], k, fail) for k in names}
        state_rules.check_members(spec, {k: (a.shape, a.dtype) for k, a in arrays.items()}, fail)
        state_rules.commit(self, state_rules.stage(self, arrays, fail, allow_nonfinite))
        return self

    def _check_state(self, name, array):
        """Why this module refuses ``array`` for its parameter or buffer ``name``, or None
        (layers with rules of their own override it, e.g. batch norm's running variance)."""
        return None

    def save(self, path):
        """Write the parameters to an .npz file (see nn.save)."""
        save(self, path)

    def load(self, path, strict=True, allow_nonfinite=False):
        """Load parameters from an .npz file written by ``save``, each member checked against
        this model (name, float dtype, shape, declared size) before its data is read."""
        return load_into(self, path, strict=strict, allow_nonfinite=allow_nonfinite)

    def to(self, dtype):
        """Cast every Parameter to ``dtype`` (e.g. np.float64 for gradchecks)."""
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = None
        for m, b in self._buffer_slots().values():
            if getattr(m, b).dtype.kind == "f":
                setattr(m, b, getattr(m, b).astype(dtype))
        return self

    # ------------------------------------------------------------ printing

    def extra_repr(self):
        """The text inside this module's parentheses when it has no children."""
        return ""

    def __repr__(self):
        children = list(self.named_children())
        head = f"{type(self).__name__}("
        if not children:
            return f"{head}{self.extra_repr()})"
        lines = [head]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(")")
        return "\n".join(lines)
