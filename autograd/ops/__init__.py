"""Every op, declared once: its name, gate pattern, forward and backward rules. By family:

    arithmetic.py   + - * / ** and negation              (Value and Tensor)
    functions.py    exp log tanh sigmoid sqrt sin ...     (Value and Tensor)
    routers.py      relu max min abs leaky_relu hardtanh clip where
    activations.py  elu gelu silu softplus
    reductions.py   sum mean amax amin prod logsumexp cumsum std
    shape.py        broadcast_to sum_to reshape transpose flip ... tile
    indexing.py     getitem scatter_add concat stack
    products.py     matmul einsum
    softmax.py      softmax log_softmax
    sampling.py     upsample2d downsample2d
    conv.py         conv2d conv2d_weight conv_transpose2d
    pool.py         max_pool2d window_scatter2d window_gather2d avg_pool2d

with their helpers: arguments.py (argument checks) and windows.py (sliding-window geometry).
"""

from . import (
               activations,
               arithmetic,
               conv,
               functions,
               indexing,
               pool,
               products,
               reductions,
               routers,
               sampling,
               shape,
               softmax,
)

__all__ = ["activations", "arithmetic", "conv", "functions", "indexing", "pool", "products",
           "reductions", "routers", "sampling", "shape", "softmax"]
