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


def _stream_function(synth: Synthesized) -> dict[str, Any]:
    resources = synth.json["Resources"]
    props: dict[str, Any] = resources[synth.logical_id(synth.stack.inference.stream_function)]["Properties"]
    return props


def test_the_streaming_function_runs_the_same_asset_through_its_exec_wrapper(synthesized: Synthesized) -> None:
    # Given both functions
    buffered, streaming = _function(synthesized), _stream_function(synthesized)
    stream = synthesized.config.stream
    # Then the streaming one has the same code asset, layer, runtime, architecture and role
    for key in ("Code", "Layers", "Runtime", "Architectures", "Role", "TracingConfig"):
        assert streaming[key] == buffered[key], key
    # And its process is the project's Runtime API loop, started by the exec wrapper shipped in the asset
    variables = streaming["Environment"]["Variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/var/task/lambdas/stream-bootstrap"
    assert streaming["Handler"] == "lambdas.stream_handler.handler"
    # And its timeouts are the stream's: long enough for a long answer, a read timeout for a slow first token
    assert streaming["Timeout"] == stream.timeout_s > 29
    assert float(variables["ENGINE_READ_TIMEOUT_S"]) == stream.engine_read_timeout_s < stream.timeout_s
    assert float(variables["STREAM_KEEPALIVE_S"]) == stream.keepalive_s
    # And the rest of its environment is the buffered function's (same tables, settings, CORS)
    shared = {k: v for k, v in buffered["Environment"]["Variables"].items() if k != "ENGINE_READ_TIMEOUT_S"}
    assert {k: variables[k] for k in shared} == shared
    assert "SnapStart" not in streaming


def test_the_exec_wrapper_is_executable_in_the_code_asset(synthesized: Synthesized) -> None:
    wrapper = synthesized.stack.inference  # the asset directory CDK staged for the code
    (asset,) = [p for p in synthesized.outdir.glob("asset.*") if (p / "lambdas" / "stream-bootstrap").is_file()]
    assert wrapper.stream_function is not None
    assert (asset / "lambdas" / "stream-bootstrap").stat().st_mode & 0o111 == 0o111


def test_reserved_concurrency_follows_the_stage_config(dev: Synthesized, prod: Synthesized) -> None:
    assert "ReservedConcurrentExecutions" not in _function(dev)
    assert _function(prod)["ReservedConcurrentExecutions"] == 20
    assert "ReservedConcurrentExecutions" not in _stream_function(dev)
    assert _stream_function(prod)["ReservedConcurrentExecutions"] == prod.config.stream.reserved_concurrency == 10


def test_environment_is_the_lambda_contract(synthesized: Synthesized) -> None:
    variables = _function(synthesized)["Environment"]["Variables"]
    data = synthesized.stack.data
    distribution_id, _ = synthesized.only("AWS::CloudFront::Distribution")
    assert variables["RUNTIME_SETTINGS_FILE"] == "runtime_settings.json"
    assert variables["MODELS_TABLE_NAME"] == {"Ref": synthesized.logical_id(data.models_table)}
    assert variables["AUDIT_TABLE_NAME"] == {"Ref": synthesized.logical_id(data.audit_table)}
    assert variables["AUDIT_TTL_DAYS"] == str(synthesized.config.data.audit_ttl_days)
    assert render(variables["CORS_ALLOW_ORIGIN"]) == "https://${" + distribution_id + ".DomainName}"
    assert variables["POWERTOOLS_SERVICE_NAME"] == f"model-studio-{synthesized.config.stage}"
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
