"""Synthesize one stage for the tests: placeholder UI files and dependency layer, the real function code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App
from aws_cdk.assertions import Annotations, Template

from infra.application import add_stage_stack, project_context
from infra.package import STAMP_FILE, LambdaAssets, build_code
from infra.stack import ModelStudioStack
from infra.stage_config import StageConfig, load_stage_config

Resource = dict[str, Any]


@dataclass(frozen=True)
class Synthesized:
    """One stage's stack, its CloudFormation template (as JSON) and its cdk-nag annotations."""

    config: StageConfig
    stack: ModelStudioStack
    template: Template
    annotations: Annotations
    outdir: Path

    @property
    def json(self) -> dict[str, Any]:
        return dict(self.template.to_json())

    def resources(self, type_name: str) -> dict[str, Resource]:
        return {k: v for k, v in self.json["Resources"].items() if v["Type"] == type_name}

    def only(self, type_name: str) -> tuple[str, Resource]:
        found = self.resources(type_name)
        assert len(found) == 1, f"expected one {type_name}, found {sorted(found)}"
        return next(iter(found.items()))

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.get_logical_id(construct.node.default_child))


def synthesize(stage: str, root: Path, web_dir: Path) -> Synthesized:
    return synthesize_config(load_stage_config(stage), root, web_dir)


def synthesize_config(config: StageConfig, root: Path, web_dir: Path) -> Synthesized:
    """A stage config as given (e.g. a shipped one with a setting changed)."""
    layer = root / "layer"
    (layer / "python").mkdir(parents=True)
    (layer / "python" / "placeholder.py").write_text("", encoding="utf-8")
    (layer / STAMP_FILE).write_text(json.dumps({"placeholder": True}), encoding="utf-8")
    code = build_code(config.runtime_settings(), out_dir=root / "code")
    outdir = root / "cdk.out"
    app = App(context=project_context(), outdir=str(outdir))
    stack = add_stage_stack(
        app, config=config, lambda_assets=LambdaAssets(code_dir=code, layer_dir=layer), web_assets_dir=web_dir
    )
    # Template.from_stack synthesizes the app; an unsuppressed cdk-nag error fails it (annotationsInValidationReport).
    return Synthesized(config, stack, Template.from_stack(stack), Annotations.from_stack(stack), outdir)
