"""GET /audit: audit records, newest first, filtered and a page at a time (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import AfterValidator, StringConstraints

from inference_engine.schema import SLUG_PATTERN
from lambdas.api_models import AuditListResponse, AuditRecordBody, error_responses
from lambdas.domain.audit import Action, AuditFilter, Outcome
from lambdas.guard import admin_only, request_context
from lambdas.services import Services

# 2026-03-01, 2026-03-01T12:00, ... 2026-03-01T12:00:00.123Z: compared as text with the records' timestamps; the
# month is a real one (the listing walks the table month by month from it), the year from 1000
TIMESTAMP = (
    r"^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"(T([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d{1,3})?)?)?Z?)?$"
)


def _real_time(value: str) -> str:
    """The pattern gives the shape; a day or hour that does not exist (2026-02-30, T25, year 0) is a 400 too."""
    datetime.fromisoformat(value)  # raises ValueError: the validation error names the parameter
    return value


Timestamp = Annotated[str, StringConstraints(pattern=TIMESTAMP), AfterValidator(_real_time)]


def build_router(services: Services) -> Router:
    router = Router()

    @router.get(
        "/audit",
        summary="Audit records, newest first; every filter given must match",
        description="`next_token` continues a listing: send it with the same filters. `since` and `until` are "
        "UTC timestamps (a date, or a date and time), inclusive.",
        tags=["audit"],
        responses=error_responses(400, 401, 403),
    )
    @admin_only("read", "Reading the audit trail")
    def list_audit(
        *,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        next_token: Annotated[str | None, Query(max_length=2048)] = None,
        model_id: Annotated[str | None, Query(pattern=SLUG_PATTERN, max_length=64)] = None,
        actor: Annotated[
            str | None, Query(min_length=1, max_length=128, description="the username, matched exactly")
        ] = None,
        action: Annotated[Action | None, Query()] = None,
        outcome: Annotated[Outcome | None, Query()] = None,
        since: Annotated[Timestamp | None, Query()] = None,
        until: Annotated[Timestamp | None, Query()] = None,
    ) -> AuditListResponse:
        where = AuditFilter(
            model_id=model_id,
            actor=actor,
            action=action,
            outcome=outcome,
            since=since,
            until=_inclusive_end(until),
        )
        page = services.audit_trail.recent(request_context(router), limit=limit, next_token=next_token, where=where)
        records = [AuditRecordBody.model_validate(record.as_dict()) for record in page.records]
        return AuditListResponse(records=records, next_token=page.next_token)

    return router


def _inclusive_end(until: str | None) -> str | None:
    """``2026-03-01`` (or ``...T12:00``) until the end of that day (or minute): every timestamp it prefixes."""
    return until + "\uffff" if until and not until.endswith("Z") else until
