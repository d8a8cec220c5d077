"""Several resolvers in one process (the local server's container pool) must never mix up their requests.

Powertools keeps the event being resolved on a class attribute (``BaseRouter.current_event``), shared by
every resolver of the process. ``lambdas.handler.handle`` is what the local server calls from its request
threads; one caller's identity or body must never be read while another caller's request is routed.
A tiny thread switch interval makes the interleavings that would expose such a mix-up frequent.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lambdas.app import create_app
from lambdas.handler import handle
from tests.events import admin_claims, model_event, rest_event, user_claims
from tests.fakes.api import ApiHarness, FakeLambdaContext, Reply, reply_of
from tests.unit.api.scenarios import PROMPT, save_body

THREADS = 6
ROUNDS = 15


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def request_of(thread: int, round_: int) -> dict[str, Any]:
    """Even threads: an admin saving their own model; odd threads: a plain user sending an override."""
    if thread % 2 == 0:
        model_id = f"model-{thread}-{round_}"
        return model_event("PUT", model_id, claims=admin_claims(), body=save_body(model_id=model_id))
    body = {"prompt": PROMPT, "override": {"model_kwargs": {"thread": thread}}}
    return rest_event("POST", "/invoke", claims=user_claims(), body=body)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_concurrent_requests_through_separate_resolvers_keep_their_own_event(
    make_api: Callable[..., ApiHarness],
) -> None:
    # Given one resolver per "container", sharing one object graph, as the local server's pool does
    api = make_api()
    apps = [create_app(api.services) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    # When admins and plain users send requests at the same moments, round after round
    def send(thread: int) -> list[Reply]:
        replies = []
        for round_ in range(ROUNDS):
            barrier.wait(timeout=30)
            response = handle(request_of(thread, round_), FakeLambdaContext(), apps[thread], api.services)
            replies.append(reply_of(response))
        return replies

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(send, range(THREADS)))

    # Then every admin saved exactly the model named in their own path
    for thread in range(0, THREADS, 2):
        assert [(r.status, r.body.get("id")) for r in results[thread]] == [
            (200, f"model-{thread}-{round_}") for round_ in range(ROUNDS)
        ]
    # And every plain user's override was refused as theirs, and no model was called
    for thread in range(1, THREADS, 2):
        assert {(r.status, r.body.get("rule")) for r in results[thread]} == {(403, "admin_only")}
    assert api.clients.upstream_activity == 0
    denials = [r for r in api.audit() if r["outcome"] == "denied"]
    assert {r["actor"] for r in denials} == {"bob"}
    assert len(denials) == ROUNDS * (THREADS // 2)
    assert len(api.saved_models()) == ROUNDS * (THREADS // 2)
