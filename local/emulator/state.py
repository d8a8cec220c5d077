"""Everything the emulator remembers between requests: registry, faults, rate buckets, request log."""

from __future__ import annotations

import threading
import time

from local.emulator.faults import FaultStore, RateLimiter
from local.emulator.registry import Registry
from local.emulator.request_log import RequestLog


class EmulatorState:
    def __init__(self, registry: Registry) -> None:
        self._lock = threading.Lock()
        self._registry = registry
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
        """Forget faults, rate-limit buckets and logged requests (the registry stays)."""
        self.faults.clear()
        self.limiter.reset()
        self.log.clear()
