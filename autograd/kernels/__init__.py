"""Speed only: numpy kernels behind the lesson-level ops (conv, pooling) and the memory
they reuse. Nothing here is needed to understand what an op computes or how its gradient
flows: the op's declaration in autograd/ says that; a kernel only computes it fast."""
