"""Runs one browser scenario (``node frontend/e2e/<name>.mjs``) against a running stack and reads its JSON result.

The scripts drive Debian's Chromium through playwright-core; each writes a result file (steps, console and page
errors, screenshots, data) and exits non-zero on failure. This module only starts them and collects what they say.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.local_stack import PROJECT_ROOT, RunningStack, http

E2E_SCRIPTS = PROJECT_ROOT / "frontend" / "e2e"
SCREENSHOT_DIR = PROJECT_ROOT / "docs" / "screenshots"
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
SCENARIO_TIMEOUT_S = 300
SCENARIO_DATA: dict[str, Any] = json.loads((E2E_SCRIPTS / "scenario-data.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ScenarioRun:
    name: str
    returncode: int
    output: str = field(repr=False)
    result: dict[str, Any] = field(repr=False)
    started_at: float = field(repr=False)

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list(self.result.get("steps", []))

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.result.get("data", {}))

    def report(self) -> str:
        """What to print when an assertion on this run fails: the script's output and its failing step."""
        failed = [step for step in self.steps if not step.get("ok")]
        lines = [f"scenario {self.name} exited {self.returncode}", "--- script output ---", self.output.rstrip()]
        if failed:
            lines += ["--- failed step ---", json.dumps(failed, indent=2)]
        for key in ("console_errors", "page_errors", "failure_screenshots"):
            if self.result.get(key):
                lines += [f"--- {key} ---", json.dumps(self.result[key], indent=2)]
        return "\n".join(lines)


def prerequisites_problem() -> str | None:
    """Why the browser tests cannot run here, as an instruction, or None."""
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is missing: the browser e2e tests drive Debian's chromium. Install it with "
            "`sudo apt-get update && sudo apt-get install -y chromium` (CI's .ci/run does it); never download one."
        )
    if shutil.which("node") is None:
        return "node is not on PATH: the browser scenarios are Node scripts (frontend/e2e/)."
    if not (PROJECT_ROOT / "frontend" / "node_modules" / "playwright-core").is_dir():
        return "frontend/node_modules/playwright-core is missing: run `make install` (npm ci in frontend/)."
    if not (PROJECT_ROOT / "frontend" / "dist" / "index.html").is_file():
        return "the UI is not built (frontend/dist/index.html): run `make e2e`, which builds it first."
    return None


def run_scenario(name: str, stack: RunningStack, work_dir: Path) -> ScenarioRun:
    """Runs ``frontend/e2e/<name>.mjs`` with the stack's URL and logins; kills its process group on timeout."""
    result_file = work_dir / f"{name}.result.json"
    logins = {login["username"]: login["password"] for login in stack.info["logins"]}
    admin = next(login["username"] for login in stack.info["logins"] if login["admin"])
    user = next(login["username"] for login in stack.info["logins"] if not login["admin"])
    env = {
        **os.environ,
        "E2E_BASE_URL": stack.url,
        "E2E_RESULT_FILE": str(result_file),
        "E2E_SCREENSHOT_DIR": str(SCREENSHOT_DIR),
        "E2E_ARTIFACT_DIR": str(work_dir / "artifacts"),
        "E2E_CHROMIUM": str(CHROMIUM),
        "E2E_ADMIN_USERNAME": admin,
        "E2E_ADMIN_PASSWORD": logins[admin],
        "E2E_USER_USERNAME": user,
        "E2E_USER_PASSWORD": logins[user],
    }
    started_at = time.time()
    process = subprocess.Popen(
        ["node", str(E2E_SCRIPTS / f"{name}.mjs")],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=SCENARIO_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        output += f"\n(killed after {SCENARIO_TIMEOUT_S} s)"
    result = json.loads(result_file.read_text(encoding="utf-8")) if result_file.is_file() else {}
    return ScenarioRun(name, process.returncode, output, result, started_at)


def pace_stream(stack: RunningStack, endpoint_name: str, token_delay_ms: int) -> None:
    """Makes the emulator sleep between the stream events of one endpoint, so a UI can be seen receiving them."""
    status, body, _ = http("GET", stack.emulator + "/_emulator/registry")
    assert status == 200, body
    entry = json.loads(body)["sagemaker"][endpoint_name]
    entry["token_delay_ms"] = token_delay_ms
    status, body, _ = http("POST", stack.emulator + "/_emulator/registry", {"sagemaker": {endpoint_name: entry}})
    assert status == 200, body


def emulator_requests(stack: RunningStack, target: str, service: str = "sagemaker") -> list[dict[str, Any]]:
    """The requests one emulated service (the SageMaker runtime unless told) received for one endpoint or model id,
    oldest first; discovery's control-plane reads of the same endpoint are logged under ``sagemaker-api``."""
    query = urllib.parse.urlencode({"target": target, "service": service, "limit": 1000})
    status, body, _ = http("GET", f"{stack.emulator}/_emulator/requests?{query}")
    assert status == 200, body
    return list(json.loads(body)["requests"])
