"""Model history (DESIGN §3): every saved version kept, listed and read by admins; an old version restored as a new
one, audited as a restore; the audit trail filtered by model, user, action, outcome and time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.events import admin_claims, model_event, rest_event, user_claims
from tests.fakes.api import ApiHarness
from tests.fakes.inventory import DEFAULT_MODEL, ENDPOINT_MODEL, model_config

MODEL = "team-model"


def save(api: ApiHarness, version: int, *, name: str, restored_from: int | None = None) -> Any:
    body: dict[str, Any] = {"config": model_config(ENDPOINT_MODEL, id=MODEL, name=name), "version": version}
    body["base_model_id"] = ENDPOINT_MODEL
    if restored_from is not None:
        body["restored_from"] = restored_from
    return api.call(model_event("PUT", MODEL, claims=admin_claims(), body=body))


def get(api: ApiHarness, path: str, **query: str) -> Any:
    return api.call(rest_event("GET", path, claims=admin_claims(), query=query or None))


def test_every_saved_version_is_kept_and_listed_newest_first(api: ApiHarness) -> None:
    # Given a model saved three times
    for version, name in enumerate(["first", "second", "third"]):
        assert save(api, version, name=name).status == 200

    # When an admin lists its versions and reads the first one
    listing = get(api, f"/models/{MODEL}/versions")
    first = get(api, f"/models/{MODEL}/versions/1")

    # Then the three versions are there, newest first, each with who saved it and when
    assert listing.status == 200
    assert [(v["version"], v["saved_by"], v["base_model_id"]) for v in listing.body["versions"]] == [
        (3, "ada-admin", ENDPOINT_MODEL),
        (2, "ada-admin", ENDPOINT_MODEL),
        (1, "ada-admin", ENDPOINT_MODEL),
    ]
    assert all(v["saved_at"] == "2026-03-01T12:00:00.123Z" for v in listing.body["versions"])
    # And a version holds the config exactly as it was saved
    assert (first.status, first.body["version"], first.body["config"]["name"]) == (200, 1, "first")


def test_an_old_version_is_restored_as_a_new_version_and_audited(api: ApiHarness) -> None:
    # Given versions 1 and 2
    save(api, 0, name="first")
    save(api, 1, name="second")
    old = get(api, f"/models/{MODEL}/versions/1").body["config"]

    # When an admin restores version 1 over version 2
    body = {"config": old, "version": 2, "base_model_id": ENDPOINT_MODEL, "restored_from": 1}
    reply = api.call(model_event("PUT", MODEL, claims=admin_claims(), body=body))

    # Then it is version 3, holding version 1's config, and the history says where it came from
    assert (reply.status, reply.body["version"]) == (200, 3)
    assert get(api, f"/models/{MODEL}").body["config"]["name"] == "first"
    newest = get(api, f"/models/{MODEL}/versions").body["versions"][0]
    assert (newest["version"], newest["restored_from"]) == (3, 1)
    # And the audit trail records a restore, with the version it made and the one it restored
    restore = [r for r in api.audit() if r["action"] == "restore"]
    assert [(r["outcome"], r["version"], r["restored_from"]) for r in restore] == [("success", 3, 1)]


def test_restoring_a_version_that_never_existed_is_a_404_and_nothing_is_written(api: ApiHarness) -> None:
    save(api, 0, name="first")
    reply = save(api, 1, name="ghost", restored_from=7)
    assert (reply.status, reply.body["error"]) == (404, "not_found")
    assert "no version 7" in reply.body["message"]
    assert api.saved_models()[MODEL]["version"] == 1
    assert [(r["action"], r["outcome"], r["error"]) for r in api.audit()][-1] == ("restore", "error", "not_found")


def test_the_history_outlives_a_delete_and_a_predefined_model_has_none(api: ApiHarness) -> None:
    save(api, 0, name="first")
    assert api.call(model_event("DELETE", MODEL, claims=admin_claims(), query={"version": "1"})).status == 200
    assert [v["version"] for v in get(api, f"/models/{MODEL}/versions").body["versions"]] == [1]
    predefined = get(api, f"/models/{DEFAULT_MODEL}/versions")
    assert (predefined.status, predefined.body["error"]) == (404, "not_found")
    assert get(api, "/models/never-saved/versions").status == 404
    assert get(api, f"/models/{MODEL}/versions/2").status == 404


# --- the audit trail, filtered -------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def filtered(api: ApiHarness, **query: str) -> list[tuple[str, str | None, str]]:
    reply = get(api, "/audit", **query)
    assert reply.status == 200, reply.body
    return [(r["action"], r["model_id"], r["outcome"]) for r in reply.body["records"]]


def test_the_audit_trail_is_filtered_by_model_user_action_outcome_and_time(make_api: Callable[..., ApiHarness]) -> None:
    # Given a day of activity: saves of two models, a delete, a denied read by a plain user
    clock = Clock()
    api = make_api(clock=clock)
    save(api, 0, name="first")
    clock.now += timedelta(hours=1)
    other = {"config": model_config(ENDPOINT_MODEL, id="other-model", name="Other"), "version": 0}
    api.call(model_event("PUT", "other-model", claims=admin_claims(), body=other))
    clock.now += timedelta(hours=1)
    api.call(model_event("DELETE", MODEL, claims=admin_claims(), query={"version": "1"}))
    api.call(model_event("GET", MODEL, claims=user_claims()))

    # Then each filter keeps exactly its records, newest first
    assert filtered(api, model_id=MODEL) == [
        ("read", MODEL, "denied"),
        ("delete", MODEL, "success"),
        ("save", MODEL, "success"),
    ]
    assert filtered(api, actor="bob") == [("read", MODEL, "denied")]
    assert filtered(api, action="save") == [("save", "other-model", "success"), ("save", MODEL, "success")]
    assert filtered(api, outcome="denied", model_id=MODEL) == [("read", MODEL, "denied")]
    assert filtered(api, since="2026-03-01T09:30", until="2026-03-01T10:30") == [("save", "other-model", "success")]
    assert len(filtered(api, until="2026-03-01")) == 4  # a date means the whole day
    assert filtered(api, since="2026-03-02") == []


def test_a_filtered_listing_is_paged_with_the_same_filter(api: ApiHarness) -> None:
    for version in range(5):
        save(api, version, name=f"v{version}")
    first = get(api, "/audit", action="save", limit="2")
    second = get(api, "/audit", action="save", limit="2", next_token=first.body["next_token"])
    third = get(api, "/audit", action="save", limit="2", next_token=second.body["next_token"])
    versions = [r["version"] for page in (first, second, third) for r in page.body["records"]]
    assert versions == [5, 4, 3, 2, 1]
    assert third.body["next_token"] is None


def test_bad_filters_are_400s_naming_the_parameter(api: ApiHarness) -> None:
    for query, path in (
        ({"action": "dance"}, "query.action"),
        ({"outcome": "maybe"}, "query.outcome"),
        ({"since": "yesterday"}, "query.since"),
        # the shape of a timestamp, but no such day or hour (found by the API fuzzer: a 500 before)
        ({"since": "0000-00-07"}, "query.since"),
        ({"until": "2026-02-30"}, "query.until"),
        ({"until": "2026-03-01T25"}, "query.until"),
        ({"model_id": "NOT A SLUG"}, "query.model_id"),
    ):
        reply = get(api, "/audit", **query)
        assert reply.status == 400, query
        assert [d["path"] for d in reply.body["details"]] == [path]
