"""API integration tests: the API's DynamoDB tables live in a moto server on a free loopback port.

Each test starts from an empty server (moto's reset API). Concurrent Lambda containers are worker
processes (``tests.fakes.containers``): Powertools keeps the event being resolved in process-wide state,
so only separate processes model separate containers faithfully.

moto's DynamoDB is not atomic under concurrent requests: two ``UpdateItem`` calls with the same
``ConditionExpression`` can both pass their check (seen here with 16 writers, about once in a hundred
rounds). DynamoDB serializes writes to an item, so the server here handles one request at a time while
its clients still race over separate connections; the tests then see DynamoDB's semantics, not moto's race.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from tests.fakes.api import ApiHarness
from tests.fakes.clients import RecordingClientFactory
from tests.fakes.containers import FLEET_SIZE, ContainerFleet


class OneRequestAtATime:
    """WSGI middleware: moto's backends run one request at a time (connections are still concurrent)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def moto(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty moto server and fake credentials for it."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    return moto_url


@pytest.fixture
def container(moto: str) -> Callable[..., ApiHarness]:
    """``container(stage="dev")``: a container in this process over the moto server (creates the tables)."""

    def build(**kwargs: Any) -> ApiHarness:
        clients = RecordingClientFactory(dynamodb_endpoint_url=moto)
        return ApiHarness.build(clients=clients, storage="dynamodb", **kwargs)

    return build


@pytest.fixture(scope="session")
def fleet(moto_url: str) -> Iterator[ContainerFleet]:
    """FLEET_SIZE warm containers, one process each, over the moto server (tests create the tables first)."""
    with ContainerFleet(FLEET_SIZE, dynamodb_url=moto_url) as containers:
        yield containers
