"""``model-studio-api`` against the running embedded default: sign in through the site, stream, be refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.local_stack import RunningStack

pytestmark = pytest.mark.integration


def cli(stack: RunningStack, *argv: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    auth = ["--token", token] if token else []
    command = [sys.executable, "-m", "model_studio_client.cli", "--site", stack.url, *auth, *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def tokens(local_stack: RunningStack) -> dict[str, str]:
    found = {}
    for username, password in (("admin", "Admin-Passw0rd!"), ("user", "User-Passw0rd!")):
        signed_in = cli(local_stack, "login", "--username", username, "--password", password)
        assert signed_in.returncode == 0, signed_in.stderr
        found[username] = signed_in.stdout.strip()
    return found


def test_login_through_the_site_gives_a_token_the_api_accepts(
    local_stack: RunningStack, tokens: dict[str, str]
) -> None:
    me = cli(local_stack, "me", token=tokens["admin"])
    assert me.returncode == 0, me.stderr
    assert json.loads(me.stdout)["is_admin"] is True


def test_a_streamed_invoke_prints_the_models_answer(local_stack: RunningStack, tokens: dict[str, str]) -> None:
    streamed = cli(local_stack, "invoke", "--prompt", "Hello there", "--stream", token=tokens["user"])
    buffered = cli(local_stack, "invoke", "--prompt", "Hello there", token=tokens["user"])
    assert streamed.returncode == buffered.returncode == 0, streamed.stderr + buffered.stderr
    assert streamed.stdout == buffered.stdout
    assert streamed.stdout.startswith("Echo: Hello there")
    assert '"output_tokens"' in streamed.stderr


def test_a_plain_users_override_is_refused_with_its_rule(
    local_stack: RunningStack, tokens: dict[str, str], tmp_path: Path
) -> None:
    patch = tmp_path / "patch.json"
    patch.write_text('{"model_kwargs": {"temperature": 0.1}}', encoding="utf-8")
    refused = cli(local_stack, "invoke", "--prompt", "Hi", "--override", str(patch), "--stream", token=tokens["user"])
    assert refused.returncode == 2
    assert "403 forbidden" in refused.stderr
    assert "rule: admin_only" in refused.stderr
    assert refused.stdout == ""
