# newsdiffs: `make demo` and `make test` are all a new user needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := test
.PHONY: install demo crawl test lint format bench eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# create .venv and install the project with its test extras
install: $(STAMP)

# crawl a bundled local replay site three times and show the histories (offline)
demo: $(STAMP)
	$(BIN)/python -m newsdiffs.demo.run --db demo/newsdiffs.db --out demo/out

# run every spider against the live sites (writes newsdiffs.db)
crawl: $(STAMP)
	$(BIN)/newsdiffs crawl

# run the test suite (no network needed)
test: $(STAMP)
	$(BIN)/python -m pytest -q

# check style with ruff
lint: $(STAMP)
	$(BIN)/ruff check newsdiffs spiders pipelines tests

# format the code with ruff
format: $(STAMP)
	$(BIN)/ruff format newsdiffs spiders pipelines tests

# remove the virtualenv, demo output and caches
clean:
	rm -rf $(VENV) demo .pytest_cache build *.egg-info
