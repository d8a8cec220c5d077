"""The local servers' HTTP base (``local.http_handler.Dispatching``) answers a keep-alive caller without a stall."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from local.http_handler import Dispatching

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

REQUESTS = 20
DELAYED_ACK_S = 0.04  # Linux's delayed ACK on loopback: what each answer would wait with Nagle's algorithm on


class _TwoWrites(Dispatching):
    """Answers like the local API server: the status line and headers in one write, the body in another."""

    def dispatch(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server_url() -> Iterator[tuple[str, int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TwoWrites)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_back_to_back_requests_on_one_connection_never_wait_for_a_delayed_ack(server_url: tuple[str, int]) -> None:
    # Given one keep-alive connection to a server answering in two writes
    connection = http.client.HTTPConnection(*server_url, timeout=10)

    # When it sends requests one after the other, each after the previous answer
    started = time.perf_counter()
    bodies = []
    for _ in range(REQUESTS):
        connection.request("POST", "/invoke", body=b"{}", headers={"Content-Type": "application/json"})
        bodies.append(connection.getresponse().read())
    elapsed = time.perf_counter() - started
    connection.close()

    # Then every answer came whole, and all of them in less than half of what one delayed ACK per answer would cost
    assert bodies == [b'{"ok": true}'] * REQUESTS
    assert elapsed < REQUESTS * DELAYED_ACK_S / 2, f"{elapsed * 1000:.0f} ms for {REQUESTS} answers"
