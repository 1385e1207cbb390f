# The two commands: `make demo` and `make test`. CI runs `make test` (see .ci/run).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP_QUIET := 2>&1 | grep -v "is ignored: it is neither" || true
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint typecheck pytest assets browser clean

$(BIN)/.installed: requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt $(PIP_QUIET)
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e . $(PIP_QUIET)
	$(BIN)/python -c "import django, meaningful" && touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

meaningful/static/build/app.css: node_modules/.installed assets/app.scss
	mkdir -p meaningful/static/build
	npx sass --quiet-deps --load-path=node_modules --style=compressed --no-source-map \
		assets/app.scss meaningful/static/build/app.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js meaningful/static/build/

assets: meaningful/static/build/app.css

browser:
	@test -x $(CHROMIUM) || { echo "Installing Debian's Chromium for the browser tests..."; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }

demo: $(BIN)/.installed assets
	$(BIN)/meaningful demo

lint: $(BIN)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy meaningful tests benchmarks scripts

pytest: $(BIN)/.installed assets browser
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) node_modules meaningful/static/build
