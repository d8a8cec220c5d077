"""``app.py`` fails fast, with the reason, when the stage or its inputs are wrong (before any synthesis)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_app(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("CDK_", "MODEL_STUDIO_"))}
    environment |= {"CDK_OUTDIR": str(tmp_path / "cdk.out"), **env}
    return subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_unknown_stage_fails_with_the_known_stages(tmp_path: Path) -> None:
    result = _run_app(tmp_path, MODEL_STUDIO_STAGE="staging")
    assert result.returncode == 1
    assert "synth failed: no stage config" in result.stderr
    assert "(known stages: dev, prod)" in result.stderr
    assert not (tmp_path / "cdk.out" / "manifest.json").exists()


def test_missing_ui_build_fails_with_the_command_to_run(tmp_path: Path) -> None:
    result = _run_app(tmp_path, MODEL_STUDIO_STAGE="prod", MODEL_STUDIO_WEB_DIR=str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "index.html not found: run `make frontend-build`" in result.stderr
