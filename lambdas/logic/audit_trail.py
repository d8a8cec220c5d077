"""Reading the audit trail (admins): the records, newest first, a page at a time."""

from __future__ import annotations

from lambdas.domain.audit import AuditFilter, AuditPage
from lambdas.domain.context import RequestContext
from lambdas.domain.ports import AuditStore


class AuditTrail:
    def __init__(self, store: AuditStore) -> None:
        self._store = store

    def recent(
        self, ctx: RequestContext, *, limit: int, next_token: str | None, where: AuditFilter | None = None
    ) -> AuditPage:
        """``next_token`` continues a listing with the same ``where``."""
        return self._store.recent(limit=limit, next_token=next_token, now=ctx.now, where=where)
