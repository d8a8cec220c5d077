"""The local stack's moto answers concurrent conditional writes as DynamoDB does: one at a time per request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.responses import DynamoHandler
from moto.server import ThreadedMotoServer

from local.moto_dynamodb import serialize_requests
from tests.support.ports import free_port

pytestmark = pytest.mark.integration

THREADS = 6


class Overlap:
    """Counts how many UpdateItem requests moto is handling at the same moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = self.most = 0

    def wrap(self, update_item: Any) -> Any:
        def slow_update_item(handler: DynamoHandler) -> Any:
            with self._lock:
                self.running += 1
                self.most = max(self.most, self.running)
            try:
                time.sleep(0.05)  # long enough for every other thread to arrive
                return update_item(handler)
            finally:
                with self._lock:
                    self.running -= 1

        return slow_update_item


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Overlap]]:
    serialize_requests()
    serialize_requests()  # a second call (a second stack in one process) must not nest the lock
    overlap = Overlap()
    monkeypatch.setattr(DynamoHandler, "update_item", overlap.wrap(DynamoHandler.update_item))
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        ddb = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        ddb.create_table(
            TableName="contended",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.put_item(TableName="contended", Item={"id": {"S": "m"}, "version": {"N": "1"}})
        yield ddb, overlap
    finally:
        server.stop()


def test_conditional_writes_holding_the_same_version_one_wins(table: tuple[Any, Overlap]) -> None:
    ddb, overlap = table
    start = threading.Barrier(THREADS)

    def bump(writer: int) -> str:
        start.wait(timeout=10)
        try:
            ddb.update_item(
                TableName="contended",
                Key={"id": {"S": "m"}},
                UpdateExpression="SET version = :next, writer = :writer",
                ConditionExpression="version = :read",
                ExpressionAttributeValues={":read": {"N": "1"}, ":next": {"N": "2"}, ":writer": {"N": str(writer)}},
            )
            return "accepted"
        except ClientError as error:
            return error.response["Error"]["Code"]

    # When several writers that all read version 1 write at the same moment
    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(bump, range(THREADS)))

    # Then moto handled them one after the other, as DynamoDB's per-item atomicity would
    assert overlap.most == 1
    # And exactly one was accepted, every other one refused by its condition
    assert sorted(outcomes) == ["ConditionalCheckFailedException"] * (THREADS - 1) + ["accepted"]
    item = ddb.get_item(TableName="contended", Key={"id": {"S": "m"}})["Item"]
    assert item["version"] == {"N": "2"}
    assert outcomes[int(item["writer"]["N"])] == "accepted"
