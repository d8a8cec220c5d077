"""``model-studio-api`` against a fake API: what it prints, what it sends, and its exit codes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from model_studio_client import cli
from model_studio_client.api import ApiError, StreamFrame

DONE = {"usage": {"input_tokens": 3, "output_tokens": 2, "estimated": False}, "latency_ms": 12.5}


class FakeApi:
    """Answers like the API; ``refuse`` makes every call an ``ApiError``."""

    sent: list[tuple[str, Any]]
    frames: list[StreamFrame]
    refuse: ApiError | None = None

    def __init__(self, base_url: str, token: str | None) -> None:
        self.base_url, self.token = base_url, token
        FakeApi.instances.append(self)

    instances: list[FakeApi] = []

    def invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        FakeApi.sent.append(("/invoke", body))
        if FakeApi.refuse:
            raise FakeApi.refuse
        return {"output": "Hello", **DONE}

    def stream(self, body: dict[str, Any]) -> Iterator[StreamFrame]:
        FakeApi.sent.append(("/invoke/stream", body))
        if FakeApi.refuse:
            raise FakeApi.refuse
        yield from FakeApi.frames


@pytest.fixture(autouse=True)
def fake_api(monkeypatch: pytest.MonkeyPatch) -> type[FakeApi]:
    FakeApi.sent, FakeApi.instances, FakeApi.refuse = [], [], None
    FakeApi.frames = [
        StreamFrame("delta", {"text": "Hel"}),
        StreamFrame("delta", {"text": "lo"}),
        StreamFrame("done", DONE),
    ]
    monkeypatch.setattr(cli, "ApiClient", FakeApi)
    monkeypatch.delenv(cli.API_URL_ENV, raising=False)
    monkeypatch.delenv(cli.TOKEN_ENV, raising=False)
    return FakeApi


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(["--api-url", "https://api.example/v1", "--token", "id-token", *argv], out), out.getvalue()


def test_a_streamed_invoke_posts_to_the_stream_route_and_prints_each_delta(capsys: pytest.CaptureFixture[str]) -> None:
    code, printed = run("invoke", "--model-id", "claude-3-haiku", "--prompt", "Hi", "--stream")
    assert code == cli.EXIT_OK
    assert printed == "Hello\n"
    assert FakeApi.sent == [("/invoke/stream", {"model_id": "claude-3-haiku", "prompt": "Hi"})]
    assert (FakeApi.instances[0].base_url, FakeApi.instances[0].token) == ("https://api.example/v1", "id-token")
    assert '"output_tokens": 2' in capsys.readouterr().err


def test_a_buffered_invoke_with_an_override_file_posts_to_invoke(tmp_path: Path) -> None:
    override = tmp_path / "patch.json"
    override.write_text(json.dumps({"model_kwargs": {"temperature": 0.2}}), encoding="utf-8")
    code, printed = run("invoke", "--prompt", "Hi", "--system", "Be brief.", "--override", str(override))
    assert (code, printed) == (cli.EXIT_OK, "Hello\n")
    assert FakeApi.sent == [
        ("/invoke", {"prompt": "Hi", "system": "Be brief.", "override": {"model_kwargs": {"temperature": 0.2}}})
    ]


def test_a_refused_request_exits_2_with_the_apis_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    FakeApi.refuse = ApiError(
        403, {"error": "forbidden", "message": "Overrides are for Administrators.", "rule": "admin_only"}
    )
    code, _ = run("invoke", "--prompt", "Hi", "--stream")
    err = capsys.readouterr().err
    assert code == cli.EXIT_REFUSED
    assert "403 forbidden: Overrides are for Administrators." in err
    assert "rule: admin_only" in err


def test_an_error_frame_or_a_cut_stream_exits_1_after_the_partial_answer(capsys: pytest.CaptureFixture[str]) -> None:
    FakeApi.frames = [
        StreamFrame("delta", {"text": "Hel"}),
        StreamFrame("error", {"error": "throttled", "message": "Slow down."}),
    ]
    code, printed = run("invoke", "--prompt", "Hi", "--stream")
    assert (code, printed) == (cli.EXIT_FAILED, "Hel\n")
    assert "throttled: Slow down." in capsys.readouterr().err
    FakeApi.frames = [StreamFrame("delta", {"text": "Hel"})]
    code, _ = run("invoke", "--prompt", "Hi", "--stream")
    assert code == cli.EXIT_FAILED
    assert "the stream ended before the model finished" in capsys.readouterr().err


def test_missing_url_or_token_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--token", "t", "me"], io.StringIO()) == cli.EXIT_REFUSED
    assert "no API URL" in capsys.readouterr().err
    assert cli.main(["--api-url", "https://api.example/v1", "me"], io.StringIO()) == cli.EXIT_REFUSED
    assert "no ID token" in capsys.readouterr().err
    assert FakeApi.sent == []
