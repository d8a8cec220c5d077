"""A cold start imports the handler without building the validators of its pydantic models (``defer_build``): a
model's validator is built on its first use, so a request pays only for the models it uses."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]

_PROBE = """
import json, sys
import pydantic
import lambdas.handler

def project_models():
    seen, stack = set(), [pydantic.BaseModel]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return [m for m in seen if m.__module__.startswith(("inference_engine", "lambdas"))]

models = project_models()
built = sorted(f"{m.__module__}.{m.__qualname__}" for m in models if m.__pydantic_complete__)
from inference_engine.catalogue import load_catalogue
load_catalogue()  # validates every catalogue adapter
from inference_engine.schema import ModelConfig
print(json.dumps({"models": len(models), "built_at_import": built, "built_on_use": ModelConfig.__pydantic_complete__}))
"""


def test_importing_the_handler_builds_no_model_validator_until_a_model_is_used() -> None:
    # Given a fresh interpreter with the function's code on its path
    environment = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "1", "PYTHONPATH": str(ROOT)}

    # When it imports the handler, then validates the catalogue
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE], env=environment, cwd=ROOT, capture_output=True, text=True, check=True
    )
    found = json.loads(completed.stdout.strip().splitlines()[-1])

    # Then none of the project's models was built at import (but the three small stream frames, whose JSON Schema the
    # streaming route declares for the OpenAPI document), and ModelConfig was built by its first validation
    assert found["models"] > 40
    assert set(found["built_at_import"]) <= {
        f"lambdas.api_models.Stream{kind}Data" for kind in ("Delta", "Reasoning", "Done")
    }
    assert found["built_on_use"] is True


_SETTINGS_PROBE = """
import json, sys
from inference_engine.settings import load_runtime_settings
settings = load_runtime_settings(sys.argv[1])
print(json.dumps({"models": [m.id for m in settings.models], "jinja2": "jinja2" in sys.modules}))
"""


def _settings_document(template: str) -> dict[str, object]:
    from inference_engine.catalogue import catalogue_json  # noqa: PLC0415

    model: dict[str, Any] = copy.deepcopy(catalogue_json("tgi"))
    model["prompt"]["template"] = template
    return {"policy": {"stage": "dev"}, "models": [model]}


def test_a_cold_start_reads_the_stage_settings_without_importing_jinja2(tmp_path: Path) -> None:
    # Given the function's settings file, written at synth, with a model whose chat template Jinja2 compiled then
    settings_file = tmp_path / "runtime_settings.json"
    settings_file.write_text(json.dumps(_settings_document("{{ messages[0]['content'] }}")), encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}

    # When a fresh interpreter loads it, as the function's init does
    completed = subprocess.run(
        [sys.executable, "-c", _SETTINGS_PROBE, str(settings_file)],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(completed.stdout.strip().splitlines()[-1])

    # Then the model is there and Jinja2 was not imported (the first call of that model compiles its template)
    assert found == {"models": ["tgi"], "jinja2": False}


def test_only_the_settings_file_skips_the_template_check_and_a_bad_template_still_fails_its_call(
    tmp_path: Path,
) -> None:
    from inference_engine.engine import prepare  # noqa: PLC0415
    from inference_engine.errors import ConfigValidationError, TemplateError  # noqa: PLC0415
    from inference_engine.messages import Conversation  # noqa: PLC0415
    from inference_engine.settings import load_runtime_settings, parse_runtime_settings  # noqa: PLC0415

    # Given settings whose chat template does not compile (an unclosed block)
    document = _settings_document("{% for message in messages %}{{ message['content'] }}")
    settings_file = tmp_path / "runtime_settings.json"
    settings_file.write_text(json.dumps(document), encoding="utf-8")

    # When they are parsed as any other document, they are refused at the template's path
    with pytest.raises(ConfigValidationError) as refused:
        parse_runtime_settings(document)
    assert [d.path for d in refused.value.details] == ["models[0].prompt.template"]

    # And the settings file loads, but preparing that model's call fails with the template error, naming the line
    model = load_runtime_settings(settings_file).models[0]
    with pytest.raises(TemplateError) as failed:
        prepare(model, Conversation.from_prompt("hi"))
    assert "line 1" in failed.value.message
