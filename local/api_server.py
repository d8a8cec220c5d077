"""The local API server: what API Gateway, the Cognito authorizer, Lambda and CloudFront do when deployed.

- ``/api/...``: verifies the Cognito ID token (as the user-pool authorizer does), builds the REST
  proxy event and runs the project's Lambda handler code; ``POST /api/invoke/stream`` goes to the streaming
  function's own processes (its Runtime API loop, ``local.lambda_runtime``) and is relayed chunk by chunk, as
  API Gateway relays a streamed Lambda proxy answer.
- ``/cognito``: forwards Cognito-IDP JSON calls to moto (the UI's sign-in talks to it).
- ``/config.json``: the runtime config the UI reads at start.
- everything else: the built UI (``frontend/dist``), with index.html as the SPA fallback.

Like Lambda, each emulated container serves one request at a time, in its own process, so concurrent requests
never share a resolver's per-request state.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import multiprocessing
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from inference_engine.credentials import ClientFactory
from lambdas.app import create_app
from lambdas.contract import routes
from lambdas.handler import handle
from lambdas.services import Services, build_services
from lambdas.settings import EnvSettings
from local.jwt_verifier import CognitoTokenVerifier, Rejection, gateway_claims
from local.lambda_runtime import FunctionContainers
from local.proxy_event import build_event

logger = logging.getLogger("local.api")

API_PREFIX = "/api"
GATEWAY_MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
# As API Gateway is built (lambdas.contract): methods without the authorizer, and methods that stream
PUBLIC_API_PATHS = frozenset(route.path for route in routes() if route.public)
STREAMED_ROUTES = frozenset((route.method, route.path) for route in routes() if route.streamed)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


@dataclass
class LocalContext:
    """The parts of a Lambda context the handler reads."""

    aws_request_id: str
    function_name: str = "model-studio-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:model-studio-local"
    log_group_name: str = "/aws/lambda/model-studio-local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


# --- emulated Lambda containers -------------------------------------------------------------------
# Lambda runs each container in its own process and gives it one request at a time. The resolver keeps
# per-request state in process-wide (class) attributes, so threads must not share it: buffered API calls
# run in worker processes, each building the object graph once, like a container's init phase.

_container: tuple[APIGatewayRestResolver, Services] | None = None


def _start_container() -> None:
    global _container  # noqa: PLW0603 - one object graph per worker process, as in a Lambda container
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the server stops us
    env = EnvSettings.from_environ()
    services = build_services(env, clients=ClientFactory(settings=env.client_settings()))
    _container = (create_app(services), services)


def _invoke_container(event: dict[str, Any]) -> dict[str, Any]:
    assert _container is not None  # noqa: S101 - set by the pool's initializer
    app, services = _container
    return handle(event, LocalContext(event["requestContext"]["requestId"]), app, services)


def _ready() -> int:
    """Busy for a moment, so that warming ``size`` of these at once reaches ``size`` different workers."""
    time.sleep(0.2)
    return os.getpid() if _container is not None else 0


class ContainerPool:
    """Worker processes that each serve one buffered API request at a time with the project's Lambda handler code,
    and the streaming function's processes (``streams``) for the streamed route."""

    def __init__(self, size: int, streams: FunctionContainers) -> None:
        self.streams = streams
        self._executor = ProcessPoolExecutor(
            max_workers=size, mp_context=multiprocessing.get_context("spawn"), initializer=_start_container
        )
        # Workers are spawned while SIGINT is ignored: an ignored signal stays ignored across exec, so a Ctrl-C
        # that reaches the whole process group never interrupts a worker, even one still importing.
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
        try:
            warming = [self._executor.submit(_ready) for _ in range(size)]  # every container up front, like init
            pids = {future.result(timeout=120) for future in warming}
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)
        if 0 in pids:
            raise RuntimeError("an emulated Lambda container did not initialise")

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._executor.submit(_invoke_container, event).result()
        except BrokenProcessPool:
            logger.exception("an emulated Lambda container died")
            return {
                "statusCode": 502,
                "headers": {"Content-Type": "application/json"},
                "body": '{"message": "Internal server error"}',
            }

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.streams.close()


@dataclass
class ServerConfig:
    stage: str
    static_dir: Path | None
    runtime_config: Callable[[str], dict[str, Any]]  # origin -> /config.json payload
    cognito_upstream: str  # moto's base URL


class LocalApiHandler(BaseHTTPRequestHandler):
    server_version = "model-studio-local"
    protocol_version = "HTTP/1.1"
    pool: ContainerPool
    verifier: CognitoTokenVerifier
    config: ServerConfig

    # --- plumbing ---------------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def _origin(self) -> str:
        return f"http://{self.headers.get('Host') or '127.0.0.1'}"

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > GATEWAY_MAX_BODY:
            self._send_json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": "Request Too Long"})
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in {**SECURITY_HEADERS, **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, {"Content-Type": "application/json"}, json.dumps(payload).encode())

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        try:
            if url.path == API_PREFIX or url.path.startswith(API_PREFIX + "/"):
                self._api(url.path[len(API_PREFIX) :] or "/", url.query)
            elif url.path == "/cognito" or url.path.startswith("/cognito/"):
                self._cognito()
            elif url.path == "/config.json":
                self._send(
                    200,
                    {"Content-Type": "application/json", "Cache-Control": "no-store"},
                    json.dumps(self.config.runtime_config(self._origin())).encode(),
                )
            else:
                self._static(url.path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # --- API Gateway + Lambda ---------------------------------------------------------------------

    def _api(self, path: str, query: str) -> None:
        body = self._read_body()
        if body is None:
            return
        headers = dict(self.headers.items())
        claims: dict[str, str] | None = None
        if self.command != "OPTIONS" and path not in PUBLIC_API_PATHS:
            try:
                claims = gateway_claims(self.verifier.claims(self.headers.get("Authorization")))
            except Rejection as rejection:
                self._send_json(rejection.status, {"message": rejection.message})
                return
        event = build_event(
            method=self.command,
            path=path,
            query=query,
            headers=headers,
            body=body,
            stage=self.config.stage,
            claims=claims,
            source_ip=self.client_address[0],
        )
        if (self.command, path) in STREAMED_ROUTES:
            self._stream(event)
            return
        result = self.pool.invoke(event)
        response_headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            response_headers[name] = ", ".join(values)
        payload = result.get("body") or ""
        self._send(
            int(result["statusCode"]), response_headers, payload.encode() if isinstance(payload, str) else payload
        )

    def _stream(self, event: dict[str, Any]) -> None:
        invocation = self.pool.streams.invoke(event)
        status, headers, body = invocation.http_response()
        self.send_response(status)
        for name, value in {**SECURITY_HEADERS, **headers}.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in body:
                if chunk:
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the caller hung up: the function learns at its next write
            invocation.abort()
            raise

    # --- Cognito (moto) ---------------------------------------------------------------------------

    def _cognito(self) -> None:
        body = self._read_body()
        if body is None:
            return
        target = self.headers.get("X-Amz-Target") or ""
        if target.endswith(".RevokeToken"):
            # moto does not implement RevokeToken (sign-out); Cognito answers an empty 200 for a valid request.
            self._send(200, {"Content-Type": "application/x-amz-json-1.1"}, b"{}")
            return
        forwarded = {
            k: v for k, v in self.headers.items() if k.lower() in {"content-type", "x-amz-target", "x-amz-user-agent"}
        }
        request = urllib.request.Request(
            self.config.cognito_upstream + "/", data=body, headers=forwarded, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as upstream:
                status, content, content_type = upstream.status, upstream.read(), upstream.headers.get("Content-Type")
        except urllib.error.HTTPError as error:
            status, content, content_type = error.code, error.read(), error.headers.get("Content-Type")
        self._send(status, {"Content-Type": content_type or "application/x-amz-json-1.1"}, content)

    # --- the built UI -----------------------------------------------------------------------------

    def _static(self, path: str) -> None:
        root = self.config.static_dir
        if root is None or not (root / "index.html").is_file():
            self._send(503, {"Content-Type": "text/plain"}, b"The UI is not built: run `make frontend-build`.")
            return
        candidate = (root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
            candidate = root / "index.html"  # SPA fallback (and no path traversal)
        content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        cache = "no-cache" if candidate.name == "index.html" else "public, max-age=31536000, immutable"
        self._send(200, {"Content-Type": content_type, "Cache-Control": cache}, candidate.read_bytes())


class _ApiHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default listen backlog of 5 resets connections under concurrent load


class LocalApiServer:
    """The HTTP server on its own thread."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        pool: ContainerPool,
        verifier: CognitoTokenVerifier,
        config: ServerConfig,
    ) -> None:
        handler = type(
            "BoundLocalApiHandler", (LocalApiHandler,), {"pool": pool, "verifier": verifier, "config": config}
        )
        self._pool = pool
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
        self._pool.close()
