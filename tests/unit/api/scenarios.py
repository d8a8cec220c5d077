"""Requests the API tests send: callers, override kinds and one event builder per route."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from inference_engine.merge import merge_patch
from tests.events import admin_claims, model_event, rest_event, user_claims
from tests.fakes.inventory import ALLOWED_ROLE_ARN, DEFAULT_MODEL, model_config

PROMPT = "Summarise the quarterly numbers for ACME-SECRET-PROJECT in two sentences."
SAVED_ID = "saved-model"  # seeded at version 1 where a route needs an existing saved model
NEW_ID = "my-model"  # the id PUT /models creates


class Caller(StrEnum):
    ANONYMOUS = "anonymous"
    USER = "user"
    ADMIN = "admin"


class Kind(StrEnum):
    """What the request changes about the model (for PUT: what the saved config contains)."""

    NONE = "none"
    OVERRIDE = "override"
    CROSS_ACCOUNT = "cross_account"
    CUSTOM_ENDPOINT = "custom_endpoint"


PATCHES: dict[Kind, dict[str, Any] | None] = {
    Kind.NONE: None,
    Kind.OVERRIDE: {"model_kwargs": {"temperature": 0.1}},
    Kind.CROSS_ACCOUNT: {"cross_account": {"role_arn": ALLOWED_ROLE_ARN}},
    Kind.CUSTOM_ENDPOINT: {"provider": {"endpoint_url": "https://evil.example.com"}},
}


def claims_of(caller: Caller) -> dict[str, Any] | None:
    return {Caller.ANONYMOUS: None, Caller.USER: user_claims(), Caller.ADMIN: admin_claims()}[caller]


def invoke_body(kind: Kind = Kind.NONE, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model_id": DEFAULT_MODEL, "prompt": PROMPT, **extra}
    patch = PATCHES[kind]
    if patch is not None:
        body["override"] = patch
    return body


def saved_config(kind: Kind = Kind.NONE, model_id: str = NEW_ID) -> dict[str, Any]:
    """The default model's config under ``model_id``, changed the way ``kind`` says."""
    config = model_config(DEFAULT_MODEL, id=model_id, name=f"Saved {model_id}")
    patch = PATCHES[kind]
    merged: dict[str, Any] = merge_patch(config, patch) if patch is not None else config
    return merged


def save_body(kind: Kind = Kind.NONE, *, version: int = 0, model_id: str = NEW_ID) -> dict[str, Any]:
    return {"config": saved_config(kind, model_id), "version": version, "base_model_id": DEFAULT_MODEL}


class Route(StrEnum):
    ME = "GET /me"
    LIST_MODELS = "GET /models"
    GET_MODEL = "GET /models/{id}"
    SCHEMA = "GET /schema/model-config"
    OPENAPI = "GET /openapi.json"
    AUDIT = "GET /audit"
    INVOKE = "POST /invoke"
    INVOKE_STREAM = "POST /invoke/stream"
    VALIDATE = "POST /models/validate"
    SAVE = "PUT /models/{id}"
    DELETE = "DELETE /models/{id}"
    VERSIONS = "GET /models/{id}/versions"
    VERSION = "GET /models/{id}/versions/{n}"
    DISCOVER_SAGEMAKER = "GET /discovery/sagemaker/endpoints"
    DISCOVER_ENDPOINT = "GET /discovery/sagemaker/endpoints/{name}"
    DISCOVER_BEDROCK = "GET /discovery/bedrock/models"
    PROBE = "POST /discovery/probe"


BODY_ROUTES = (Route.INVOKE, Route.INVOKE_STREAM, Route.VALIDATE, Route.SAVE)
# Discovery reads through a role or not; nothing else about a model can change in them.
DISCOVERY_ROUTES = (Route.DISCOVER_SAGEMAKER, Route.DISCOVER_ENDPOINT, Route.DISCOVER_BEDROCK, Route.PROBE)
DISCOVERY_REGION = "us-east-1"
PROBED_ENDPOINT = "tgi-mistral-7b"  # in the emulator's inventory


def discovery_scope(kind: Kind) -> dict[str, str]:
    """The query of a discovery read: the region, and the allowed role for ``Kind.CROSS_ACCOUNT``."""
    query = {"region": DISCOVERY_REGION}
    if kind is Kind.CROSS_ACCOUNT:
        query["role_arn"] = ALLOWED_ROLE_ARN
    return query


def probe_body(kind: Kind = Kind.NONE, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "target": {"type": "sagemaker", "endpoint_name": PROBED_ENDPOINT, "region": DISCOVERY_REGION},
        "formats": ["tgi"],
        "stream": False,
        **extra,
    }
    if kind is Kind.CROSS_ACCOUNT:
        body["cross_account"] = {"role_arn": ALLOWED_ROLE_ARN}
    return body


def discovery_event(
    route: Route, who: dict[str, Any] | None, kind: Kind, *, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The event of a discovery route: its query (region, role) or, for a probe, its body."""
    match route:
        case Route.DISCOVER_SAGEMAKER:
            return rest_event("GET", "/discovery/sagemaker/endpoints", claims=who, query=discovery_scope(kind))
        case Route.DISCOVER_ENDPOINT:
            return rest_event(
                "GET",
                f"/discovery/sagemaker/endpoints/{PROBED_ENDPOINT}",
                claims=who,
                query=discovery_scope(kind),
                resource="/discovery/sagemaker/endpoints/{name}",
                path_parameters={"name": PROBED_ENDPOINT},
            )
        case Route.DISCOVER_BEDROCK:
            query = {**discovery_scope(kind), "kind": "foundation-model"}
            return rest_event("GET", "/discovery/bedrock/models", claims=who, query=query)
        case Route.PROBE:
            return rest_event("POST", "/discovery/probe", claims=who, body=body or probe_body(kind))
    raise AssertionError(route)


def event_for(  # noqa: PLR0912 - one case per route
    route: Route,
    caller: Caller,
    kind: Kind = Kind.NONE,
    *,
    body: dict[str, Any] | None = None,
    claims: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The event a ``caller`` sends to ``route`` (``claims`` replaces the caller's claims when given)."""
    who = claims if claims is not None else claims_of(caller)
    if route in DISCOVERY_ROUTES:
        return discovery_event(route, who, kind, body=body)
    match route:
        case Route.ME:
            return rest_event("GET", "/me", claims=who)
        case Route.LIST_MODELS:
            return rest_event("GET", "/models", claims=who)
        case Route.GET_MODEL:
            return model_event("GET", DEFAULT_MODEL, claims=who)
        case Route.SCHEMA:
            return rest_event("GET", "/schema/model-config", claims=who)
        case Route.OPENAPI:
            return rest_event("GET", "/openapi.json", claims=who)
        case Route.AUDIT:
            return rest_event("GET", "/audit", claims=who)
        case Route.INVOKE:
            return rest_event("POST", "/invoke", claims=who, body=body or invoke_body(kind))
        case Route.INVOKE_STREAM:
            return rest_event("POST", "/invoke/stream", claims=who, body=body or invoke_body(kind))
        case Route.VALIDATE:
            return rest_event("POST", "/models/validate", claims=who, body=body or invoke_body(kind))
        case Route.SAVE:
            return model_event("PUT", NEW_ID, claims=who, body=body or save_body(kind))
        case Route.DELETE:
            return model_event("DELETE", SAVED_ID, claims=who, query={"version": "1"})
        case Route.VERSIONS:
            return rest_event("GET", f"/models/{SAVED_ID}/versions", claims=who)
        case Route.VERSION:
            return rest_event("GET", f"/models/{SAVED_ID}/versions/1", claims=who)
    raise AssertionError(route)
