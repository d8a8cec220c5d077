#!/usr/bin/env python3
"""CDK entry point: ``npx cdk synth -c stage=dev``, or ``python app.py`` (writes ``cdk.out/``).

Never calls AWS: the region comes from the stage config, the account from the stage config or
``CDK_DEFAULT_ACCOUNT`` (set by the CDK CLI when credentials exist), else the template is account-agnostic.
Context (or environment for plain ``python app.py``): ``stage`` / ``MODEL_STUDIO_STAGE`` (default ``dev``),
``web_dir`` / ``MODEL_STUDIO_WEB_DIR`` (the built UI, default ``frontend/dist``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aws_cdk import App

from infra.application import add_stage_stack, project_context
from infra.package import BYTECODE_PYTHON_ENV, PackagingError, stage_assets
from infra.stage_config import StageConfigError, load_stage_config

ROOT = Path(__file__).resolve().parent


def main() -> int:
    outdir = None if os.environ.get("CDK_OUTDIR") else str(ROOT / "cdk.out")
    app = App(context=project_context(ROOT / "cdk.json"), outdir=outdir)
    stage = str(app.node.try_get_context("stage") or os.environ.get("MODEL_STUDIO_STAGE", "dev"))
    web_dir = Path(
        str(app.node.try_get_context("web_dir") or os.environ.get("MODEL_STUDIO_WEB_DIR") or ROOT / "frontend/dist")
    )
    try:
        config = load_stage_config(stage)
        if not (web_dir / "index.html").is_file():
            raise PackagingError(f"{web_dir}/index.html not found: run `make frontend-build` (or pass -c web_dir=DIR)")
        add_stage_stack(
            app,
            config=config,
            lambda_assets=stage_assets(config, bytecode_with=os.environ.get(BYTECODE_PYTHON_ENV)),
            web_assets_dir=web_dir,
            account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
        )
    except (StageConfigError, PackagingError) as exc:
        print(f"synth failed: {exc}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
