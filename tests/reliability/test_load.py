"""A short, bounded run of the load test (``python -m tests.reliability.load`` is the full one, with figures).

No timing is asserted (CI machines differ); what is asserted is the outcome of each phase: no error at any
concurrency on an unlimited endpoint, no error when paced below an endpoint's rate limit, and beyond the
limit only 429 ``throttled``, reached after the engine's bounded retries.
"""

from __future__ import annotations

import pytest

from inference_engine.credentials import ClientSettings
from tests.reliability import load
from tests.reliability.stack_client import StackClient

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

RATE_LIMIT = 20.0
MOST_ATTEMPTS = 1 + ClientSettings().max_attempts


@pytest.fixture(scope="module")
def models(admin: StackClient) -> None:
    load.prepare_models(admin, RATE_LIMIT)


@pytest.mark.parametrize("concurrency", [1, 4, 8])
def test_concurrent_invocations_of_an_unlimited_model_all_succeed(
    models: None, user: StackClient, concurrency: int
) -> None:
    (phase,) = load.capacity(user, [concurrency], requests_per_level=10 * concurrency)

    assert phase.statuses == {"200": 10 * concurrency}
    assert phase.model_calls == 10 * concurrency  # one model call per request: nothing was retried


def test_paced_below_the_throttle_nothing_fails_or_is_retried(
    models: None, user: StackClient, admin: StackClient
) -> None:
    load.set_rate_limit(admin, load.LIMITED_ENDPOINT, RATE_LIMIT)

    phase = load.below_throttle(user, RATE_LIMIT, requests=40)

    assert phase.statuses == {"200": 40}
    assert phase.model_calls == 40


def test_a_burst_beyond_the_throttle_fails_only_with_429(models: None, user: StackClient, admin: StackClient) -> None:
    phase = load.beyond_throttle(
        user, admin, rate_limit=RATE_LIMIT / 4, concurrency=8, requests=16, name="beyond the throttle, burst"
    )

    assert set(phase.statuses) <= {"200", "429 throttled"}, phase.statuses
    assert phase.model_calls >= phase.requests


def test_a_caller_beyond_the_throttle_gets_429_after_bounded_retries(
    models: None, user: StackClient, admin: StackClient
) -> None:
    # Given an endpoint that allows one request per 20 s (with a fresh bucket), and its one token spent
    admin.emulator("POST", "/_emulator/reset")
    load.set_rate_limit(admin, load.LIMITED_ENDPOINT, load.SEQUENTIAL_LIMIT)
    assert user.invoke({"model_id": load.LIMITED_MODEL[0], "prompt": "spend the token"}).status == 200
    calls_before = load.model_calls(admin, load.LIMITED_ENDPOINT)

    # When the next caller comes within the 20 s
    answer = user.invoke({"model_id": load.LIMITED_MODEL[0], "prompt": "over the limit"}, timeout=60)

    # Then it is told the model is throttling, after every allowed attempt and not one more
    assert (answer.status, answer.error) == (429, "throttled"), answer.text
    assert load.model_calls(admin, load.LIMITED_ENDPOINT) - calls_before == MOST_ATTEMPTS
