"""A cold start imports the handler without building the validators of its pydantic models (``defer_build``): a
model's validator is built on its first use, so a request pays only for the models it uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
