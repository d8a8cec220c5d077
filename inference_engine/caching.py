"""The engine's two caches: a bounded LRU map, and per-object memos keyed on an object's identity.

Identity-keyed entries hold the object itself, so its ``id`` cannot be reused by another object while the entry
lives, and each hit is confirmed by ``is``: only for objects that are never changed in place (validated configs
and their templates).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class Lru(Generic[K, V]):
    """At most ``limit`` entries; the least recently used goes first. Not thread-safe: callers lock if needed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def recall(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def remember(self, key: K, value: V) -> V:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)
        return value


class IdentityMemo(Generic[T, V]):
    """``build(obj)`` once per object (by identity), for at most ``limit`` objects."""

    def __init__(self, build: Callable[[T], V], limit: int) -> None:
        self._build = build
        self._entries: Lru[int, tuple[T, V]] = Lru(limit)

    def __call__(self, obj: T) -> V:
        entry = self._entries.recall(id(obj))
        if entry is not None and entry[0] is obj:
            return entry[1]
        value = self._build(obj)
        self._entries.remember(id(obj), (obj, value))
        return value
