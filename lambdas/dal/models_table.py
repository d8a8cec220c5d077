"""Saved models in DynamoDB: the current version of each model, and every version it ever had.

Models table item: ``id`` (S, key), ``version`` (N), ``config`` (S, canonical JSON), ``base_model_id`` (S,
optional), ``created_at``/``created_by``/``updated_at``/``updated_by`` (S). Versions table item: ``id`` (S,
partition key), ``version`` (N, sort key), ``config``, ``base_model_id``, ``saved_at``, ``saved_by``,
``restored_from`` (N, optional).

A save is one transaction: the model's item, conditional on the version the writer read, and its new version's
item, conditional on not existing. Of N concurrent writers holding the same version exactly one succeeds, and the
history can never miss a version the model had or hold one it never had. A delete removes the model's item and
keeps its history.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.errors import VersionConflictError
from lambdas.domain.models import ModelVersion, ModelWrite, StoredModel

MAX_SAVED_MODELS = 1000
MAX_VERSIONS_LISTED = 1000


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


def _item_to_version(item: dict[str, Any]) -> ModelVersion:
    restored = item.get("restored_from", {}).get("N")
    return ModelVersion(
        id=item["id"]["S"],
        version=int(item["version"]["N"]),
        config=json.loads(item["config"]["S"]),
        base_model_id=item.get("base_model_id", {}).get("S"),
        saved_at=item.get("saved_at", {}).get("S", ""),
        saved_by=item.get("saved_by", {}).get("S", ""),
        restored_from=int(restored) if restored is not None else None,
    )


def _is_condition_failure(exc: ClientError) -> bool:
    error = exc.response.get("Error", {}).get("Code")
    if error == "TransactionCanceledException":
        reasons = exc.response.get("CancellationReasons") or []
        return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)
    return error == "ConditionalCheckFailedException"


class ModelsTable:
    """The ``ModelStore`` of the deployed API."""

    def __init__(self, client: Any, table_name: str, versions_table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._versions = versions_table_name

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
        """Create (``expected_version`` 0) or replace the version the caller read, else ``VersionConflictError``.

        A model created again under the id of a deleted one continues its numbering after the history it kept."""
        model_id = write.model_id
        document = json.dumps(write.config, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        version = str((expected_version or self._last_kept(model_id)) + 1)
        values: dict[str, Any] = {
            ":version": {"N": version},
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
        history: dict[str, Any] = {
            "id": {"S": model_id},
            "version": {"N": version},
            "config": {"S": document},
            "saved_at": {"S": write.now},
            "saved_by": {"S": write.actor},
        }
        if write.base_model_id:
            history["base_model_id"] = {"S": write.base_model_id}
        if write.restored_from is not None:
            history["restored_from"] = {"N": str(write.restored_from)}
        head = {
            "TableName": self._table,
            "Key": {"id": {"S": model_id}},
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        kept = {"TableName": self._versions, "Item": history, "ConditionExpression": "attribute_not_exists(id)"}
        try:
            self._client.transact_write_items(TransactItems=[{"Update": head}, {"Put": kept}])
        except ClientError as exc:
            if _is_condition_failure(exc):
                current = self.get(model_id)
                raise VersionConflictError(model_id, current.version if current else None) from None
            raise
        stored = self.get(model_id)
        assert stored is not None  # noqa: S101 - just written, read consistently
        return stored

    def _last_kept(self, model_id: str) -> int:
        """The highest version in the model's history (0 when it has none)."""
        response = self._client.query(
            TableName=self._versions,
            KeyConditionExpression="id = :id",
            ExpressionAttributeValues={":id": {"S": model_id}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
            ProjectionExpression="version",
        )
        items = response.get("Items", [])
        return int(items[0]["version"]["N"]) if items else 0

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

    def versions(self, model_id: str) -> list[ModelVersion]:
        kwargs: dict[str, Any] = {
            "TableName": self._versions,
            "KeyConditionExpression": "id = :id",
            "ExpressionAttributeValues": {":id": {"S": model_id}},
            "ScanIndexForward": False,
            "ConsistentRead": True,
        }
        found: list[ModelVersion] = []
        while len(found) < MAX_VERSIONS_LISTED:
            response = self._client.query(**kwargs)
            found.extend(_item_to_version(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found[:MAX_VERSIONS_LISTED]

    def version(self, model_id: str, version: int) -> ModelVersion | None:
        response = self._client.get_item(
            TableName=self._versions,
            Key={"id": {"S": model_id}, "version": {"N": str(version)}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _item_to_version(item) if item else None
