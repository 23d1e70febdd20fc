# newsdiffs: `make demo` and `make test` are all a new user needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := test
.PHONY: install demo crawl test lint format bench eval clean browser site

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

# install headless Chromium for tests/test_browser.py (apt-get; only when missing and root)
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: /usr/bin/chromium"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || echo "could not install chromium: tests/test_browser.py will be skipped"; \
	else echo "chromium missing (not root): tests/test_browser.py will be skipped"; fi

# write the static site (pages and Atom feeds) for the demo database into demo/out/site
site: $(STAMP)
	$(BIN)/newsdiffs site demo/out/site --db demo/newsdiffs.db

# run the test suite (no network needed)
test: $(STAMP)
	$(BIN)/python -m pytest -q

# check style with ruff
lint: $(STAMP)
	$(BIN)/ruff check newsdiffs spiders pipelines tests bench

# format the code with ruff
format: $(STAMP)
	$(BIN)/ruff format newsdiffs spiders pipelines tests

# run every benchmark in bench/ (prints timings; the due query at 1M articles takes ~1 min)
bench: $(STAMP)
	for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# score the extractors (and trafilatura alone) over ../shared/corpus (or env NEWSDIFFS_CORPUS); writes eval-results.json
eval: $(STAMP)
	$(BIN)/python -m newsdiffs.evaluate --output eval-results.json

# remove the virtualenv, demo output and caches
clean:
	rm -rf $(VENV) demo .pytest_cache build *.egg-info
