# Two commands on a fresh clone: `make demo` and `make test`. Each creates .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install services worker serve bench bench-quick lint typecheck clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ceplat demo

services:
	@bash scripts/services.sh

test: $(STAMP) services
	$(BIN)/ruff check .
	$(BIN)/mypy platform_core plugins workers
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy platform_core plugins workers

# A real worker needs a broker: the machine's Redis unless CEPLAT_BROKER_URL says otherwise.
worker: $(STAMP) services
	CEPLAT_BROKER_URL=$${CEPLAT_BROKER_URL:-redis://127.0.0.1:6379/0} $(BIN)/ceplat worker

serve: $(STAMP)
	$(BIN)/ceplat serve

bench: $(STAMP) services
	$(BIN)/python -m bench.run --persons 200000

bench-quick: $(STAMP) services
	$(BIN)/python -m bench.run --persons 20000

clean:
	rm -rf $(VENV) var
