# Two commands on a fresh clone:
#   make up     set up and run the whole thing on the embedded default (terminal chat)
#   make test   set up and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install nlu-env nlu up lint test

$(BIN)/frontdesk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

install: $(BIN)/frontdesk

# Rasa's own Python 3.10 environment, and the model (retrained only when nlu/ changed).
nlu-env: install
	$(BIN)/frontdesk nlu setup

nlu: nlu-env
	$(BIN)/frontdesk nlu train

up: nlu
	$(BIN)/frontdesk up

# mypy's cache lives beside the model cache, outside the checkout: a fresh clone on the same
# machine checks only what changed (it validates each module by its content's hash).
MYPY_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/frontdesk/mypy
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy --cache-dir "$(MYPY_CACHE)"

# The linters, then the suite on TEST_WORKERS processes (they mostly wait on the real parts),
# which sets up Rasa's environment and trains the model when they are missing or nlu/ changed,
# while the tests that need no Rasa run, in the order tests/support/parallel.py gives them.
# Bytecode is cached even where the environment says not to (PYTHONDONTWRITEBYTECODE): the
# suite starts the backend and the bot as processes dozens of times.
TEST_WORKERS ?= 4
test: lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope \
	  --no-loadscope-reorder
