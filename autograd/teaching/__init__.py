"""Tools for teaching with the engine: seeing and checking what backprop does.

    steps.py    backprop_steps: a Step per gate, upstream x local = downstream
    check.py    gradcheck, gradgradcheck: analytic gradients against finite differences
    expand.py   scalar expansion: a tensor computation as a graph of Values
    display.py  one number policy for everything printed or drawn
"""
