"""/models: list, read, save and delete, with optimistic locking and audit (DESIGN §3, §8.3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inference_engine.catalogue import catalogue_json, format_of
from inference_engine.schema import parse_model_config
from tests.events import admin_claims, model_event, rest_event, user_claims
from tests.fakes.api import ApiHarness
from tests.fakes.inventory import ALLOWED_ROLE_ARN, DEFAULT_MODEL, ENDPOINT_MODEL, INVOKE_MODEL, model_config
from tests.unit.api.scenarios import NEW_ID, PROMPT, Kind, save_body, saved_config


def save(api: ApiHarness, body: dict[str, Any], model_id: str = NEW_ID) -> Any:
    return api.call(model_event("PUT", model_id, claims=admin_claims(), body=body))


def delete(api: ApiHarness, model_id: str, version: str | None) -> Any:
    query = {"version": version} if version is not None else None
    return api.call(model_event("DELETE", model_id, claims=admin_claims(), query=query))


def stored_config(api: ApiHarness, model_id: str) -> dict[str, Any]:
    item = api.saved_models()[model_id]
    config: dict[str, Any] = json.loads(item["config"])
    return config


# --- list --------------------------------------------------------------------------------------------


def test_plain_users_see_summaries_without_endpoints_regions_or_roles(api: ApiHarness) -> None:
    # Given a saved SageMaker model that uses a cross-account role
    config = model_config(ENDPOINT_MODEL, id="team-endpoint", name="Team endpoint")
    config["cross_account"] = {"role_arn": ALLOWED_ROLE_ARN}
    api.seed_model(config, actor="ada-admin")

    # When a plain user lists the models
    reply = api.call(rest_event("GET", "/models", claims=user_claims()))

    # Then predefined models come first, then saved ones, all without deployment details
    assert reply.status == 200
    models = reply.body["models"]
    assert [(m["id"], m["source"], m["default"]) for m in models] == [
        (DEFAULT_MODEL, "predefined", True),
        (ENDPOINT_MODEL, "predefined", False),
        (INVOKE_MODEL, "predefined", False),
        ("team-endpoint", "saved", False),
    ]
    for summary in models:
        assert summary.get("endpoint_name") is None
        assert summary.get("region") is None
        assert summary.get("cross_account") is None
        assert summary.get("updated_by") is None
    assert "llm-endpoint-prod" not in reply.raw
    assert ALLOWED_ROLE_ARN not in reply.raw
    assert "111122223333" not in reply.raw
    saved = models[-1]
    assert (saved["provider"], saved["version"], saved["streaming"]) == ("sagemaker", 1, True)


def test_admins_see_endpoint_region_and_whether_a_role_is_used_but_never_the_role(api: ApiHarness) -> None:
    # Given the same saved model
    config = model_config(ENDPOINT_MODEL, id="team-endpoint", name="Team endpoint")
    config["cross_account"] = {"role_arn": ALLOWED_ROLE_ARN}
    api.seed_model(config, actor="ada-admin")

    # When an admin lists the models
    reply = api.call(rest_event("GET", "/models", claims=admin_claims()))

    # Then deployment details are there for admins, the role ARN still is not
    by_id = {m["id"]: m for m in reply.body["models"]}
    saved = by_id["team-endpoint"]
    assert (saved["endpoint_name"], saved["region"], saved["cross_account"]) == ("llm-endpoint-prod", "eu-west-1", True)
    assert saved["updated_by"] == "ada-admin"
    bedrock = by_id[DEFAULT_MODEL]
    assert (bedrock["model_id"], bedrock["api"], bedrock["region"]) == (
        "anthropic.claude-3-haiku-20240307-v1:0",
        "converse",
        "us-east-1",
    )
    assert ALLOWED_ROLE_ARN not in reply.raw
    # And each names the catalogue format it speaks, or none for an adapter written by hand
    assert (saved["format"], bedrock["format"]) == (format_of(parse_model_config(config)), "bedrock-converse")


def test_the_list_names_each_models_catalogue_format_or_none(api: ApiHarness) -> None:
    # Given a saved TGI endpoint, and one whose output path no catalogue adapter uses
    tgi = {**catalogue_json("tgi"), "id": "team-tgi", "name": "Team TGI"}
    custom = {**catalogue_json("tgi"), "id": "team-custom", "name": "Team custom"}
    custom["content_handler"] = {**custom["content_handler"], "output_path": "answer.text"}  # type: ignore[dict-item]
    api.seed_model(tgi)
    api.seed_model(custom)
    # When a plain user lists the models
    reply = api.call(rest_event("GET", "/models", claims=user_claims()))
    # Then the TGI one says tgi and the other says nothing
    by_id = {m["id"]: m for m in reply.body["models"]}
    assert (by_id["team-tgi"]["format"], by_id["team-custom"]["format"]) == ("tgi", None)


def test_a_stored_config_that_no_longer_validates_is_left_out(api: ApiHarness) -> None:
    # Given a saved item whose config is not a valid ModelConfig any more
    api.seed_model({"id": "broken", "schema_version": 1, "provider": {"type": "nope"}})

    # When models are listed and the broken one is read
    listed = api.call(rest_event("GET", "/models", claims=admin_claims()))
    read = api.call(model_event("GET", "broken", claims=admin_claims()))

    # Then it is not listed, and reading it is a 404
    assert "broken" not in [m["id"] for m in listed.body["models"]]
    assert read.status == 404


# --- read ----------------------------------------------------------------------------------------------


def test_reading_a_predefined_model_returns_its_full_config(api: ApiHarness) -> None:
    reply = api.call(model_event("GET", ENDPOINT_MODEL, claims=admin_claims()))

    assert reply.status == 200
    assert reply.body["source"] == "predefined"
    assert reply.body["version"] is None
    assert reply.body["config"] == parse_model_config(model_config(ENDPOINT_MODEL)).to_json_dict()
    assert api.audit() == []  # a successful read by an admin is not an audited action


def test_reading_a_saved_model_returns_its_version_and_provenance(api: ApiHarness) -> None:
    # Given a model an admin saved from the default model
    assert save(api, save_body()).status == 200

    # When it is read
    reply = api.call(model_event("GET", NEW_ID, claims=admin_claims()))

    # Then the answer carries the config, the version and who saved it from what
    assert reply.status == 200
    assert reply.body["source"] == "saved"
    assert reply.body["version"] == 1
    assert reply.body["base_model_id"] == DEFAULT_MODEL
    assert reply.body["updated_by"] == "ada-admin"
    assert reply.body["updated_at"] == "2026-03-01T12:00:00.123Z"
    assert reply.body["config"] == parse_model_config(saved_config()).to_json_dict()


def test_reading_an_unknown_model_is_a_404(api: ApiHarness) -> None:
    reply = api.call(model_event("GET", "nope", claims=admin_claims()))

    assert reply.status == 404
    assert reply.body == {"error": "not_found", "message": "Model 'nope' does not exist."}


# --- save ----------------------------------------------------------------------------------------------


def test_creating_a_model_stores_version_1_and_audits_the_config(api: ApiHarness) -> None:
    # When an admin saves a new model (version 0 = create)
    reply = save(api, save_body(Kind.OVERRIDE))

    # Then it is stored at version 1 with its canonical config and provenance
    assert reply.status == 200
    assert reply.body == {
        "id": NEW_ID,
        "version": 1,
        "updated_at": "2026-03-01T12:00:00.123Z",
        "updated_by": "ada-admin",
    }
    item = api.saved_models()[NEW_ID]
    assert (item["version"], item["base_model_id"], item["created_by"], item["updated_by"]) == (
        1,
        DEFAULT_MODEL,
        "ada-admin",
        "ada-admin",
    )
    assert stored_config(api, NEW_ID) == parse_model_config(saved_config(Kind.OVERRIDE)).to_json_dict()
    # And the audit record holds the whole saved config and ends in success
    (record,) = api.audit()
    assert (record["action"], record["outcome"], record["model_id"], record["base_model_id"]) == (
        "save",
        "success",
        NEW_ID,
        DEFAULT_MODEL,
    )
    assert record["patch"]["model_kwargs"]["temperature"] == 0.1


def test_updating_needs_the_version_that_was_read(api: ApiHarness) -> None:
    # Given a saved model at version 1
    assert save(api, save_body()).status == 200

    # When it is updated from version 1, and again from the now stale version 1
    first = save(api, save_body(Kind.OVERRIDE, version=1))
    stale = save(api, save_body(Kind.NONE, version=1))

    # Then the first update wins (version 2) and the stale one is a 409 naming the stored version
    assert first.status == 200
    assert first.body["version"] == 2
    assert stale.status == 409
    assert stale.body["error"] == "conflict"
    assert stale.body["current_version"] == 2
    assert stored_config(api, NEW_ID)["model_kwargs"]["temperature"] == 0.1
    assert sorted((r["outcome"], r.get("error") or "") for r in api.audit()) == [
        ("error", "conflict"),
        ("success", ""),
        ("success", ""),
    ]


def test_creating_an_id_that_exists_is_a_conflict(api: ApiHarness) -> None:
    assert save(api, save_body()).status == 200

    again = save(api, save_body(version=0))

    assert again.status == 409
    assert again.body["current_version"] == 1
    assert api.saved_models()[NEW_ID]["version"] == 1


def test_updating_a_model_that_does_not_exist_is_a_conflict_without_a_version(api: ApiHarness) -> None:
    reply = save(api, save_body(version=3))

    assert reply.status == 409
    assert reply.body["error"] == "conflict"
    assert "current_version" not in reply.body
    assert api.saved_models() == {}


def test_the_config_id_must_match_the_path(api: ApiHarness) -> None:
    # When the body's config has another id than the path
    reply = save(api, save_body(model_id="other-id"), model_id=NEW_ID)

    # Then it is a 400 at config.id, audited as an error, and nothing is stored
    assert reply.status == 400
    assert reply.body["details"][0]["path"] == "config.id"
    assert api.saved_models() == {}
    assert [(r["outcome"], r["error"]) for r in api.audit()] == [("error", "validation_error")]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"provider": None}, "config.provider"),
        ({"unknown": 1}, "config.unknown"),
        ({"id": "Not A Slug"}, "config.id"),
        ({"provider": {"type": "bedrock", "model_id": "x", "region": "moon-1"}}, "config.provider.region"),
    ],
    ids=["missing-provider", "unknown-field", "bad-id", "bad-region"],
)
def test_an_invalid_config_is_a_400_at_its_json_path(api: ApiHarness, change: dict[str, Any], path: str) -> None:
    config = {k: v for k, v in {**saved_config(), **change}.items() if v is not None}

    reply = save(api, {"config": config, "version": 0})

    assert reply.status == 400
    assert path in [d["path"] for d in reply.body["details"]]
    assert api.saved_models() == {}


def test_a_saved_model_is_invocable_by_plain_users(api: ApiHarness) -> None:
    # Given a saved model pointing at another Bedrock model
    config = saved_config()
    config["provider"] = {**config["provider"], "model_id": "amazon.nova-lite-v1:0"}
    assert save(api, {"config": config, "version": 0}).status == 200

    # When a plain user invokes it
    reply = api.call(rest_event("POST", "/invoke", claims=user_claims(), body={"model_id": NEW_ID, "prompt": PROMPT}))

    # Then the saved config is what is called
    assert reply.status == 200
    assert reply.body["model_id"] == NEW_ID
    assert [c.target for c in api.clients.calls] == ["amazon.nova-lite-v1:0"]


# --- delete --------------------------------------------------------------------------------------------


def test_deleting_needs_the_current_version(api: ApiHarness) -> None:
    # Given a saved model at version 2
    assert save(api, save_body()).status == 200
    assert save(api, save_body(version=1)).status == 200

    # When it is deleted with a stale version, then with the current one
    stale = delete(api, NEW_ID, "1")
    current = delete(api, NEW_ID, "2")

    # Then the stale delete is a 409 naming the version and changes nothing; the current one removes it
    assert stale.status == 409
    assert stale.body["current_version"] == 2
    assert current.status == 200
    assert current.body == {"id": NEW_ID, "deleted": True}
    assert api.saved_models() == {}
    deletes = sorted((r["outcome"], r.get("error") or "") for r in api.audit() if r["action"] == "delete")
    assert deletes == [("error", "conflict"), ("success", "")]


def test_deleting_a_missing_model_is_a_404(api: ApiHarness) -> None:
    reply = delete(api, "nope", "1")

    assert reply.status == 404
    assert [(r["action"], r["outcome"], r["error"]) for r in api.audit()] == [("delete", "error", "not_found")]


def test_a_predefined_model_cannot_be_deleted(api: ApiHarness) -> None:
    reply = delete(api, DEFAULT_MODEL, "1")

    assert reply.status == 409
    assert reply.error == "conflict"


@pytest.mark.parametrize(("version", "path"), [(None, "query.version"), ("0", "query.version"), ("x", "query.version")])
def test_delete_needs_a_positive_version(api: ApiHarness, version: str | None, path: str) -> None:
    reply = delete(api, NEW_ID, version)

    assert reply.status == 400
    assert [d["path"] for d in reply.body["details"]] == [path]
