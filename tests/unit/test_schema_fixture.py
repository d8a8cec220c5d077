"""The UI's unit tests validate forms against a committed copy of the ModelConfig JSON Schema; it must not drift."""

import json
from pathlib import Path

from inference_engine.schema import model_config_json_schema

FIXTURE = Path(__file__).resolve().parents[2] / "frontend" / "src" / "test" / "fixtures" / "model-config.schema.json"


def test_the_frontend_schema_fixture_matches_the_engine_schema() -> None:
    # Given the schema the API serves at GET /schema/model-config
    served = model_config_json_schema()
    # Then the copy the frontend tests use is identical (regenerate with `npm run schema:fixture` in frontend/)
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == served
