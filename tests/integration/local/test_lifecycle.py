"""`make dev`'s process tree starts from nothing and stops cleanly on Ctrl-C, leaving nothing behind."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.local_stack import http, running_stack

pytestmark = pytest.mark.integration


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((parts.hostname or "127.0.0.1", parts.port or 80)) == 0


def test_ctrl_c_stops_every_part_and_exits_zero(tmp_path: Path) -> None:
    # Given a stack started the way `make dev` starts it, serving on its ports
    with running_stack(tmp_path) as stack:
        urls = [stack.url, stack.emulator, stack.info["moto_url"]]
        assert all(_listening(url) for url in urls)
    # When it got SIGINT (what Ctrl-C sends) on leaving the block
    # Then the process exited by itself with status 0, said so, and no port is still served
    assert stack.process.returncode == 0
    log = stack.log_file.read_text()
    assert "stopping..." in log and "stopped." in log
    assert "Traceback" not in log
    assert not any(_listening(url) for url in urls)


def test_saved_models_survive_a_restart(tmp_path: Path) -> None:
    # Given a model saved in one run of the stack (its state directory kept)
    state = tmp_path / "keep"
    state.mkdir()
    with running_stack(state, keep_state=True) as first:
        admin = {"Authorization": first.login("admin")}
        config = http("GET", first.api + "/models/mistral-7b-tgi", headers=admin)[1]
        document = json.loads(config)["config"]
        document.update(id="kept-model", name="Kept across restarts")
        status, body, _ = http("PUT", first.api + "/models/kept-model", {"config": document, "version": 0}, admin)
        assert status == 200, body
    # When the stack is started again on the same state directory
    with running_stack(state, keep_state=True) as second:
        user = {"Authorization": second.login("user")}
        listed = json.loads(http("GET", second.api + "/models", headers=user)[1])["models"]
    # Then the saved model is still there, at the version it had
    kept = next(m for m in listed if m["id"] == "kept-model")
    assert (kept["source"], kept["version"]) == ("saved", 1)
