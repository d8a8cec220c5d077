"""The logic layer on its own: in-memory stores and recording clients through the ports (no resolver, no AWS)."""

from __future__ import annotations

from typing import Any

import pytest

from inference_engine.credentials import Service
from inference_engine.policy import Caller, PolicyDeniedError
from inference_engine.schema import parse_model_config
from lambdas.domain.context import RequestContext
from lambdas.domain.errors import AuditUnavailableError, VersionConflictError
from lambdas.logic.audit_trail import AuditTrail
from lambdas.logic.discovery import Discovery, Scope
from lambdas.logic.invocations import Invocations, InvocationSpec
from lambdas.logic.model_writes import ModelWrites
from lambdas.logic.registry import ModelRegistry
from tests.fakes.clients import RecordingClientFactory
from tests.fakes.inventory import DEFAULT_MODEL, model_config, runtime_settings
from tests.fakes.stores import InMemoryAuditStore, InMemoryModelStore

ADMIN = RequestContext(Caller("ada", "sub-a", frozenset({"Administrators"})), "req-1", "2026-03-01T12:00:00.000Z")
USER = RequestContext(Caller("bob", "sub-b", frozenset()), "req-2", "2026-03-01T12:00:01.000Z")


@pytest.fixture
def stores() -> tuple[InMemoryModelStore, InMemoryAuditStore]:
    return InMemoryModelStore(), InMemoryAuditStore()


def writes(stores: tuple[InMemoryModelStore, InMemoryAuditStore]) -> ModelWrites:
    models, audit = stores
    runtime = runtime_settings("dev")
    return ModelWrites(policy=runtime.policy, registry=ModelRegistry(runtime, models), audit=audit)


def test_a_save_writes_its_intent_then_the_model_then_the_outcome(
    stores: tuple[InMemoryModelStore, InMemoryAuditStore],
) -> None:
    # When an admin saves a new model
    config = parse_model_config(model_config(DEFAULT_MODEL, id="team-model", name="Team"))
    stored = writes(stores).save(ADMIN, model_id="team-model", config=config, version=0, base_model_id=DEFAULT_MODEL)

    # Then the model is stored at version 1 and its record ends as a success
    models, audit = stores
    assert (stored.version, models.get("team-model").version) == (1, 1)  # type: ignore[union-attr]
    assert [(r.action, r.outcome, r.model_id) for r in audit.in_order()] == [("save", "success", "team-model")]


def test_without_an_audit_record_nothing_is_saved(stores: tuple[InMemoryModelStore, InMemoryAuditStore]) -> None:
    # Given an audit store that cannot be written
    models, audit = stores
    audit.unavailable = True
    config = parse_model_config(model_config(DEFAULT_MODEL, id="team-model", name="Team"))

    # When an admin saves
    with pytest.raises(AuditUnavailableError):
        writes(stores).save(ADMIN, model_id="team-model", config=config, version=0, base_model_id=None)

    # Then the model was not written
    assert models.get("team-model") is None


def test_a_stale_save_is_a_conflict_recorded_as_an_error(stores: tuple[InMemoryModelStore, InMemoryAuditStore]) -> None:
    config = parse_model_config(model_config(DEFAULT_MODEL, id="team-model", name="Team"))
    writes(stores).save(ADMIN, model_id="team-model", config=config, version=0, base_model_id=None)
    with pytest.raises(VersionConflictError):
        writes(stores).save(ADMIN, model_id="team-model", config=config, version=0, base_model_id=None)
    assert [(r.outcome, r.error) for r in stores[1].in_order()] == [("success", None), ("error", "conflict")]


def test_a_plain_users_override_is_denied_and_recorded_with_no_client_built(
    stores: tuple[InMemoryModelStore, InMemoryAuditStore],
) -> None:
    # Given the invocation logic with recording clients
    models, audit = stores
    runtime = runtime_settings("dev")
    clients = RecordingClientFactory()
    invocations = Invocations(
        policy=runtime.policy, registry=ModelRegistry(runtime, models), audit=audit, clients=clients
    )
    spec = InvocationSpec(model_id=None, override={"model_kwargs": {"temperature": 1}}, conversation={"prompt": "hi"})

    # When a plain user plans it
    with pytest.raises(PolicyDeniedError):
        invocations.plan(spec, USER, action="invoke")

    # Then the denial is recorded with the patch, and no runtime client was even asked for
    (record,) = audit.in_order()
    assert (record.outcome, record.rule, record.patch) == ("denied", "admin_only", spec.override)
    assert clients.upstream_activity == 0


def test_an_admins_invocation_returns_a_typed_answer(stores: tuple[InMemoryModelStore, InMemoryAuditStore]) -> None:
    models, audit = stores
    runtime = runtime_settings("dev")
    clients = RecordingClientFactory()
    invocations = Invocations(
        policy=runtime.policy, registry=ModelRegistry(runtime, models), audit=audit, clients=clients
    )
    spec = InvocationSpec(model_id=None, override=None, conversation={"prompt": "hi"}, debug=True)
    answer = invocations.run(invocations.plan(spec, ADMIN, action="invoke"), ADMIN)
    assert answer.output == clients.script.text
    assert answer.model_id == DEFAULT_MODEL and answer.request_id == "req-1"
    assert answer.debug is not None and answer.debug.rendered_prompt is None  # Converse renders no prompt
    assert audit.in_order() == []  # no override: nothing to audit


def test_the_audit_trail_reads_through_the_store() -> None:
    audit = InMemoryAuditStore()
    assert AuditTrail(audit).recent(ADMIN, limit=5, next_token=None).records == []


def discovery(audit: InMemoryAuditStore, clients: RecordingClientFactory, stage: str = "dev") -> Discovery:
    return Discovery(policy=runtime_settings(stage).policy, audit=audit, clients=clients)


def test_discovery_records_its_intent_before_reading_then_the_outcome() -> None:
    # Given discovery over an audit store that shows what was recorded when the first client was asked for
    audit, clients = InMemoryAuditStore(), RecordingClientFactory()
    seen: list[list[str]] = []
    asked = clients.client

    def client(service: Service, region: str, **options: Any) -> Any:
        seen.append([r.outcome for r in audit.in_order()])
        return asked(service, region, **options)

    clients.client = client  # type: ignore[method-assign]

    # When an admin lists a region's endpoints
    page = discovery(audit, clients).sagemaker_endpoints(
        ADMIN, Scope("us-east-1"), limit=2, next_token=None, name_contains=None
    )

    # Then the record said "allowed" before the SageMaker client existed, and "success" after the reads
    assert page.endpoints
    assert seen[0] == ["allowed"]
    assert [(r.action, r.outcome, r.patch) for r in audit.in_order()] == [
        ("discover", "success", {"source": "sagemaker-endpoints", "region": "us-east-1"})
    ]


def test_discovery_outside_the_stages_scope_is_denied_recorded_and_reads_nothing() -> None:
    audit, clients = InMemoryAuditStore(), RecordingClientFactory()
    with pytest.raises(PolicyDeniedError):
        discovery(audit, clients, stage="prod").bedrock_models(ADMIN, Scope("us-east-1"), None)
    assert [(r.action, r.outcome, r.rule) for r in audit.in_order()] == [("discover", "denied", "discovery_scope")]
    assert clients.upstream_activity == 0
