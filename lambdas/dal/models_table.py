"""Saved models in DynamoDB: one item per model id, optimistic locking on ``version``.

Item: ``id`` (S, key), ``version`` (N), ``config`` (S, canonical JSON), ``base_model_id`` (S, optional),
``created_at``/``created_by``/``updated_at``/``updated_by`` (S). Every write is conditional, so of N
concurrent writers holding the same version exactly one succeeds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.errors import VersionConflictError
from lambdas.domain.models import ModelWrite, StoredModel

MAX_SAVED_MODELS = 1000


def _item_to_model(item: dict[str, Any]) -> StoredModel:
    return StoredModel(
        id=item["id"]["S"],
        version=int(item["version"]["N"]),
        config=json.loads(item["config"]["S"]),
        base_model_id=item.get("base_model_id", {}).get("S"),
        created_at=item.get("created_at", {}).get("S", ""),
        created_by=item.get("created_by", {}).get("S", ""),
        updated_at=item.get("updated_at", {}).get("S", ""),
        updated_by=item.get("updated_by", {}).get("S", ""),
    )


def _is_condition_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class ModelsTable:
    """The ``ModelStore`` of the deployed API."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, model_id: str) -> StoredModel | None:
        response = self._client.get_item(TableName=self._table, Key={"id": {"S": model_id}}, ConsistentRead=True)
        item = response.get("Item")
        return _item_to_model(item) if item else None

    def scan(self) -> Iterator[StoredModel]:
        kwargs: dict[str, Any] = {"TableName": self._table, "ConsistentRead": True}
        seen = 0
        while True:
            response = self._client.scan(**kwargs)
            for item in response.get("Items", []):
                seen += 1
                if seen > MAX_SAVED_MODELS:
                    return
                yield _item_to_model(item)
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def put(self, write: ModelWrite, *, expected_version: int) -> StoredModel:
        """Create (``expected_version`` 0) or replace the version the caller read, else ``VersionConflictError``."""
        document = json.dumps(write.config, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        values: dict[str, Any] = {
            ":version": {"N": str(expected_version + 1)},
            ":config": {"S": document},
            ":now": {"S": write.now},
            ":actor": {"S": write.actor},
        }
        assignments = "version = :version, config = :config, updated_at = :now, updated_by = :actor"
        assignments += ", created_at = if_not_exists(created_at, :now), created_by = if_not_exists(created_by, :actor)"
        if write.base_model_id:
            values[":base"] = {"S": write.base_model_id}
            update = f"SET {assignments}, base_model_id = :base"
        else:
            update = f"SET {assignments} REMOVE base_model_id"
        if expected_version == 0:
            condition = "attribute_not_exists(id)"
        else:
            condition = "version = :expected"
            values[":expected"] = {"N": str(expected_version)}
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": write.model_id}},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if _is_condition_failure(exc):
                current = self.get(write.model_id)
                raise VersionConflictError(write.model_id, current.version if current else None) from None
            raise
        return _item_to_model(response["Attributes"])

    def delete(self, model_id: str, expected_version: int) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"id": {"S": model_id}},
                ConditionExpression="version = :expected",
                ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
            )
        except ClientError as exc:
            if _is_condition_failure(exc):
                current = self.get(model_id)
                raise VersionConflictError(model_id, current.version if current else None) from None
            raise
