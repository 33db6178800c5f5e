"""Compositions: functions built from the ops, so each draws as the lecture's graph and
differentiates twice without a rule of its own.

    tensors.py        where, concat, stack, einsum, outer, tensordot, softmax, log_softmax
    convolution.py    conv2d/conv_transpose2d with bias, unbatched, 'same'; conv1d
    pooling.py        max_pool2d / avg_pool2d with torch's options; max_unpool2d
    padding.py        F.pad in its four modes
    resize.py         interpolate, adaptive_avg_pool2d
    normalization.py  batch_norm, layer_norm, gate by gate
    losses.py         cross_entropy, nll_loss, binary_cross_entropy(_with_logits), mse_loss
    derivatives.py    jacobian, vjp, jvp, hessian
"""
