"""Audit records in DynamoDB, newest first, expiring by TTL.

Key: ``pk`` = ``AUDIT#<yyyy-mm>`` (one partition per month: admin actions are few), ``sk`` =
``<iso timestamp>#<id>``. ``expires_at`` (epoch seconds) is the table's TTL attribute. Listing walks
months backwards; the page token carries the month and DynamoDB's last evaluated key.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta
from typing import Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from inference_engine.errors import ConfigValidationError, ErrorDetail
from lambdas.domain.audit import Action, AuditFilter, AuditPage, AuditRecord, Outcome
from lambdas.domain.errors import AuditUnavailableError

MONTHS_SEARCHED = 13
MAX_QUERIES = 24  # DynamoDB reads per page of records
MAX_PAGE = 200  # items read per query when a filter drops some


def _month(timestamp: str) -> str:
    return timestamp[:7]


def _previous_month(month: str) -> str:
    first = datetime.strptime(month + "-01", "%Y-%m-%d")
    return (first - timedelta(days=1)).strftime("%Y-%m")


def _months_back(month: str, count: int) -> str:
    for _ in range(count):
        month = _previous_month(month)
    return month


def _s(value: str | None) -> dict[str, str] | None:
    return {"S": value} if value else None


class AuditTable:
    """The ``AuditStore`` of the deployed API."""

    def __init__(self, client: Any, table_name: str, *, ttl_days: int) -> None:
        self._client = client
        self._table = table_name
        self._ttl_s = ttl_days * 86400

    def _item(self, record: AuditRecord) -> dict[str, Any]:
        epoch = int(datetime.fromisoformat(record.timestamp.replace("Z", "+00:00")).timestamp())
        attributes: dict[str, Any] = {
            "pk": {"S": f"AUDIT#{_month(record.timestamp)}"},
            "sk": {"S": f"{record.timestamp}#{record.id}"},
            "id": {"S": record.id},
            "timestamp": {"S": record.timestamp},
            "actor": {"S": record.actor},
            "actor_sub": {"S": record.actor_sub},
            "action": {"S": record.action},
            "outcome": {"S": record.outcome},
            "request_id": {"S": record.request_id},
            "patch": {"S": json.dumps(record.patch, ensure_ascii=False)},
            "expires_at": {"N": str(epoch + self._ttl_s)},
        }
        for name in ("model_id", "base_model_id", "role_arn", "rule", "error"):
            value = _s(getattr(record, name))
            if value:
                attributes[name] = value
        for name in ("version", "restored_from"):
            number = getattr(record, name)
            if number is not None:
                attributes[name] = {"N": str(number)}
        return attributes

    def put(self, record: AuditRecord) -> None:
        try:
            self._client.put_item(TableName=self._table, Item=self._item(record))
        except (ClientError, BotoCoreError) as exc:
            raise AuditUnavailableError(f"The audit record could not be written ({type(exc).__name__}).") from None

    def update_outcome(self, record: AuditRecord) -> None:
        self.put(record)  # same key: the record is replaced with its final outcome

    def recent(self, *, limit: int, next_token: str | None, now: str, where: AuditFilter | None = None) -> AuditPage:
        """Newest first, month by month (back to ``where.since``, else 13 months); ``where``'s fields are a key
        range on the timestamps and a filter on the rest. A page holds up to ``limit`` records, and ends early
        (with a token) after ``MAX_QUERIES`` reads, so a rare match never makes one request read the whole table."""
        where = where or AuditFilter()
        month, start_key = _month(min(now, where.until) if where.until else now), None
        if next_token:
            month, start_key = self._decode(next_token)
        oldest = _month(where.since) if where.since else _months_back(_month(now), MONTHS_SEARCHED - 1)
        records: list[AuditRecord] = []
        for _ in range(MAX_QUERIES):
            kwargs = self._query(month, where, limit - len(records))
            if start_key:
                kwargs["ExclusiveStartKey"] = start_key
            response = self._client.query(**kwargs)
            records.extend(self._record(item) for item in response.get("Items", []))
            start_key = response.get("LastEvaluatedKey")
            if not start_key:
                if month <= oldest:
                    return AuditPage(records, None)
                month = _previous_month(month)
            if len(records) >= limit:
                break
        return AuditPage(records, self._encode(month, start_key))

    def _query(self, month: str, where: AuditFilter, limit: int) -> dict[str, Any]:
        values: dict[str, Any] = {":pk": {"S": f"AUDIT#{month}"}}
        key = "pk = :pk"
        if where.since or where.until:
            values[":lo"] = {"S": where.since or month}
            values[":hi"] = {"S": (where.until or "9999") + "#~"}  # every id after the last timestamp
            key += " AND sk BETWEEN :lo AND :hi"
        names: dict[str, str] = {}
        conditions = []
        for name, value in (
            ("model_id", where.model_id),
            ("actor", where.actor),
            ("action", where.action),
            ("outcome", where.outcome),
        ):
            if value is not None:
                names[f"#{name}"] = name
                values[f":{name}"] = {"S": value}
                conditions.append(f"#{name} = :{name}")
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": key,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            # with a filter, DynamoDB applies Limit before filtering: read a full page and cut it here
            "Limit": MAX_PAGE if conditions else limit,
        }
        if conditions:
            kwargs["FilterExpression"] = " AND ".join(conditions)
            kwargs["ExpressionAttributeNames"] = names
        return kwargs

    @staticmethod
    def _record(item: dict[str, Any]) -> AuditRecord:
        def text(name: str) -> str | None:
            value = item.get(name, {}).get("S")
            return str(value) if value is not None else None

        def number(name: str) -> int | None:
            value = item.get(name, {}).get("N")
            return int(value) if value is not None else None

        return AuditRecord(
            id=text("id") or "",
            timestamp=text("timestamp") or "",
            actor=text("actor") or "",
            actor_sub=text("actor_sub") or "",
            action=cast(Action, text("action")),
            model_id=text("model_id"),
            base_model_id=text("base_model_id"),
            patch=json.loads(text("patch") or "null"),
            role_arn=text("role_arn"),
            outcome=cast(Outcome, text("outcome")),
            rule=text("rule"),
            error=text("error"),
            request_id=text("request_id") or "",
            version=number("version"),
            restored_from=number("restored_from"),
        )

    @staticmethod
    def _encode(month: str, key: dict[str, Any] | None) -> str:
        return base64.urlsafe_b64encode(json.dumps({"m": month, "k": key}).encode()).decode()

    @staticmethod
    def _decode(token: str) -> tuple[str, dict[str, Any] | None]:
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode()))
            month, key = data["m"], data["k"]
            datetime.strptime(month, "%Y-%m")
        except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
            raise ConfigValidationError(
                "The next_token is not valid.",
                details=[ErrorDetail("next_token", "not a token from this API", "value_error")],
            ) from None
        expected_pk = {"S": f"AUDIT#{month}"}
        if key is not None and not (
            isinstance(key, dict)
            and set(key) == {"pk", "sk"}
            and key["pk"] == expected_pk
            and isinstance(key["sk"], dict)
            and isinstance(key["sk"].get("S"), str)
        ):
            raise ConfigValidationError(
                "The next_token is not valid.",
                details=[ErrorDetail("next_token", "not a token from this API", "value_error")],
            )
        return month, key
