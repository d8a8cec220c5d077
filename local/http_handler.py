"""The base of the local HTTP servers (the API and the model emulator): every method to one ``dispatch``, and the
standard library's request log at debug level instead of on stderr."""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler
from typing import Any

logger = logging.getLogger("local.http")


class Dispatching(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def dispatch(self) -> None:
        raise NotImplementedError

    def _any_method(self) -> None:
        self.dispatch()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _any_method  # noqa: N815 - http.server names
