"""Schema-driven fuzzing of the whole HTTP API with schemathesis, as an admin and as a plain user.

Every operation of the live ``/openapi.json`` gets schema-valid (positive) and schema-violating (negative)
requests, sent to the running local stack with a real Cognito ID token. schemathesis checks each answer
against the document (status documented, content type, body schema, SSE frames, 4xx for invalid data,
401 without a token); on top of that: no stack trace in any body, no 5xx except an upstream failure of an
admin's own adapter (an override, or a model the fuzzer saved, pointing at an endpoint that does not exist),
and at least 1,000 requests in all.

(schemathesis' pytest plugin does not run under pytest 9, so each operation's strategy is driven by
Hypothesis directly: ``operation.as_strategy(generation_mode=...)``.)
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from lambdas.contract import routes
from local.inventory import runtime_settings_document
from tests.reliability.stack_client import StackClient, has_stack_trace
from tests.support.local_stack import RunningStack

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

OPERATIONS = [(route.method, route.path) for route in routes()]  # the committed contract (lambdas/openapi.json)
# A negative case needs something to break: a token, a parameter or a body (a public route with none has no such case).
FUZZED = [
    (route.method, route.path, mode)
    for route in routes()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or not route.public or route.json_body or route.query or route.path_parameters
]
EXAMPLES_PER_OPERATION = 60  # per role and mode: about 2,000 requests (a third are 401 probes), under a minute
# No shrinking: a failing negative case can carry a 10 MB body, and shrinking it holds every attempt in memory.
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
)
INVOKE_OPERATIONS = {("POST", "/invoke"), ("POST", "/invoke/stream")}
PREDEFINED = {None, *(model["id"] for model in runtime_settings_document()["models"])}
UPSTREAM_ERRORS = {"model_error", "bad_upstream_response", "upstream_error", "credentials_error", "upstream_timeout"}
CONFIG = {
    "output": {"sanitization": {"enabled": False}},
    "generation": {"allow-extra-parameters": False},
    "checks": {
        "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "502", "504"]},
        "negative_data_rejection": {
            "expected-statuses": ["400", "401", "403", "404", "405", "409", "413", "415", "422"]
        },
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "413", "429", "5xx"]
        },
    },
}


class Sent:
    """What the fuzzer sent, by role and status (module state: the last test reads it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: dict[tuple[str, int], int] = {}

    def add(self, role: str, status: int) -> None:
        with self._lock:
            self.counts[(role, status)] = self.counts.get((role, status), 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


SENT = Sent()


@pytest.fixture(scope="module")
def api_schema(reliability_stack: RunningStack) -> Any:
    config = schemathesis.Config.from_dict(CONFIG)
    return schemathesis.openapi.from_url(reliability_stack.api + "/openapi.json", config=config)


def test_every_documented_operation_is_fuzzed(api_schema: Any) -> None:
    documented = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path", "mode"), FUZZED)
@pytest.mark.parametrize("role", ["admin", "user"])
def test_operation(
    api_schema: Any, request: pytest.FixtureRequest, *, role: str, method: str, path: str, mode: GenerationMode
) -> None:
    client: StackClient = request.getfixturevalue(role)
    operation = api_schema[path][method]

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
        if header is not None and header.mode.is_negative:
            # a broken Authorization header: 401 (or 413 first, when API Gateway refuses a body over 10 MB)
            response = case.call_and_validate(base_url=client.stack.api)
            assert response.status_code in (401, 413), response.text
        else:
            response = case.call_and_validate(base_url=client.stack.api, headers=client.auth)
        SENT.add(role, response.status_code)
        assert not has_stack_trace(response.text)
        if response.status_code >= 500:
            # only an admin's adapter (an override, or a model the fuzzer saved) may point at a missing endpoint
            body = case.body if isinstance(case.body, dict) else {}
            assert (method, path) in INVOKE_OPERATIONS, response.text
            assert body.get("override") is not None or body.get("model_id") not in PREDEFINED, response.text
            assert response.status_code in (502, 504) and response.json()["error"] in UPSTREAM_ERRORS, response.text
        if "event-stream" in response.headers.get("Content-Type", ""):
            assert "internal_error" not in response.text

    run()


def test_fuzzing_sent_at_least_a_thousand_requests() -> None:
    if SENT.total == 0:
        pytest.skip("the fuzz tests were not selected")
    summary = {f"{role} {status}": count for (role, status), count in sorted(SENT.counts.items())}
    print(f"\nfuzzing: {SENT.total} requests {summary}")
    assert SENT.total >= 1000, summary
    assert {role for role, _ in SENT.counts} == {"admin", "user"}
