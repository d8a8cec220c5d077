"""Stage config files: validated at synth by the engine's own schema, errors named by JSON path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from inference_engine.settings import RuntimeSettings
from infra.stage_config import StageConfigError, known_stages, load_stage_config, parse_stage_config


def _document(stage: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path("infra/config") / f"{stage}.json").read_text(encoding="utf-8"))
    return data


def _error_paths(data: Any) -> list[str]:
    with pytest.raises(StageConfigError) as raised:
        parse_stage_config(data, source="test.json")
    return [d.path for d in raised.value.details]


def test_shipped_stages_are_dev_and_prod() -> None:
    assert known_stages() == ["dev", "prod"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_shipped_configs_are_valid_and_embed_the_runtime_settings(stage: str) -> None:
    # Given the file as shipped / When loaded
    config = load_stage_config(stage)
    # Then its runtime part is exactly what the Lambda will parse
    runtime = config.runtime_settings()
    assert RuntimeSettings.model_validate(json.loads(runtime.model_dump_json())) == runtime
    assert runtime.policy.stage == stage
    assert runtime.default_model_id is not None
    assert runtime.model(runtime.default_model_id) is not None
    providers = {m.provider.type for m in config.models}
    assert providers == {"sagemaker", "bedrock"}


def test_discovery_is_enabled_in_dev_only_and_limited_to_the_regions_iam_grants() -> None:
    dev, prod = load_stage_config("dev"), load_stage_config("prod")
    assert dev.policy.discovery_enabled and not prod.policy.discovery_enabled
    assert dev.runtime_settings().policy.discovery.regions == ["us-east-1", "us-west-2"]
    # A stage that enables discovery without naming regions reads where IAM grants it: its IAM regions, else its own
    data = dev.model_dump(mode="json")
    data["policy"]["discovery"] = {"enabled": True}
    assert parse_stage_config(data).runtime_settings().policy.discovery.regions == ["us-east-1", "us-west-2"]
    data["iam"]["regions"] = []
    assert parse_stage_config(data).runtime_settings().policy.discovery.regions == ["us-east-1"]


def test_cross_account_is_enabled_in_dev_only() -> None:
    assert load_stage_config("dev").policy.cross_account_enabled is True
    prod = load_stage_config("prod")
    assert prod.policy.cross_account_enabled is False
    assert prod.cross_account_role_patterns() == []
    assert all(m.cross_account is None for m in prod.models)


def test_bad_model_config_fails_with_the_json_path_of_the_field() -> None:
    # Given prod's config with an endpoint name SageMaker would reject
    data = _document("prod")
    index = next(i for i, m in enumerate(data["models"]) if m["provider"]["type"] == "sagemaker")
    data["models"][index]["provider"]["endpoint_name"] = "bad name!"
    # When it is parsed / Then the error names the file and the exact path
    with pytest.raises(StageConfigError) as raised:
        parse_stage_config(data, source="infra/config/prod.json")
    assert [d.path for d in raised.value.details] == [f"models[{index}].provider.endpoint_name"]
    assert str(raised.value).startswith("infra/config/prod.json: invalid stage config")
    assert f"models[{index}].provider.endpoint_name: " in str(raised.value)


def test_unknown_keys_are_rejected_at_any_depth() -> None:
    data = _document("dev")
    data["models"][0]["content_handler"] = {"output_path": "x", "typo": 1}
    data["function"]["memroy_mb"] = 512
    assert sorted(_error_paths(data)) == ["function.memroy_mb", "models[0].content_handler.typo"]


def test_a_bad_prompt_template_is_caught_at_synth() -> None:
    data = _document("dev")
    data["models"][0]["prompt"] = {"template": "{% for m in messages %}{{ m.content }"}
    assert _error_paths(data) == ["models[0].prompt.template"]


def test_cross_account_model_is_refused_in_a_stage_that_does_not_allow_it() -> None:
    data = _document("prod")
    data["models"][0]["cross_account"] = {"role_arn": "arn:aws:iam::111122223333:role/model-studio-invoke-x"}
    with pytest.raises(StageConfigError) as raised:
        parse_stage_config(data)
    assert [(d.path, d.message) for d in raised.value.details] == [
        ("models[0].cross_account", "stage 'prod' does not allow cross-account roles")
    ]


def test_cross_account_role_must_match_the_allowed_patterns() -> None:
    data = _document("dev")
    data["models"][0]["cross_account"] = {"role_arn": "arn:aws:iam::111122223333:role/admin"}
    assert _error_paths(data) == ["models[0].cross_account.role_arn"]


def test_enabling_cross_account_requires_patterns_or_accounts() -> None:
    data = _document("dev")
    data["policy"]["allowed_role_arns"] = []
    data["policy"]["allowed_account_ids"] = []
    data["models"] = [m for m in data["models"] if "cross_account" not in m]
    assert _error_paths(data) == ["policy.allowed_role_arns"]


def test_duplicate_ids_and_unknown_default_model_are_named() -> None:
    data = _document("prod")
    data["models"].append(copy.deepcopy(data["models"][0]))
    data["default_model_id"] = "nope"
    assert _error_paths(data) == [f"models[{len(data['models']) - 1}].id", "default_model_id"]


def test_iam_patterns_are_validated() -> None:
    data = _document("dev")
    data["iam"]["sagemaker_endpoint_name_patterns"] = ["ok-*", "bad/slash"]
    data["iam"]["bedrock_arn_patterns"] = ["arn:aws:s3:::bucket/*"]
    assert sorted(_error_paths(data)) == ["iam.bedrock_arn_patterns[0]", "iam.sagemaker_endpoint_name_patterns[1]"]


def test_file_name_must_match_the_stage_inside(tmp_path: Path) -> None:
    (tmp_path / "qa.json").write_text(json.dumps(_document("prod")), encoding="utf-8")
    with pytest.raises(StageConfigError) as raised:
        load_stage_config("qa", config_dir=tmp_path)
    assert [d.path for d in raised.value.details] == ["policy.stage"]


def test_missing_stage_and_broken_json_are_reported(tmp_path: Path) -> None:
    (tmp_path / "dev.json").write_text('{"region": ', encoding="utf-8")
    with pytest.raises(StageConfigError, match=r"no stage config .*staging\.json \(known stages: dev\)"):
        load_stage_config("staging", config_dir=tmp_path)
    with pytest.raises(StageConfigError, match=r"not valid JSON \(line 1, column 12\)"):
        load_stage_config("dev", config_dir=tmp_path)
    with pytest.raises(StageConfigError, match="not a valid stage name"):
        load_stage_config("../etc/passwd", config_dir=tmp_path)


def test_the_model_read_timeout_must_fit_inside_the_function_timeout() -> None:
    # Given a stage whose model read timeout is not shorter than the function's own timeout
    data = _document("prod")
    data.setdefault("function", {}).update(timeout_s=30, engine_read_timeout_s=30)
    # Then synth refuses it, naming the section
    assert any(path.startswith("function") for path in _error_paths(data))


def test_monitoring_is_optional_and_its_thresholds_default() -> None:
    # Given a stage config without a monitoring section / When parsed
    data = _document("prod")
    del data["monitoring"]
    monitoring = parse_stage_config(data).monitoring
    # Then nobody is notified and every alarm has its default threshold
    assert (monitoring.alarm_email, monitoring.alarm_topic_arn) == (None, None)
    assert monitoring.invoke_p99_latency_ms == 20_000 and monitoring.invocation_errors == 5


def test_monitoring_destinations_and_thresholds_are_validated_by_path() -> None:
    data = _document("prod")
    data["monitoring"].update(alarm_email="not-an-address", invoke_p99_latency_ms=30_000, api_4xx_percent=0)
    assert sorted(_error_paths(data)) == [
        "monitoring.alarm_email",
        "monitoring.api_4xx_percent",
        "monitoring.invoke_p99_latency_ms",
    ]
    data = _document("prod")
    data["monitoring"]["alarm_topic_arn"] = "arn:aws:sns:us-east-1:111122223333:alarms.fifo"
    assert _error_paths(data) == ["monitoring.alarm_topic_arn"]


def test_monitoring_takes_one_destination_in_the_stage_region() -> None:
    # Given both an email and a topic / Then synth asks for one
    data = _document("prod")
    data["monitoring"].update(
        alarm_email="oncall@example.com", alarm_topic_arn="arn:aws:sns:us-east-1:111122223333:alarms"
    )
    assert _error_paths(data) == ["monitoring"]
    # Given a topic of another region (CloudWatch notifies topics of its own region) / Then it is refused
    data["monitoring"]["alarm_email"] = None
    data["monitoring"]["alarm_topic_arn"] = "arn:aws:sns:eu-west-1:111122223333:alarms"
    with pytest.raises(StageConfigError) as raised:
        parse_stage_config(data)
    assert [(d.path, d.message) for d in raised.value.details] == [
        ("monitoring.alarm_topic_arn", "must be a topic of the stage's region 'us-east-1'")
    ]
