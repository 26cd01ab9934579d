# One-command entry points; each installs .venv from the pins first when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install crawl test demo bench egg deploy clean-venv

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

crawl: $(STAMP)
	$(BIN)/scrapy crawl menafn

# pytest-xdist workers: one more than the cores, since about a third of the suite's time is spent
# waiting on subprocess crawls and loopback servers (2 cores: 2 workers 190 s, 3 workers 174 s).
# Crawls in process share each worker's reactor (pytest-twisted).
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(len(os.sched_getaffinity(0)) + 1)")

test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) tests

demo: $(STAMP)
	$(BIN)/python -m newscrawl demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# scrapyd: the project as an egg, built from pyproject.toml (its `scrapy` entry point names the
# settings) without writing the setup.py that a bare `scrapyd-deploy` leaves behind, then uploaded
# to scrapy.cfg's [deploy] target (DEPLOY_TARGET=name picks a [deploy:name] one).
EGG_DIR       := build/egg
DEPLOY_TARGET ?= default

egg: $(STAMP)
	rm -rf $(EGG_DIR)
	$(BIN)/python -c "from setuptools import setup; setup()" --quiet bdist_egg --dist-dir $(EGG_DIR)

deploy: egg
	$(BIN)/scrapyd-deploy $(DEPLOY_TARGET) --egg $(EGG_DIR)/*.egg

clean-venv:
	rm -rf $(VENV)
