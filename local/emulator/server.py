"""The loopback HTTP server: a threading HTTP/1.1 server around ``EmulatorApp``."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from local.emulator.app import EmulatorApp
from local.emulator.registry import Registry, load_registry
from local.emulator.service_errors import ServiceError
from local.emulator.state import EmulatorState
from local.emulator.wire import HttpRequest, HttpResponse, StreamAbort
from local.http_handler import Dispatching

logger = logging.getLogger(__name__)
IDLE_CONNECTION_TIMEOUT_S = 120.0


class _Handler(Dispatching):
    server_version = "model-emulator"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = IDLE_CONNECTION_TIMEOUT_S
    server: _HttpServer

    def version_string(self) -> str:
        return self.server_version

    def dispatch(self) -> None:
        body = self._read_body()
        request = HttpRequest.build(self.command, self.path, dict(self.headers.items()), body)
        try:
            response = self.server.app.handle(request)
        except Exception as error:  # a bug here must still answer like a service, not hang the client
            logger.exception("emulator failed on %s %s", self.command, self.path)
            response = ServiceError(
                500,
                "InternalFailure",
                {"message": f"emulator error: {type(error).__name__}: {error}"},
                namespace="emulator",
            ).to_response()
        self._send(response)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, response: HttpResponse) -> None:
        if response.delay_s > 0:
            time.sleep(response.delay_s)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.stream is None:
            self.send_header("Content-Length", str(response.declared_length or len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
            if response.abort:
                self._drop_connection()
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for item in response.stream:
            if isinstance(item, StreamAbort):
                self._drop_connection()
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(item), item))
        self.wfile.write(b"0\r\n\r\n")

    def _drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], app: EmulatorApp) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, _request: Any, client_address: Any) -> None:
        # A client that goes away mid-answer (timeouts, aborted streams) is routine, not a server error.
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class EmulatorServer:
    """The emulator on a loopback port, served from a background thread.

    ``EmulatorServer(registry=...).start()`` binds (``port=0`` picks a free port) and returns the
    server; ``.url`` is its base URL; ``.state`` gives direct access to faults and the request log.
    """

    def __init__(
        self,
        registry: Registry | dict[str, Any] | str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.state = EmulatorState(load_registry(registry))
        self._address = (host, port)
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> EmulatorServer:
        if self._httpd is not None:
            raise RuntimeError("the emulator is already running")
        self._httpd = _HttpServer(self._address, EmulatorApp(self.state))
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="model-emulator", daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the emulator is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        host = self._address[0]
        return f"http://{host if ':' not in host else f'[{host}]'}:{self.port}"

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self if self._httpd is not None else self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
