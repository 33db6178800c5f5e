"""Module: a tree of layers that owns Parameters.

Parameters and sub-modules are found by looking at a module's attributes in the order
they were set, so a layer is an ordinary class: assign ``self.weight = Parameter(...)``,
``self.fc = Linear(...)`` or ``self.blocks = [Linear(...), ...]`` in ``__init__`` and
write ``forward``.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor

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

    def load_state_dict(self, state, strict=True):
        """Copy arrays into the Parameters and buffers of the same names (cast to their dtypes).

        Values may be ndarrays, Tensors or torch tensors (read with .detach().cpu().numpy():
        a torch.nn model's state_dict loads into the same architecture). Raises KeyError
        listing missing/unexpected names (when ``strict``) and ValueError
        listing every shape mismatch; nothing is changed when it raises.
        """
        own = dict(self.named_parameters())
        slots = self._buffer_slots()
        own.update((k, getattr(m, b)) for k, (m, b) in slots.items())
        state = dict(state)
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        where = type(self).__name__
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if unexpected:
                parts.append(f"unexpected {', '.join(unexpected)}")
            raise KeyError(f"load_state_dict: {where}: names do not match: {'; '.join(parts)}")
        arrays = {k: _array(v) for k, v in state.items() if k in own}
        bad = [f"{k} expects {own[k].shape} but got {a.shape}"
               for k, a in arrays.items() if a.shape != own[k].shape]
        if bad:
            raise ValueError(f"load_state_dict: {where}: shape mismatch: {'; '.join(bad)}")
        for k, a in arrays.items():
            if k in slots:
                m, b = slots[k]
                setattr(m, b, np.array(a, dtype=own[k].dtype))
            else:
                own[k].data = np.array(a, dtype=own[k].data.dtype)
        return self

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


def _array(v):
    """An ndarray from an ndarray, a Tensor or a torch tensor (never through pickle)."""
    if isinstance(v, Tensor):
        return np.asarray(v.data)
    if hasattr(v, "detach") and hasattr(v, "cpu"):          # a torch.Tensor
        return v.detach().cpu().numpy()
    return np.asarray(v)
