"""Saved models under concurrency, over a real (moto) DynamoDB endpoint: no lost update, ever.

N writers, each in its own simulated Lambda container (a process), send the same request at the same
moment (a barrier releases them together). For every version exactly one writer wins; every other one
gets a 409 naming the version that won, and what is stored is exactly the winner's config.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.events import admin_claims, model_event, rest_event, user_claims
from tests.fakes.api import ApiHarness, Reply
from tests.fakes.containers import FLEET_SIZE, ContainerFleet
from tests.fakes.inventory import ALLOWED_ROLE_ARN, ENDPOINT_MODEL, model_config

pytestmark = pytest.mark.integration

WRITERS = FLEET_SIZE

ROUNDS = 4
MODEL_ID = "contended-model"


def config_for(writer: int, round_: int, model_id: str = MODEL_ID) -> dict[str, Any]:
    """A config only this writer sends in this round (so the stored one names its author)."""
    config = model_config(ENDPOINT_MODEL, id=model_id, name=f"writer {writer} round {round_}")
    config["model_kwargs"] = {"max_new_tokens": 100 + writer, "round": round_}
    return config


def put_event(writer: int, round_: int, version: int, model_id: str = MODEL_ID) -> dict[str, Any]:
    body = {"config": config_for(writer, round_, model_id), "version": version}
    return model_event("PUT", model_id, claims=admin_claims(), body=body)


def read(container: ApiHarness, model_id: str = MODEL_ID) -> Reply:
    return container.call(model_event("GET", model_id, claims=admin_claims()))


@pytest.fixture
def local(container: Callable[..., ApiHarness]) -> ApiHarness:
    """A container in the test's own process: it creates the tables and reads what the writers left."""
    return container(stage="dev")


def test_n_writers_on_one_version_exactly_one_wins_every_round(fleet: ContainerFleet, local: ApiHarness) -> None:
    for round_ in range(ROUNDS + 1):
        version = round_  # round 0 creates (version 0), round k updates version k
        # When every writer saves its own config from the same version at the same moment
        replies = fleet.all_at_once([put_event(w, round_, version) for w in range(WRITERS)])

        # Then exactly one wins and gets the next version
        winners = [w for w, reply in enumerate(replies) if reply.status == 200]
        assert len(winners) == 1, [(r.status, r.body) for r in replies]
        (winner,) = winners
        assert replies[winner].body["version"] == version + 1
        # And every other writer gets a 409 naming the version that won
        for writer, reply in enumerate(replies):
            if writer != winner:
                assert reply.status == 409, reply.body
                assert reply.body["error"] == "conflict"
                assert reply.body["current_version"] == version + 1
        # And the stored model is exactly the winner's
        stored = read(local)
        assert stored.status == 200
        assert stored.body["version"] == version + 1
        assert stored.body["config"]["name"] == f"writer {winner} round {round_}"
        assert stored.body["config"]["model_kwargs"] == {"max_new_tokens": 100 + winner, "round": round_}

    # And the audit trail holds every attempt: one success and WRITERS - 1 conflicts per round
    outcomes = [(r["action"], r["outcome"], r.get("error")) for r in local.audit()]
    assert outcomes.count(("save", "success", None)) == ROUNDS + 1
    assert outcomes.count(("save", "error", "conflict")) == (ROUNDS + 1) * (WRITERS - 1)
    assert len(outcomes) == (ROUNDS + 1) * WRITERS


def test_concurrent_deletes_one_succeeds_stale_ones_conflict(fleet: ContainerFleet, local: ApiHarness) -> None:
    # Given a saved model at version 2
    assert local.call(put_event(0, 0, 0)).status == 200
    assert local.call(put_event(0, 1, 1)).status == 200

    # When half the writers delete from the stale version 1 and the other half from version 2, all at once
    versions = [1 if w % 2 else 2 for w in range(WRITERS)]
    events = [model_event("DELETE", MODEL_ID, claims=admin_claims(), query={"version": str(v)}) for v in versions]
    replies = fleet.all_at_once(events)

    # Then exactly one current-version delete succeeds; the others find it changed (409) or gone (404)
    statuses = [r.status for r in replies]
    assert statuses.count(200) == 1, [(r.status, r.body) for r in replies]
    winner = statuses.index(200)
    assert versions[winner] == 2
    for writer, reply in enumerate(replies):
        if writer == winner:
            continue
        assert reply.status in (404, 409), reply.body
        if reply.status == 409:
            assert reply.body["current_version"] == 2  # a stale delete that ran before the winner
    # And the model is gone for everyone
    assert read(local).status == 404
    assert local.saved_models() == {}


def test_every_accepted_write_is_readable_and_listed_safely(fleet: ContainerFleet, local: ApiHarness) -> None:
    # When every writer creates its own model at the same moment (SageMaker, with a cross-account role)
    def create(writer: int) -> dict[str, Any]:
        config = config_for(writer, 0, model_id=f"team-model-{writer:02d}")
        config["cross_account"] = {"role_arn": ALLOWED_ROLE_ARN}
        return model_event("PUT", config["id"], claims=admin_claims(), body={"config": config, "version": 0})

    replies = fleet.all_at_once([create(w) for w in range(WRITERS)])

    # Then all are accepted, each readable with its own config
    assert [r.status for r in replies] == [200] * WRITERS, [r.body for r in replies if r.status != 200]
    for writer in range(WRITERS):
        detail = read(local, f"team-model-{writer:02d}")
        assert detail.body["version"] == 1
        assert detail.body["config"]["cross_account"]["role_arn"] == ALLOWED_ROLE_ARN
    # And a plain user's list shows all of them without endpoint names, regions or role ARNs
    listed = local.call(rest_event("GET", "/models", claims=user_claims()))
    saved = [m for m in listed.body["models"] if m["source"] == "saved"]
    assert sorted(m["id"] for m in saved) == [f"team-model-{w:02d}" for w in range(WRITERS)]
    assert all(m.get("endpoint_name") is None and m.get("cross_account") is None for m in saved)
    assert ALLOWED_ROLE_ARN not in listed.raw
    assert "llm-endpoint-prod" not in listed.raw
    # And an admin's list shows the endpoint, and only whether a role is used
    admin_list = local.call(rest_event("GET", "/models", claims=admin_claims()))
    admin_saved = [m for m in admin_list.body["models"] if m["source"] == "saved"]
    assert {(m["endpoint_name"], m["cross_account"]) for m in admin_saved} == {("llm-endpoint-prod", True)}
    assert ALLOWED_ROLE_ARN not in admin_list.raw


def test_the_stored_item_is_the_canonical_config(local: ApiHarness) -> None:
    # When a model is saved through the API
    assert local.call(put_event(3, 0, 0)).status == 200

    # Then the DynamoDB item holds its canonical JSON, version and provenance
    item = local.saved_models()[MODEL_ID]
    assert item["version"] == 1
    assert item["created_by"] == item["updated_by"] == "ada-admin"
    stored = json.loads(item["config"])
    assert stored["name"] == "writer 3 round 0"
    assert stored["provider"]["endpoint_kwargs"] == {
        "CustomAttributes": None,
        "TargetModel": None,
        "TargetVariant": None,
        "TargetContainerHostname": None,
        "InferenceId": None,
        "EnableExplanations": None,
        "InferenceComponentName": None,
        "SessionId": None,
    }


def test_concurrent_callers_keep_their_own_identity(fleet: ContainerFleet, local: ApiHarness) -> None:
    # Given half the containers serving admins saving their own model, half plain users sending an override
    def request_of(container: int) -> dict[str, Any]:
        if container % 2 == 0:
            model_id = f"own-model-{container}"
            body = {"config": config_for(container, 0, model_id), "version": 0}
            return model_event("PUT", model_id, claims=admin_claims(), body=body)
        body = {"prompt": "hi", "override": {"model_kwargs": {"caller": container}}}
        return rest_event("POST", "/invoke", claims=user_claims(), body=body)

    # When they all send at the same moment
    replies = fleet.all_at_once([request_of(c) for c in range(WRITERS)])

    # Then every admin saved exactly the model of their own path, and every plain user was refused as themselves
    for container, reply in enumerate(replies):
        if container % 2 == 0:
            assert (reply.status, reply.body["id"]) == (200, f"own-model-{container}")
        else:
            assert (reply.status, reply.body["rule"]) == (403, "admin_only")
    denials = [r for r in local.audit() if r["outcome"] == "denied"]
    assert {r["actor"] for r in denials} == {"bob"}
    assert sorted(r["patch"]["model_kwargs"]["caller"] for r in denials) == list(range(1, WRITERS, 2))
