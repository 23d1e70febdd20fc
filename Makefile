# newsdiffs: `make demo` and `make test` are all a new user needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := test
.PHONY: install demo crawl test lint format bench eval clean browser site reliability redis test-distributed

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 'setuptools>=77,<81'
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

# install redis-server for the distributed tests (apt-get; only when missing and root)
redis:
	@if command -v redis-server >/dev/null; then echo "redis-server: $$(command -v redis-server)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) \
	  || echo "could not install redis-server: tests/test_distributed.py will be skipped"; \
	else echo "redis-server missing (not root): tests/test_distributed.py will be skipped"; fi

# 5,000 articles, dispatch, two crawlers and one ingest for 3 rounds, a crawler and the ingest killed
test-distributed: $(STAMP) redis
	$(BIN)/python tests/distributed/run.py

# write the static site (pages and Atom feeds) for the demo database into demo/out/site
site: $(STAMP)
	$(BIN)/newsdiffs site demo/out/site --db demo/newsdiffs.db

# run the test suite (no network needed), on every core
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist worksteal

# run the fault and attack scenarios on 127.0.0.1 and print the table (about 3 minutes)
reliability: $(STAMP)
	$(BIN)/python -m reliability.run

# check style with ruff
lint: $(STAMP)
	$(BIN)/ruff check newsdiffs spiders pipelines tests bench reliability

# format the code with ruff
format: $(STAMP)
	$(BIN)/ruff format newsdiffs spiders pipelines tests

# run the benchmarks (bench/run.py; BENCH_SCALE=0.01 for a smoke run) and the due query at 1M articles
bench: $(STAMP)
	$(BIN)/python bench/due_query.py
	cd bench && PYTHONPATH=.. ../$(BIN)/python run.py

# score the extractors (and trafilatura alone) over ../shared/corpus (or env NEWSDIFFS_CORPUS); writes eval-results.json
eval: $(STAMP)
	$(BIN)/python -m newsdiffs.evaluate --output eval-results.json

# remove the virtualenv, demo output and caches
clean:
	rm -rf $(VENV) demo .pytest_cache build *.egg-info
