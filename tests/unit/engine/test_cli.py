"""The model-studio CLI: validate, render, invoke [--stream]; exit codes 0 ok, 2 invalid config, 1 upstream error;
messages, never tracebacks."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from inference_engine import cli
from inference_engine.catalogue import FORMATS, catalogue_json
from inference_engine.providers.base import CHECK_THROTTLED
from tests.fixtures.loader import load_recorded
from tests.unit.engine.fakes import FakeClientFactory, FakeRuntime


def write_config(tmp_path: Path, data: Any, name: str = "config.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def tgi_path(tmp_path: Path) -> str:
    return write_config(tmp_path, catalogue_json("tgi"))


@pytest.fixture
def factory(monkeypatch: pytest.MonkeyPatch) -> FakeClientFactory:
    """The CLI builds its own ClientFactory; hand it one whose SageMaker client answers from a queue."""
    fake = FakeClientFactory(sagemaker_runtime=FakeRuntime("sagemaker-runtime"))
    monkeypatch.setattr(cli, "ClientFactory", lambda: fake)
    return fake


@pytest.fixture
def runtime(factory: FakeClientFactory) -> FakeRuntime:
    runtime: FakeRuntime = factory.fake("sagemaker-runtime")
    return runtime


# --- validate ----------------------------------------------------------------------------------------


def test_validate_accepts_a_valid_config(tgi_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run("validate", tgi_path)

    assert code == 0
    assert out == "OK: tgi (sagemaker, schema_version 1)\n"
    assert capsys.readouterr().err == ""


def test_validate_reports_every_bad_field_by_path_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = catalogue_json("tgi")
    data["provider"] = {**data["provider"], "region": "mars", "endpoint_kwargs": {"EndpointName": "other"}}  # type: ignore[dict-item]

    code, out = run("validate", write_config(tmp_path, data))

    err = capsys.readouterr().err
    assert code == 2
    assert out == ""
    assert err.startswith("error: Invalid model config at ")
    assert "  provider.region: must be an AWS region name such as us-east-1\n" in err
    assert "  provider.endpoint_kwargs.EndpointName: 'EndpointName' cannot be set through endpoint_kwargs" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not JSON: Expecting property name enclosed in double quotes at line 1"),
        ("[]", "must be a JSON object"),
    ],
)
def test_validate_refuses_files_that_are_not_a_config_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    code, _ = run("validate", write_config(tmp_path, content))

    assert code == 2
    assert message in capsys.readouterr().err


def test_validate_names_a_file_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("validate", str(tmp_path / "missing.json"))

    assert code == 2
    assert "error: Cannot read config" in capsys.readouterr().err


def test_validate_reads_stdin_for_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(catalogue_json("bedrock-converse"))))

    assert run("validate", "-") == (0, "OK: bedrock-converse (bedrock, schema_version 1)\n")


# --- render ------------------------------------------------------------------------------------------


def test_render_prints_the_exact_request_without_calling_anything(tgi_path: str, runtime: FakeRuntime) -> None:
    code, out = run("render", tgi_path, "--prompt", 'Say "hi" {{system}}', "--system", "Be brief.")

    rendered = json.loads(out)
    assert code == 0
    assert runtime.calls == []
    assert rendered["operation"] == "sagemaker-runtime:InvokeEndpoint"
    assert rendered["params"] == {
        "EndpointName": "tgi-mistral-7b",
        "ContentType": "application/json",
        "Accept": "application/json",
    }
    assert rendered["rendered_prompt"] == '<s>[INST] Be brief.\n\nSay "hi" {{system}} [/INST]'
    assert rendered["body"]["inputs"] == rendered["rendered_prompt"]
    assert rendered["estimated_input_tokens"] > 0


def test_render_stream_shows_the_streaming_request(tgi_path: str) -> None:
    code, out = run("render", tgi_path, "--prompt", "Hi", "--stream")

    rendered = json.loads(out)
    assert code == 0
    assert rendered["operation"] == "sagemaker-runtime:InvokeEndpointWithResponseStream"
    assert rendered["body"]["stream"] is True


def test_render_takes_a_messages_file(tmp_path: Path) -> None:
    messages = [
        {"role": "user", "content": [{"text": "Q1"}]},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
    ]
    config = write_config(tmp_path, catalogue_json("openai-chat"))

    code, out = run("render", config, "--messages", write_config(tmp_path, messages, "messages.json"))

    assert code == 0
    assert json.loads(out)["body"]["messages"] == [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
    ]


def test_render_reports_a_template_failure_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = catalogue_json("tgi")
    data["prompt"] = {"template": "line 1\n{{ raise_exception('no system prompts, please') if system }}"}

    code, out = run("render", write_config(tmp_path, data), "--prompt", "Hi", "--system", "S")

    err = capsys.readouterr().err
    assert code == 2
    assert out == ""
    assert "error: Prompt template failed at line 2: the template raised an exception: no system prompts, please" in err
    assert "  prompt.template: line 2: " in err


def test_render_reports_a_constraint_violation_with_exit_code_2(
    tgi_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("render", tgi_path, "--prompt", "word " * 8000)

    assert code == 2
    assert "constraints.max_input_tokens" in capsys.readouterr().err


def test_render_refuses_an_invalid_conversation(
    tgi_path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = write_config(tmp_path, [{"role": "robot", "content": "x"}], "messages.json")

    code, _ = run("render", tgi_path, "--messages", messages)

    assert code == 2
    assert "messages[0].role" in capsys.readouterr().err


# --- invoke ------------------------------------------------------------------------------------------


def test_invoke_prints_the_output_and_reports_usage_on_stderr(
    tgi_path: str, runtime: FakeRuntime, factory: FakeClientFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime.reply("invoke_endpoint", {"Body": load_recorded("tgi").streaming_body()})

    code, out = run("invoke", tgi_path, "--prompt", "What is the capital of France?", "--caller", "alice")

    assert code == 0
    assert out == "The capital of France is Paris.\n"
    assert '"output_tokens": 8' in capsys.readouterr().err
    assert [r.caller for r in factory.requests] == ["alice"]


def test_invoke_stream_writes_deltas_as_they_come(
    tgi_path: str, runtime: FakeRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime.reply("invoke_endpoint_with_response_stream", {"Body": iter(load_recorded("tgi").sagemaker_events())})

    code, out = run("invoke", tgi_path, "--prompt", "What is the capital of France?", "--stream")

    assert code == 0
    assert out == "The capital of France is Paris.\n"
    assert [method for method, _ in runtime.calls] == ["invoke_endpoint_with_response_stream"]
    assert "usage: " in capsys.readouterr().err


def _client_error(code: str, status: int) -> ClientError:
    return ClientError(
        cast(Any, {"Error": {"Code": code, "Message": "slow down"}, "ResponseMetadata": {"HTTPStatusCode": status}}),
        "InvokeEndpoint",
    )


@pytest.mark.parametrize("stream_flag", [[], ["--stream"]])
def test_invoke_reports_an_upstream_error_with_exit_code_1_and_no_traceback(
    tgi_path: str, runtime: FakeRuntime, capsys: pytest.CaptureFixture[str], stream_flag: list[str]
) -> None:
    method = "invoke_endpoint_with_response_stream" if stream_flag else "invoke_endpoint"
    runtime.reply(method, _client_error("ThrottlingException", 429))

    code, out = run("invoke", tgi_path, "--prompt", "Hi", *stream_flag)

    err = capsys.readouterr().err
    assert code == 1
    assert out == ""
    assert err == (
        "error (throttled): SageMaker endpoint 'tgi-mistral-7b' in us-east-1: ThrottlingException: slow down. "
        f"{CHECK_THROTTLED}\n"
    )


def test_invoke_reports_an_output_path_mistake_with_exit_code_1(
    tmp_path: Path, runtime: FakeRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    data = catalogue_json("tgi")
    data["content_handler"] = {**data["content_handler"], "output_path": "[0].text"}  # type: ignore[dict-item]
    runtime.reply("invoke_endpoint", {"Body": load_recorded("tgi").streaming_body()})

    code, _ = run("invoke", write_config(tmp_path, data), "--prompt", "Hi")

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error (output_path_error): Output path '[0].text' selected nothing.")
    assert "[0].generated_text" in err


def test_invoke_stream_failing_midway_keeps_the_text_so_far_and_exits_1(
    tgi_path: str, runtime: FakeRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    events = [*load_recorded("tgi").sagemaker_events()[:1], {"ModelStreamError": {"Message": "GPU fell off"}}]
    runtime.reply("invoke_endpoint_with_response_stream", {"Body": iter(events)})

    code, out = run("invoke", tgi_path, "--prompt", "Hi", "--stream")

    assert code == 1
    assert out == "The capital"
    assert (
        capsys.readouterr().err
        == "error (model_error): SageMaker endpoint 'tgi-mistral-7b' in us-east-1: stream failed: GPU fell off\n"
    )


def test_invoke_with_an_invalid_config_exits_2_before_any_client_is_built(
    tmp_path: Path, factory: FakeClientFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("invoke", write_config(tmp_path, {"schema_version": 1}), "--prompt", "Hi")

    assert code == 2
    assert factory.requests == []
    assert "  id: Field required" in capsys.readouterr().err


# --- schema and catalogue ---------------------------------------------------------------------------


def test_schema_prints_the_model_config_json_schema() -> None:
    code, out = run("schema")

    assert code == 0
    assert json.loads(out)["title"] == "ModelConfig"


def test_catalogue_lists_formats_and_prints_one() -> None:
    assert run("catalogue") == (0, "\n".join(FORMATS) + "\n")
    code, out = run("catalogue", "bedrock-titan-text")
    assert code == 0
    assert json.loads(out) == catalogue_json("bedrock-titan-text")


def test_a_usage_mistake_is_argparse_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["invoke", "config.json"], out=io.StringIO())

    assert caught.value.code == 2
    assert "one of the arguments --prompt --messages is required" in capsys.readouterr().err
