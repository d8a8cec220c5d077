"""SnapStart is a stage-config switch (``function.snap_start``, default off): on, the function publishes versions
with SnapStart and the API invokes them through the ``live`` alias; off, the API invokes the function itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Annotations, Template

from infra.application import add_stage_stack, project_context
from infra.inference_function import LIVE_ALIAS
from infra.package import STAMP_FILE, LambdaAssets, build_code
from infra.stage_config import load_stage_config
from tests.infra.cfn import render
from tests.infra.stage_stack import Synthesized


@pytest.fixture(scope="module")
def snap_started(tmp_path_factory: pytest.TempPathFactory, web_dir: Path) -> Synthesized:
    """The dev stage with ``function.snap_start`` switched on."""
    root = tmp_path_factory.mktemp("snap-start")
    base = load_stage_config("dev")
    config = base.model_copy(update={"function": base.function.model_copy(update={"snap_start": True})})
    layer = root / "layer"
    (layer / "python").mkdir(parents=True)
    (layer / STAMP_FILE).write_text(json.dumps({"placeholder": True}), encoding="utf-8")
    code = build_code(config.runtime_settings(), out_dir=root / "code")
    app = App(context=project_context(), outdir=str(root / "cdk.out"))
    stack = add_stage_stack(
        app, config=config, lambda_assets=LambdaAssets(code_dir=code, layer_dir=layer), web_assets_dir=web_dir
    )
    return Synthesized(config, stack, Template.from_stack(stack), Annotations.from_stack(stack), root / "cdk.out")


def _invoked_functions(synth: Synthesized) -> set[str]:
    """What every buffered Lambda-proxy method of the API invokes (rendered integration URIs); the streamed route
    invokes the streaming function, which has no SnapStart (tests/infra/test_function.py)."""
    targets = set()
    for method in synth.resources("AWS::ApiGateway::Method").values():
        integration = method["Properties"].get("Integration", {})
        if integration.get("Type") == "AWS_PROXY" and integration.get("ResponseTransferMode") != "STREAM":
            targets.add(render(integration["Uri"]))
    return targets


def _function_props(synth: Synthesized) -> dict[str, Any]:
    props: dict[str, Any] = synth.json["Resources"][synth.logical_id(synth.stack.inference.function)]["Properties"]
    return props


def test_the_stage_configs_leave_snap_start_off_and_the_api_calls_the_function(synthesized: Synthesized) -> None:
    # Given a shipped stage config
    assert synthesized.config.function.snap_start is False

    # Then the function has no SnapStart, no alias exists, and the API invokes the function ($LATEST)
    assert "SnapStart" not in _function_props(synthesized)
    assert not synthesized.resources("AWS::Lambda::Alias")
    function_id = synthesized.logical_id(synthesized.stack.inference.function)
    targets = _invoked_functions(synthesized)
    assert targets and all(f"${{{function_id}.Arn}}/invocations" in uri for uri in targets)


def test_snap_start_on_publishes_versions_and_the_api_calls_them_through_the_live_alias(
    snap_started: Synthesized,
) -> None:
    # Given the dev stage with snap_start on
    props = _function_props(snap_started)

    # Then the function snapshots published versions, one version is published and the live alias points at it
    assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    (version_id, version) = snap_started.only("AWS::Lambda::Version")
    function_id = snap_started.logical_id(snap_started.stack.inference.function)
    assert version["Properties"]["FunctionName"] == {"Ref": function_id}
    (alias_id, alias) = snap_started.only("AWS::Lambda::Alias")
    assert alias["Properties"]["Name"] == LIVE_ALIAS
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    # And every API route invokes the alias, which API Gateway may invoke
    targets = _invoked_functions(snap_started)
    assert targets and all(f"${{{alias_id}}}/invocations" in uri for uri in targets)
    stream_function = {"Fn::GetAtt": [snap_started.logical_id(snap_started.stack.inference.stream_function), "Arn"]}
    permissions = snap_started.resources("AWS::Lambda::Permission").values()
    assert {json.dumps(p["Properties"]["FunctionName"]) for p in permissions} == {
        json.dumps({"Ref": alias_id}),
        json.dumps(stream_function),
    }
    # And the rest of the function is unchanged: Python 3.12+ (SnapStart needs it), active tracing
    assert props["Runtime"] == f"python{snap_started.config.function.python_version}"
    assert props["TracingConfig"] == {"Mode": "Active"}
