"""The inference function: runtime, code, layer, environment (the Lambda's contract) and limits."""

from __future__ import annotations

import json
from typing import Any

from inference_engine.settings import RuntimeSettings
from tests.infra.cfn import render
from tests.infra.stage_stack import Synthesized


def _function(synth: Synthesized) -> dict[str, Any]:
    props: dict[str, Any] = synth.json["Resources"][synth.logical_id(synth.stack.inference.function)]["Properties"]
    return props


def test_function_runs_the_handler_on_a_current_python_with_tracing(synthesized: Synthesized) -> None:
    props = _function(synthesized)
    settings = synthesized.config.function
    assert props["Handler"] == "lambdas.handler.handler"
    assert props["Runtime"] == f"python{settings.python_version}"
    assert props["Architectures"] == [settings.architecture]
    assert props["MemorySize"] == settings.memory_mb
    assert props["Timeout"] == settings.timeout_s
    assert props["TracingConfig"] == {"Mode": "Active"}
    layer_id = synthesized.logical_id(synthesized.stack.inference.dependencies)
    layer = synthesized.json["Resources"][layer_id]
    assert props["Layers"] == [{"Ref": layer_id}]
    assert layer["Properties"]["CompatibleRuntimes"] == [props["Runtime"]]
    assert layer["Properties"]["CompatibleArchitectures"] == props["Architectures"]


def test_reserved_concurrency_follows_the_stage_config(dev: Synthesized, prod: Synthesized) -> None:
    assert "ReservedConcurrentExecutions" not in _function(dev)
    assert _function(prod)["ReservedConcurrentExecutions"] == 20


def test_environment_is_the_lambda_contract(synthesized: Synthesized) -> None:
    variables = _function(synthesized)["Environment"]["Variables"]
    data = synthesized.stack.data
    distribution_id, _ = synthesized.only("AWS::CloudFront::Distribution")
    assert variables["RUNTIME_SETTINGS_FILE"] == "runtime_settings.json"
    assert variables["MODELS_TABLE_NAME"] == {"Ref": synthesized.logical_id(data.models_table)}
    assert variables["AUDIT_TABLE_NAME"] == {"Ref": synthesized.logical_id(data.audit_table)}
    assert variables["AUDIT_TTL_DAYS"] == str(synthesized.config.data.audit_ttl_days)
    assert render(variables["CORS_ALLOW_ORIGIN"]) == "https://${" + distribution_id + ".DomainName}"
    assert variables["POWERTOOLS_SERVICE_NAME"] == "model-studio"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "ModelStudio"
    assert variables["POWERTOOLS_LOG_LEVEL"] == synthesized.config.function.log_level
    assert float(variables["ENGINE_READ_TIMEOUT_S"]) == synthesized.config.function.engine_read_timeout_s < 29


def test_extra_cors_origins_are_passed_only_where_configured(dev: Synthesized, prod: Synthesized) -> None:
    assert _function(dev)["Environment"]["Variables"]["CORS_EXTRA_ORIGINS"] == "http://localhost:5173"
    assert "CORS_EXTRA_ORIGINS" not in _function(prod)["Environment"]["Variables"]


def test_code_asset_bundles_the_engine_the_handlers_and_the_stage_inventory(synthesized: Synthesized) -> None:
    # Given the function's code asset as synthesized
    (asset,) = [
        p
        for p in synthesized.outdir.glob("asset.*")
        if (p / "runtime_settings.json").is_file() and (p / "inference_engine").is_dir()
    ]
    # Then the bundled settings are the stage's runtime settings and parse with the engine's own model
    settings = RuntimeSettings.model_validate(json.loads((asset / "runtime_settings.json").read_text("utf-8")))
    assert settings == synthesized.config.runtime_settings()
    assert (asset / "inference_engine" / "schema.py").is_file()
    assert (asset / "lambdas").is_dir()
    assert not list(asset.rglob("__pycache__"))


def test_function_log_group_has_the_stage_retention(synthesized: Synthesized) -> None:
    log_group = synthesized.json["Resources"][synthesized.logical_id(synthesized.stack.inference.log_group)]
    assert log_group["Properties"]["RetentionInDays"] == synthesized.config.log_retention_days
    assert render(_function(synthesized)["LoggingConfig"]["LogGroup"]) == (
        "${" + synthesized.logical_id(synthesized.stack.inference.log_group) + "}"
    )
