"""The local HTTP server: what API Gateway, the Cognito authorizer, Lambda and CloudFront do when deployed.

It only routes and writes; each concern has its module:

- ``/api/...``: ``local.gateway`` (the authorizer, the proxy event, the buffered function's containers in
  ``local.containers``, the streaming function's processes in ``local.lambda_runtime``);
- ``/cognito``: ``local.cognito_proxy`` (the UI's sign-in, forwarded to moto);
- ``/config.json``: the runtime config the UI reads at start;
- everything else: ``local.static_files`` (the built UI).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local import cognito_proxy, static_files
from local.gateway import MAX_BODY, Gateway
from local.http_handler import Dispatching
from local.http_response import LocalResponse, json_response

logger = logging.getLogger("local.api")

API_PREFIX = "/api"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


@dataclass
class ServerConfig:
    static_dir: Path | None
    runtime_config: Callable[[str], dict[str, Any]]  # origin -> /config.json payload
    cognito_upstream: str  # moto's base URL


class LocalApiHandler(Dispatching):
    server_version = "model-studio-local"
    gateway: Gateway
    config: ServerConfig

    def dispatch(self) -> None:
        url = urlsplit(self.path)
        try:
            self._write(self._answer(url.path, url.query))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _answer(self, path: str, query: str) -> LocalResponse:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return json_response(413, {"message": "Request Too Long"})
        body = self.rfile.read(length) if length else b""
        headers = dict(self.headers.items())
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            return self.gateway.handle(
                method=self.command,
                path=path[len(API_PREFIX) :] or "/",
                query=query,
                headers=headers,
                body=body,
                source_ip=self.client_address[0],
            )
        if path == "/cognito" or path.startswith("/cognito/"):
            return cognito_proxy.forward(self.config.cognito_upstream, headers, body)
        if path == "/config.json":
            origin = f"http://{self.headers.get('Host') or '127.0.0.1'}"
            return json_response(200, self.config.runtime_config(origin), **{"Cache-Control": "no-store"})
        return static_files.serve(self.config.static_dir, path)

    def _write(self, response: LocalResponse) -> None:
        self.send_response(response.status)
        for name, value in {**SECURITY_HEADERS, **response.headers}.items():
            self.send_header(name, value)
        if isinstance(response.body, bytes):
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in response.body:
                if chunk:
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the caller hung up: the function learns at its next write
            if response.on_hang_up is not None:
                response.on_hang_up()
            raise


class _ApiHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default listen backlog of 5 resets connections under concurrent load


class LocalApiServer:
    """The HTTP server on its own thread."""

    def __init__(self, *, host: str, port: int, gateway: Gateway, config: ServerConfig) -> None:
        handler = type("BoundLocalApiHandler", (LocalApiHandler,), {"gateway": gateway, "config": config})
        self._gateway = gateway
        self._server = _ApiHttpServer((host, port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-api", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._gateway.close()
