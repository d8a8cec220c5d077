"""Starts the embedded default (``python -m local``) as a subprocess on free ports, for tests.

The same command ``make dev`` runs, with ``--port 0 --fresh --ready-file``: tests get the real
process tree (moto, emulator subprocess, local API) and talk to it only over HTTP.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 120


@dataclass(frozen=True)
class RunningStack:
    info: dict[str, Any]
    log_file: Path
    startup_s: float
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def api(self) -> str:
        return str(self.info["api_url"])

    @property
    def emulator(self) -> str:
        return str(self.info["emulator_url"])

    def login(self, username: str) -> str:
        """A Cognito ID token for one of the seeded logins, through the local server's Cognito proxy."""
        password = next(login["password"] for login in self.info["logins"] if login["username"] == username)
        body = {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": self.info["client_id"],
            "AuthParameters": {"USERNAME": username, "PASSWORD": password},
        }
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        }
        status, payload, _ = http("POST", self.url + "/cognito", body, headers)
        assert status == 200, payload
        return str(json.loads(payload)["AuthenticationResult"]["IdToken"])


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, str, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@contextlib.contextmanager
def running_stack(tmp_dir: Path, *, ui: bool = False, keep_state: bool = False) -> Iterator[RunningStack]:
    ready = tmp_dir / "ready.json"
    ready.unlink(missing_ok=True)  # a file left by an earlier run in the same directory must not count
    log_file = tmp_dir / "stack.log"
    command = [
        sys.executable,
        "-m",
        "local",
        "--port",
        "0",
        "--state-dir",
        str(tmp_dir / "state"),
        "--ready-file",
        str(ready),
    ]
    if not ui:
        command.append("--no-ui")
    if not keep_state:
        command.append("--fresh")
    started = time.monotonic()
    with log_file.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,  # its own process group, so "Ctrl-C" below reaches every process of the tree
        )
        try:
            while not ready.exists():
                if process.poll() is not None or time.monotonic() - started > READY_TIMEOUT_S:
                    raise RuntimeError(f"the local stack did not start:\n{log_file.read_text()}")
                time.sleep(0.1)
            yield RunningStack(json.loads(ready.read_text()), log_file, time.monotonic() - started, process)
        finally:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
