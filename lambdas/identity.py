"""The caller's identity, read from the Cognito claims API Gateway's authorizer put on the event."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from inference_engine.policy import Caller

GROUPS_CLAIM = "cognito:groups"


def parse_groups(raw: Any) -> frozenset[str]:
    """``cognito:groups`` as a set of exact names.

    API Gateway REST authorizers pass every claim as a string: ``"a,b"`` for several groups; HTTP API
    JWT authorizers write ``"[a b]"``; a JSON array or a real list are accepted too. Names are kept
    exactly as issued (no case folding, no normalisation, no trimming inside a name).
    """
    if raw is None or raw == "":
        return frozenset()
    if isinstance(raw, list | tuple):
        return frozenset(str(g) for g in raw if isinstance(g, str) and g)
    if not isinstance(raw, str):
        return frozenset()
    text = raw
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return frozenset(g for g in text[1:-1].split(" ") if g)
        return parse_groups(parsed) if isinstance(parsed, list) else frozenset()
    return frozenset(g for g in text.split(",") if g)


def caller_from_claims(claims: Mapping[str, Any] | None) -> Caller | None:
    """``None`` when the event carries no usable identity (the API then answers 401)."""
    if not claims:
        return None
    sub = claims.get("sub")
    username = claims.get("cognito:username") or claims.get("username") or sub
    if not isinstance(sub, str) or not sub or not isinstance(username, str):
        return None
    return Caller(username=username, sub=sub, groups=parse_groups(claims.get(GROUPS_CLAIM)))


def claims_of(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    claims = authorizer.get("claims")
    return claims if isinstance(claims, Mapping) else None
