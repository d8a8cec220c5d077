"""Everything the emulator remembers between requests: registry, faults, rate buckets, request log."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from local.emulator.faults import FaultStore, RateLimiter
from local.emulator.registry import Registry
from local.emulator.request_log import LoggedRequest, RequestLog
from local.emulator.service_errors import ServiceError
from local.emulator.wire import HttpRequest, HttpResponse


class PromptCache:
    """Which cached prompt prefixes Converse has seen (a prefix is written on first use, read afterwards)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: set[str] = set()

    def seen(self, key: str) -> bool:
        """Whether ``key`` was cached before (and remember it now)."""
        with self._lock:
            hit = key in self._keys
            self._keys.add(key)
            return hit

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


class EmulatorState:
    def __init__(self, registry: Registry) -> None:
        self._lock = threading.Lock()
        self._registry = registry
        self.prompt_cache = PromptCache()
        self.faults = FaultStore()
        self.limiter = RateLimiter()
        self.log = RequestLog()
        self.started_at = time.time()

    @property
    def registry(self) -> Registry:
        return self._registry

    def replace_registry(self, registry: Registry) -> Registry:
        with self._lock:
            self._registry = registry
        self.limiter.reset()
        return registry

    def merge_registry(self, addition: Registry) -> Registry:
        with self._lock:
            self._registry = self._registry.merged(addition)
            return self._registry

    def reset(self) -> None:
        """Forget faults, rate-limit buckets, cached prompts and logged requests (the registry stays)."""
        self.faults.clear()
        self.prompt_cache.clear()
        self.limiter.reset()
        self.log.clear()

    def serve_logged(
        self,
        request: HttpRequest,
        *,
        service: str,
        operation: str,
        target: str,
        run: Callable[[LoggedRequest], HttpResponse],
    ) -> HttpResponse:
        """Log one data-plane request, run it, and record how it ended: its status, and the error code when it
        failed the way the real service fails."""
        logged = self.log.record(
            service=service,
            operation=operation,
            target=target,
            headers=request.headers,
            body=request.body,
            region=request.region,
            access_key_id=request.access_key_id,
        )
        try:
            response = run(logged)
        except ServiceError as error:
            logged.status, logged.error_code = error.status, error.code
            return error.to_response()
        logged.status = response.status
        return response
