# The two commands: `make book` builds the HTML book into _build/html, `make test` runs every test.
# Both create the virtual environment .venv first when it is missing or pyproject.toml or constraints.txt changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch threads spin while waiting; on a shared 2-core machine that makes training many times slower.
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: book test check bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip -c constraints.txt
	$(BIN)/pip install --quiet -e '.[dev]' -c constraints.txt
	touch $@

book: $(VENV)/.installed
	$(BIN)/jupyter-book build -W -n --keep-going .

test: $(VENV)/.installed
	bash tools/system-packages.sh
	$(BIN)/python -m pytest

# The fast tier: every test but the book build, the browser, the class grading and the release copy (marked slow).
check: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not slow" --timeout 120

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/loader.py

clean:
	rm -rf _build .cache

# The students' copy of the course, without the solutions and the checks that need them: release/.
.PHONY: release
release:
	$(PYTHON) tools/release.py

# The Gradescope autograder, with the solutions and MNIST (from AE_DATA_DIR): dist/autograder.zip (git-ignored).
.PHONY: autograder
autograder: $(VENV)/.installed
	$(BIN)/python tools/autograder.py --force
