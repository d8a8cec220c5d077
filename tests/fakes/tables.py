"""The two DynamoDB tables the API uses, created in moto with the deployed key schema, and read back raw."""

from __future__ import annotations

import json
from typing import Any

from local import aws_seed

MODELS_TABLE = "model-studio-models"
VERSIONS_TABLE = "model-studio-model-versions"
AUDIT_TABLE = "model-studio-audit"
REGION = "us-east-1"


def create_tables(dynamodb: Any, *, models_table: str = MODELS_TABLE, audit_table: str = AUDIT_TABLE) -> None:
    """The deployed key schema, created by the same code that seeds the local stack."""
    aws_seed.create_tables(dynamodb, models_table=models_table, audit_table=audit_table, versions_table=VERSIONS_TABLE)


def _plain(value: dict[str, Any]) -> Any:
    ((kind, raw),) = value.items()
    if kind == "N":
        return int(raw)
    if kind == "BOOL":
        return bool(raw)
    return raw


def scan_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every item of ``table`` as plain Python values (strings and ints), unordered."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        response = dynamodb.scan(**kwargs)
        items.extend({name: _plain(value) for name, value in item.items()} for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return items
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def audit_items(dynamodb: Any, table: str = AUDIT_TABLE) -> list[dict[str, Any]]:
    """The stored audit records, oldest first, with ``patch`` decoded from its JSON text."""
    items = sorted(scan_items(dynamodb, table), key=lambda item: item["sk"])
    for item in items:
        item["patch"] = json.loads(item["patch"])
    return items
