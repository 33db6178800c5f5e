# Two commands on a fresh machine: `make demo` and `make test` (only Python 3.10+ needed).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
OUT    ?= chainrule-out
# What `make demo` tells a newcomer to type next, exactly as README.md shows it (a test checks both)
NEXT_ACTIVATE := . $(VENV)/bin/activate
NEXT_EXPLAIN  := chainrule explain "x * y + exp(x)" x=1 y=2

.PHONY: demo test test-lesson lint docs lab bench diagrams train clean

$(VENV)/.base: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "chainrule needs Python 3.10+ (found: $$($(PYTHON) --version 2>&1)); try make PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "could not create $(VENV): on Debian/Ubuntu install the venv module (apt install python3-venv)"; exit 1; }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.test: $(VENV)/.base
	$(PY) -m pip install -q -e '.[test,dev,demos,notebooks,pdf,docs]'
	touch $@

$(VENV)/.demos: $(VENV)/.base
	$(PY) -m pip install -q -e '.[demos]'
	touch $@

$(VENV)/.docs: $(VENV)/.base
	$(PY) -m pip install -q -e '.[docs]'
	touch $@

$(VENV)/.lab: $(VENV)/.base
	$(PY) -m pip install -q -e '.[lab]'
	touch $@

demo: $(VENV)/.base
	$(VENV)/bin/chainrule explain "(x + y) * z" x=-2 y=5 z=-4 --out $(OUT)
	$(PY) demos/lecture_backprop.py --out $(OUT)
	@echo "Pictures in $(OUT)/: graph.svg, frames/forward.svg, frames/seed.svg, frames/step-*.svg, stepper.html (chainrule explain); circuit_graph.svg, circuit_stepper.html, sigmoid_graph.svg, sigmoid_stepper.html (the walk-through); each .svg with its .gv"
	@echo ""
	@echo "chainrule is installed in .venv. Next, in this or any new shell (README.md, Two commands):"
	@echo "  $(NEXT_ACTIVATE)"
	@echo '  $(NEXT_EXPLAIN)'

test: $(VENV)/.test
	$(PY) -m pytest -q

# the same suite on the lesson alone (autograd/kernels/ never imported): every gradient check
# runs; the slow end-to-end trainings are left to the run above
test-lesson: $(VENV)/.test
	CHAINRULE_KERNELS=off $(PY) -m pytest -q -m "not slow"

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .

# The documentation site from docs/ (MkDocs + Material, the `docs` extra) into site/; the op
# reference is regenerated from the op declarations first, the live steppers while building.
docs: $(VENV)/.docs
	$(PY) docs/tools/ops_page.py
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site
	@echo "The site is in site/: open site/index.html"

# JupyterLab (the `lab` extra) on the lecture notebooks (as root, e.g. in a container, Jupyter
# asks for --allow-root)
lab: $(VENV)/.lab
	$(VENV)/bin/jupyter lab --notebook-dir=demos/notebooks $(if $(filter 0,$(shell id -u)),--allow-root)


# every benchmark; the ratios to PyTorch and micrograd need them installed (pip install
# torch micrograd), the rest run without. speed_table.py is docs/performance.md's table.
bench: $(VENV)/.base
	$(PY) benchmarks/scalar_bench.py
	$(PY) benchmarks/tensor_bench.py
	$(PY) benchmarks/conv_bench.py --no-naive
	$(PY) benchmarks/lenet_bench.py
	$(PY) benchmarks/batchnorm_bench.py
	$(PY) benchmarks/gelu_bench.py
	$(PY) benchmarks/speed_table.py --runs 1
	$(PY) benchmarks/stepper_bench.py
	$(PY) benchmarks/derive_bench.py
	$(PY) benchmarks/fft_bench.py
	$(PY) benchmarks/cli_budget_bench.py

diagrams: $(VENV)/.base
	$(PY) demos/readme_diagrams.py
	$(PY) demos/derivation_diagrams.py

train: $(VENV)/.demos
	$(PY) demos/train_lenet.py

clean:
	rm -rf $(VENV) $(OUT) site .pytest_cache .hypothesis .ruff_cache
