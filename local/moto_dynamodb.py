"""DynamoDB's per-request atomicity for moto's threaded server.

Real DynamoDB evaluates a condition expression and applies the write as one atomic step per item. moto
checks and writes in plain Python while its server handles each request on its own thread, so two
conditional ``UpdateItem`` calls holding the same version can both pass their check: the local stack
would accept a stale save that AWS refuses with ``ConditionalCheckFailedException``. Serializing moto's
DynamoDB requests gives back the guarantee the product relies on (the local stack's DynamoDB traffic is
small; nothing else waits on this lock).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler

_LOCK = threading.Lock()
_MARK = "_model_studio_serialized"


def serialize_requests() -> None:
    """Make every DynamoDB request to moto (in this process) run alone; calling it again changes nothing."""
    original = DynamoHandler.call_action
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def call_action(self: DynamoHandler) -> Any:
        with _LOCK:
            return original(self)

    setattr(call_action, _MARK, True)
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
