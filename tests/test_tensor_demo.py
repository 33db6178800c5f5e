"""demos/vector_backprop.py runs and its own checks against naive loops pass."""

import importlib.util
from pathlib import Path


def test_vector_backprop_demo_runs(capsys):
    path = Path(__file__).resolve().parents[1] / "demos" / "vector_backprop.py"
    spec = importlib.util.spec_from_file_location("vector_backprop", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()                                   # raises SystemExit on any mismatch
    out = capsys.readouterr().out
    assert "MISMATCH" not in out
    assert "[downstream [4, 0, 5, 0]]" in out
    assert "256.0 GiB as float32" in out
    assert "{'mul': 12, 'add': 8}" in out
