"""GET /me (identity from the Cognito authorizer claims) and GET /audit (recent records, paged)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.events import admin_claims, claims_with_groups, rest_event, user_claims
from tests.fakes.api import ApiHarness
from tests.unit.api.scenarios import PROMPT

OTHER_ROLE_ARN = "arn:aws:iam::111122223333:role/not-allowed"


def token_for(key: dict[str, Any], month: str = "2026-03") -> str:
    """A page token shaped like the API's own, pointing at ``key``."""
    return base64.urlsafe_b64encode(json.dumps({"m": month, "k": key}).encode()).decode()


def me(api: ApiHarness, claims: dict[str, Any] | None) -> Any:
    return api.call(rest_event("GET", "/me", claims=claims))


def test_me_describes_an_admin_in_dev(api: ApiHarness) -> None:
    reply = me(api, admin_claims())

    assert reply.status == 200
    assert reply.body == {
        "username": "ada-admin",
        "sub": "0f0c6a4e-95a1-4a51-b1c9-8d8a5b3c2e10",
        "groups": ["Administrators"],
        "is_admin": True,
        "stage": "dev",
        "admin_group": "Administrators",
        "capabilities": {"overrides": True, "cross_account": True, "custom_bedrock_endpoints": False},
    }


def test_me_in_prod_offers_no_cross_account_roles(prod_api: ApiHarness) -> None:
    reply = me(prod_api, admin_claims())

    assert reply.body["stage"] == "prod"
    assert reply.body["capabilities"] == {"overrides": True, "cross_account": False, "custom_bedrock_endpoints": False}


def test_me_lists_every_group_of_a_plain_user(api: ApiHarness) -> None:
    reply = me(api, claims_with_groups("Users,Testers"))

    assert reply.body["groups"] == ["Testers", "Users"]
    assert reply.body["is_admin"] is False
    assert reply.body["capabilities"]["overrides"] is False


def test_a_user_without_groups_is_a_plain_user(api: ApiHarness) -> None:
    reply = me(api, claims_with_groups(None))

    assert reply.status == 200
    assert reply.body["groups"] == []
    assert reply.body["is_admin"] is False


@pytest.mark.parametrize(
    "claims",
    [
        None,
        {},
        {"cognito:username": "mallory", "cognito:groups": "Administrators"},
        {"sub": "", "cognito:username": "mallory", "cognito:groups": "Administrators"},
        {"sub": ["x"], "cognito:username": "mallory"},
    ],
    ids=["no-authorizer", "empty-claims", "no-sub", "empty-sub", "sub-not-a-string"],
)
def test_without_a_usable_identity_every_route_is_a_401(api: ApiHarness, claims: dict[str, Any] | None) -> None:
    # When a request arrives without a subject, even one claiming the admin group
    me_reply = me(api, claims)
    invoke = api.call(
        rest_event("POST", "/invoke", claims=claims, body={"prompt": PROMPT, "override": {"model_kwargs": {}}})
    )

    # Then it is refused as unauthenticated, with nothing called or audited
    assert (me_reply.status, invoke.status) == (401, 401)
    assert invoke.body == {"error": "unauthorized", "message": "The request carries no valid identity; sign in again."}
    assert api.clients.upstream_activity == 0
    assert api.audit() == []


def test_the_username_falls_back_to_the_subject(api: ApiHarness) -> None:
    claims = user_claims()
    del claims["cognito:username"]

    reply = me(api, claims)

    assert reply.body["username"] == claims["sub"]


# --- GET /audit --------------------------------------------------------------------------------------


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def admin_invoke(api: ApiHarness, temperature: float) -> None:
    body = {"prompt": PROMPT, "override": {"model_kwargs": {"temperature": temperature}}}
    assert api.call(rest_event("POST", "/invoke", claims=admin_claims(), body=body)).status == 200


def audit_page(api: ApiHarness, **query: str) -> Any:
    return api.call(rest_event("GET", "/audit", claims=admin_claims(), query=query or None))


def test_audit_lists_records_newest_first_across_months_in_pages(make_api: Callable[..., ApiHarness]) -> None:
    # Given five audited invokes over two months
    clock = Clock(datetime(2026, 2, 27, 9, 0, tzinfo=UTC))
    api = make_api(clock=clock)
    for step in range(5):
        clock.now = datetime(2026, 2, 27, 9, 0, tzinfo=UTC) + timedelta(days=step)
        admin_invoke(api, temperature=step / 10)

    # When an admin reads them two at a time
    pages, token = [], None
    for _ in range(4):
        reply = audit_page(api, limit="2", **({"next_token": token} if token else {}))
        assert reply.status == 200
        pages.append([r["patch"]["model_kwargs"]["temperature"] for r in reply.body["records"]])
        token = reply.body["next_token"]
        if token is None:
            break

    # Then every record comes once, newest first, and the last page says there is no more
    assert [t for page in pages for t in page] == [0.4, 0.3, 0.2, 0.1, 0.0]
    assert all(len(page) <= 2 for page in pages)
    assert token is None


def test_audit_records_carry_the_documented_fields(api: ApiHarness) -> None:
    # Given a denied cross-account invoke by an admin in a stage that refuses the role
    body = {"prompt": PROMPT, "override": {"cross_account": {"role_arn": OTHER_ROLE_ARN}}}
    event = rest_event("POST", "/invoke", claims=admin_claims(), body=body)
    assert api.call(event).status == 403

    # When the audit trail is read
    reply = audit_page(api)

    # Then the record has who, when, what, the patch, the role, the outcome with the rule, and the request id
    (record,) = reply.body["records"]
    assert set(record) == {
        "id", "timestamp", "actor", "actor_sub", "action", "model_id", "base_model_id",
        "patch", "role_arn", "outcome", "rule", "error", "request_id", "version", "restored_from",
    }  # fmt: skip
    assert record["actor"] == "ada-admin"
    assert record["action"] == "invoke"
    assert record["outcome"] == "denied"
    assert record["rule"] == "cross_account_role"
    assert record["role_arn"] == OTHER_ROLE_ARN
    assert record["patch"] == body["override"]
    assert record["request_id"] == event["requestContext"]["requestId"]
    assert reply.body["next_token"] is None


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ({"limit": "0"}, "query.limit"),
        ({"limit": "201"}, "query.limit"),
        ({"since": "0741-73-55T48:67"}, "query.since"),
        ({"until": "2026-13-01"}, "query.until"),
        ({"until": "0999-12-31"}, "query.until"),
        ({"next_token": "not-a-token"}, "next_token"),
        ({"next_token": token_for({"pk": {"S": "MODEL#x"}, "sk": {"S": "x"}})}, "next_token"),
        (
            {"next_token": token_for({"pk": {"S": "AUDIT#2026-03"}, "sk": {"S": "x"}, "extra": {"S": "x"}})},
            "next_token",
        ),
    ],
    ids=[
        "zero",
        "too-many",
        "month-73",
        "month-13",
        "year-999",
        "garbage-token",
        "token-for-another-partition",
        "token-with-extra-key",
    ],
)
def test_audit_refuses_bad_paging_parameters(api: ApiHarness, query: dict[str, str], path: str) -> None:
    reply = audit_page(api, **query)

    assert reply.status == 400
    assert [d["path"] for d in reply.body["details"]] == [path]
