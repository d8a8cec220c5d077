# model-studio: one virtual environment at .venv/, npm packages in frontend/node_modules and node_modules/ (CDK CLI).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
EXTRAS := lambda,infra,local,dev
PYTEST := $(BIN)/pytest
# pytest exits 5 when a selection holds no test: that is not a failure, any other non-zero code is.
define run_pytest
	rc=0; $(PYTEST) $(1) || rc=$$?; if [ $$rc -ne 0 ] && [ $$rc -ne 5 ]; then exit $$rc; fi
endef

export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install dev test lint fmt pytest unit integration infra-test frontend-test frontend-build e2e synth cfn-lint package-test package openapi bench clean

help:
	@echo "make dev    - run the whole product locally (moto + model emulator + local API + UI)"
	@echo "make test   - everything CI runs: lint, types, pytest, synth, frontend tests, browser e2e"
	@echo "make lint | synth | cfn-lint | package-test | bench | clean"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed frontend/node_modules/.installed node_modules/.installed

frontend/dist/index.html: frontend/node_modules/.installed $(shell find frontend/src frontend/index.html frontend/vite.config.* -type f 2>/dev/null)
	cd frontend && npm run build

frontend-build: frontend/dist/index.html

dev: $(VENV)/.installed frontend-build
	$(PY) -m local

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

unit: $(VENV)/.installed
	$(call run_pytest,tests/unit tests/architecture)

integration: $(VENV)/.installed
	$(call run_pytest,tests/integration)

reliability: $(VENV)/.installed
	$(call run_pytest,tests/reliability)

infra-test: $(VENV)/.installed package
	$(call run_pytest,tests/infra)

pytest: unit integration reliability infra-test

# check:api: src/api/schema.gen.ts must be what openapi-typescript makes of the committed lambdas/openapi.json
frontend-test: frontend/node_modules/.installed
	cd frontend && npm run check:api && npm run typecheck && npm test

package: $(VENV)/.installed
	$(PY) -m infra.package

# The committed OpenAPI document (lambdas/openapi.json): the contract the infrastructure and the UI's types read
openapi: $(VENV)/.installed
	$(PY) -m lambdas.openapi

synth: $(VENV)/.installed node_modules/.installed package frontend-build
	CDK_DISABLE_VERSION_CHECK=1 npx --no-install cdk synth -q --no-notices -c stage=dev -o cdk.out/dev
	CDK_DISABLE_VERSION_CHECK=1 npx --no-install cdk synth -q --no-notices -c stage=prod -o cdk.out/prod

# CloudFormation's own schemas and rules on both synthesized templates (ignored rules: .cfnlintrc.yaml)
cfn-lint: synth
	$(BIN)/cfn-lint --config-file .cfnlintrc.yaml cdk.out/dev/*.template.json cdk.out/prod/*.template.json

# The exact Lambda asset `make synth` staged, run in the runtime's Python through a Runtime API on loopback
package-test: synth
	export MODEL_STUDIO_ASSEMBLY=$(CURDIR)/cdk.out/dev; $(call run_pytest,tests/packaged)

e2e: $(VENV)/.installed frontend-build
	$(call run_pytest,tests/e2e)

test: lint pytest frontend-test synth cfn-lint package-test e2e

bench: $(VENV)/.installed frontend-build
	$(BIN)/pip install --quiet -e ".[$(EXTRAS),bench]"
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) node_modules frontend/node_modules frontend/dist cdk.out build .mypy_cache .ruff_cache .pytest_cache
