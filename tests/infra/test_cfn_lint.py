"""Each stage's template passes cfn-lint (CloudFormation's own resource schemas and rules) with the project's
configuration (``.cfnlintrc.yaml``): no error, no warning except the ignored, documented ones."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from cfnlint.api import ManualArgs, lint

from tests.infra.stage_stack import Synthesized

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((PROJECT_ROOT / ".cfnlintrc.yaml").read_text(encoding="utf-8"))


def findings(template: dict[str, object], region: str) -> list[str]:
    args = ManualArgs(regions=[region], ignore_checks=CONFIG["ignore_checks"])
    return [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in lint(json.dumps(template), config=args)]


def test_the_template_has_no_cfn_lint_finding(synthesized: Synthesized) -> None:
    assert findings(synthesized.json, synthesized.config.region) == []


def test_cfn_lint_would_catch_a_broken_template(synthesized: Synthesized) -> None:
    # Given the stage's template with a streaming integration timeout above API Gateway's 15 minutes
    broken = json.loads(json.dumps(synthesized.json))
    for resource in broken["Resources"].values():
        integration = resource["Properties"].get("Integration", {}) if resource["Type"].endswith("Method") else {}
        if integration.get("ResponseTransferMode") == "STREAM":
            integration["TimeoutInMillis"] = "fifteen minutes"
    # Then cfn-lint reports it (so a clean run above means something)
    assert any(f.startswith("E") for f in findings(broken, synthesized.config.region))
