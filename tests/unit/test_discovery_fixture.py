"""The UI's discovery tests read answers recorded from the API's own code; they must not drift from it."""

import json
from pathlib import Path

from tests.fixtures.discovery_answers import answers

FIXTURE = Path(__file__).resolve().parents[2] / "frontend" / "src" / "test" / "fixtures" / "discovery.json"


def test_the_frontend_discovery_fixture_matches_what_discovery_answers() -> None:
    # Given what discovery answers today for the recorded targets
    # Then the copy the frontend tests use is identical (regenerate with `npm run discovery:fixture` in frontend/)
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == answers()
