"""The DynamoDB adapters (``lambdas.dal``) on moto, against the contracts of ``lambdas.domain.ports``; the same
scenarios run on the in-memory stores the API unit tests use, so the two cannot disagree."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest

from inference_engine.errors import ConfigValidationError
from inference_engine.policy import Caller
from lambdas.dal.audit_table import AuditTable
from lambdas.dal.models_table import ModelsTable
from lambdas.domain.audit import AuditRecord
from lambdas.domain.context import RequestContext
from lambdas.domain.errors import VersionConflictError
from lambdas.domain.models import ModelWrite
from lambdas.domain.ports import AuditStore, ModelStore
from tests.fakes.clients import shared_session
from tests.fakes.stores import InMemoryAuditStore, InMemoryModelStore
from tests.fakes.tables import AUDIT_TABLE, MODELS_TABLE, audit_items, create_tables

pytestmark = pytest.mark.integration

NOW = "2026-03-01T12:00:00.123Z"
CONFIG = {"schema_version": 1, "id": "team-model", "name": "Team model", "provider": {"type": "bedrock"}}


@pytest.fixture
def dynamodb(aws: None) -> Any:
    client = shared_session().client("dynamodb", region_name="us-east-1")
    create_tables(client)
    return client


@pytest.fixture(params=["dynamodb", "memory"])
def model_store(request: pytest.FixtureRequest) -> ModelStore:
    if request.param == "memory":
        return InMemoryModelStore()
    return ModelsTable(request.getfixturevalue("dynamodb"), MODELS_TABLE)


@pytest.fixture(params=["dynamodb", "memory"])
def audit_store(request: pytest.FixtureRequest) -> AuditStore:
    if request.param == "memory":
        return InMemoryAuditStore()
    return AuditTable(request.getfixturevalue("dynamodb"), AUDIT_TABLE, ttl_days=30)


def put(store: ModelStore, version: int, **changes: Any) -> Any:
    write = ModelWrite("team-model", {**CONFIG, **changes}, base_model_id="claude-3-haiku", actor="ada", now=NOW)
    return store.put(write, expected_version=version)


def record_at(timestamp: str, **changes: Any) -> AuditRecord:
    ctx = RequestContext(Caller("ada", "sub-1", frozenset({"Administrators"})), "req-1", timestamp)
    return replace(AuditRecord.of(ctx, action="invoke", outcome="allowed", model_id="m", patch={"a": 1}), **changes)


# --- models ------------------------------------------------------------------------------------------------------


def test_a_model_is_created_replaced_at_the_version_read_and_deleted(model_store: ModelStore) -> None:
    # When a model is created, then replaced by someone who read version 1
    created = put(model_store, 0)
    replaced = put(model_store, 1, name="Renamed")

    # Then each write moved the version on and kept who created it
    assert (created.version, replaced.version) == (1, 2)
    assert replaced.config["name"] == "Renamed"
    assert (replaced.created_by, replaced.updated_by, replaced.base_model_id) == ("ada", "ada", "claude-3-haiku")
    assert model_store.get("team-model") == replaced
    assert [m.id for m in model_store.scan()] == ["team-model"]

    # And a writer holding a stale version is refused with the stored version, whatever it does
    with pytest.raises(VersionConflictError) as conflict:
        put(model_store, 1, name="Stale")
    assert conflict.value.current_version == 2
    with pytest.raises(VersionConflictError):
        model_store.delete("team-model", 1)

    # And the holder of the current version deletes it; a second delete finds nothing
    model_store.delete("team-model", 2)
    assert model_store.get("team-model") is None
    with pytest.raises(VersionConflictError) as gone:
        model_store.delete("team-model", 2)
    assert gone.value.current_version is None


def test_creating_a_model_that_exists_is_a_conflict(model_store: ModelStore) -> None:
    put(model_store, 0)
    with pytest.raises(VersionConflictError) as conflict:
        put(model_store, 0)
    assert conflict.value.current_version == 1


# --- audit ---------------------------------------------------------------------------------------------------------


def test_an_audit_record_is_replaced_by_its_outcome(audit_store: AuditStore) -> None:
    record = record_at(NOW)
    audit_store.put(record)
    audit_store.update_outcome(record.finished("error", "client_disconnected"))
    page = audit_store.recent(limit=10, next_token=None, now=NOW)
    assert [(r.id, r.outcome, r.error) for r in page.records] == [(record.id, "error", "client_disconnected")]
    assert page.records[0].patch == {"a": 1}


def test_audit_pages_are_newest_first_across_months(audit_store: AuditStore) -> None:
    # Given five records over two months
    stamps = [f"2026-0{m}-{d:02d}T09:00:00.000Z" for m, d in ((2, 26), (2, 27), (2, 28), (3, 1), (3, 2))]
    for stamp in stamps:
        audit_store.put(record_at(stamp))

    # When they are read two at a time
    seen: list[str] = []
    token: str | None = None
    for _ in range(5):
        page = audit_store.recent(limit=2, next_token=token, now="2026-03-02T10:00:00.000Z")
        seen += [r.timestamp for r in page.records]
        token = page.next_token
        if token is None:
            break

    # Then every record comes once, newest first
    assert seen == list(reversed(stamps))


def test_records_expire_after_the_configured_days(dynamodb: Any) -> None:
    AuditTable(dynamodb, AUDIT_TABLE, ttl_days=30).put(record_at(NOW))
    (item,) = audit_items(dynamodb)
    assert item["expires_at"] == 1772366400 + 30 * 86400  # 2026-03-01T12:00:00Z + 30 days
    assert item["pk"] == "AUDIT#2026-03"


def _token(key: Any, month: str = "2026-03") -> str:
    return base64.urlsafe_b64encode(json.dumps({"m": month, "k": key}).encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        _token({"pk": {"S": "MODEL#x"}, "sk": {"S": "x"}}),
        _token({"pk": {"S": "AUDIT#2026-03"}, "sk": {"S": "x"}, "extra": {"S": "x"}}),
        _token(None, month="March"),
    ],
    ids=["garbage", "another-partition", "extra-key", "bad-month"],
)
def test_a_forged_page_token_is_refused(dynamodb: Any, token: str) -> None:
    with pytest.raises(ConfigValidationError) as refused:
        AuditTable(dynamodb, AUDIT_TABLE, ttl_days=30).recent(limit=10, next_token=token, now=NOW)
    assert [d.path for d in refused.value.details] == ["next_token"]
