"""Sequential: modules applied one after another."""

from __future__ import annotations

from .module import Module


class Sequential(Module):
    """Sequential(m0, m1, ...) or Sequential(name=module, ...); children named "0", "1", ...
    or by their keyword. Indexing, len() and iteration go over the children."""

    def __init__(self, *modules, **named):
        if modules and named:
            raise TypeError("Sequential: give modules positionally or by name, not both")
        items = named.items() if named else ((str(i), m) for i, m in enumerate(modules))
        for name, m in items:
            self.append(m, name)

    def append(self, module, name=None):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: expected a Module, got {type(module).__name__}")
        name = str(len(self)) if name is None else name
        if name in vars(self):
            raise ValueError(f"Sequential: duplicate layer name {name!r}")
        if hasattr(type(self), name):
            raise ValueError(f"Sequential: layer name {name!r} would hide the method or attribute "
                             f"{type(self).__name__}.{name}")
        setattr(self, name, module)
        return self

    def forward(self, x):
        for m in self.children():
            x = m(x)
        return x

    def forward_trace(self, x):
        """Like forward, also returning [(name, output)] for every leaf layer (nested
        Sequentials are opened). Intermediate Tensors keep ``.grad`` after backward, so
        after ``loss.backward()`` these outputs tell how much gradient reached each layer."""
        trace = []
        for name, m in self.named_children():
            if isinstance(m, Sequential):
                x, inner = m.forward_trace(x)
                trace.extend((f"{name}.{n}", t) for n, t in inner)
            else:
                x = m(x)
                trace.append((name, x))
        return x, trace

    def __len__(self):
        return sum(1 for _ in self.named_children())

    def __iter__(self):
        return iter(self.children())

    def __getitem__(self, i):
        children = self.children()
        if isinstance(i, slice):
            return Sequential(*children[i])
        if isinstance(i, str):
            return dict(self.named_children())[i]
        try:
            return children[i]
        except IndexError:
            raise IndexError(f"Sequential: index {i} out of range for {len(children)} layers") from None
