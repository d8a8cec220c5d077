"""A client of model-studio's HTTP API (deployed or ``make dev``), and its command line ``model-studio-api``."""
