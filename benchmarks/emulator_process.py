"""The model emulator as a separate process for the run (so its CPU work does not share our GIL)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from local.packaged import stop_process

READY_PREFIX = "emulator ready on "
CONTROL_PREFIX = "/_emulator"


class EmulatorProcess:
    """``python -m local.emulator --port 0`` started on enter, stopped on exit; ``.url`` is its base URL.
    ``registry``: a registry JSON file instead of the emulator's default one."""

    def __init__(self, registry: Path | None = None) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._registry = registry
        self.url = ""

    def __enter__(self) -> EmulatorProcess:
        command = [sys.executable, "-m", "local.emulator", "--host", "127.0.0.1", "--port", "0"]
        if self._registry is not None:
            command += ["--registry", str(self._registry)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self._process = process
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith(READY_PREFIX):
            self._stop()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.url = line.removeprefix(READY_PREFIX)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        stop_process(process)
        if process.stdout is not None:
            process.stdout.close()

    def control(self, method: str, path: str) -> Any:
        """Call the emulator's control plane (``/_emulator/...``) and return its JSON answer."""
        request = urllib.request.Request(f"{self.url}{CONTROL_PREFIX}{path}", method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
