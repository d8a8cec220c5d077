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
from lambdas.domain.audit import AuditFilter, AuditRecord
from lambdas.domain.context import RequestContext
from lambdas.domain.errors import VersionConflictError
from lambdas.domain.models import ModelWrite
from lambdas.domain.ports import AuditStore, ModelStore
from tests.fakes.clients import shared_session
from tests.fakes.stores import InMemoryAuditStore, InMemoryModelStore
from tests.fakes.tables import AUDIT_TABLE, MODELS_TABLE, VERSIONS_TABLE, audit_items, create_tables

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
    return ModelsTable(request.getfixturevalue("dynamodb"), MODELS_TABLE, VERSIONS_TABLE)


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


def test_each_save_is_kept_in_the_history_and_a_refused_one_is_not(model_store: ModelStore) -> None:
    # Given three saves, the third restoring the first, and a stale save that is refused
    put(model_store, 0)
    put(model_store, 1, name="Second")
    restore = ModelWrite("team-model", CONFIG, None, actor="bea", now="2026-03-02T08:00:00.000Z", restored_from=1)
    model_store.put(restore, expected_version=2)
    with pytest.raises(VersionConflictError):
        put(model_store, 1, name="Stale")

    # Then the history has exactly the three saved versions, newest first, with who and what
    history = model_store.versions("team-model")
    assert [(v.version, v.saved_by, v.restored_from) for v in history] == [
        (3, "bea", 1),
        (2, "ada", None),
        (1, "ada", None),
    ]
    assert history[1].config["name"] == "Second"
    assert model_store.version("team-model", 1) == history[2]
    assert model_store.version("team-model", 4) is None
    # And deleting the model keeps its history
    model_store.delete("team-model", 3)
    assert [v.version for v in model_store.versions("team-model")] == [3, 2, 1]


def test_a_model_created_again_after_a_delete_continues_its_history(model_store: ModelStore) -> None:
    # Given a model saved twice, then deleted (its history kept)
    put(model_store, 0)
    put(model_store, 1, name="Second")
    model_store.delete("team-model", 2)
    # When an admin creates a model under the same id
    created = put(model_store, 0, name="Reborn")
    # Then it is created, numbered after the history, and the history holds every version
    assert created.version == 3
    assert model_store.get("team-model") == created
    assert [(v.version, v.config["name"]) for v in model_store.versions("team-model")][:2] == [
        (3, "Reborn"),
        (2, "Second"),
    ]
    # And optimistic locking goes on from the new version
    with pytest.raises(VersionConflictError) as stale:
        put(model_store, 2, name="Stale")
    assert stale.value.current_version == 3
    assert put(model_store, 3, name="Next").version == 4


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


def test_audit_filters_keep_matching_records_across_months_and_pages(audit_store: AuditStore) -> None:
    # Given records over two months, by two actors, on two models, one denied
    for day, actor, model, outcome in (
        ("2026-02-26", "ada", "m1", "success"),
        ("2026-02-27", "bob", "m1", "denied"),
        ("2026-02-28", "ada", "m2", "success"),
        ("2026-03-01", "ada", "m1", "success"),
        ("2026-03-02", "bob", "m2", "denied"),
    ):
        audit_store.put(record_at(f"{day}T09:00:00.000Z", actor=actor, model_id=model, outcome=outcome))

    def listed(**where: Any) -> list[str]:
        seen, token = [], None
        for _ in range(10):
            page = audit_store.recent(
                limit=1, next_token=token, now="2026-03-02T10:00:00.000Z", where=AuditFilter(**where)
            )
            seen += [r.timestamp[:10] for r in page.records]
            token = page.next_token
            if token is None:
                return seen
        raise AssertionError("the listing did not end")

    # Then every filter keeps exactly its records, newest first, one page at a time
    assert listed(model_id="m1") == ["2026-03-01", "2026-02-27", "2026-02-26"]
    assert listed(actor="bob", outcome="denied") == ["2026-03-02", "2026-02-27"]
    assert listed(since="2026-02-27T00:00:00.000Z", until="2026-03-01T23:59:59.999Z") == [
        "2026-03-01",
        "2026-02-28",
        "2026-02-27",
    ]
    assert listed(model_id="m3") == []


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
