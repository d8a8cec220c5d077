"""``/cognito``: the UI's sign-in calls (Cognito IDP's JSON API), forwarded to moto."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping

from local.http_response import LocalResponse

AMZ_JSON = "application/x-amz-json-1.1"
FORWARDED_HEADERS = frozenset({"content-type", "x-amz-target", "x-amz-user-agent"})


def forward(upstream: str, headers: Mapping[str, str], body: bytes) -> LocalResponse:
    target = headers.get("X-Amz-Target") or ""
    if target.endswith(".RevokeToken"):
        # moto does not implement RevokeToken (sign-out); Cognito answers an empty 200 for a valid request.
        return LocalResponse(200, {"Content-Type": AMZ_JSON}, b"{}")
    forwarded = {k: v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}
    request = urllib.request.Request(upstream + "/", data=body, headers=forwarded, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, content, content_type = answer.status, answer.read(), answer.headers.get("Content-Type")
    except urllib.error.HTTPError as error:
        status, content, content_type = error.code, error.read(), error.headers.get("Content-Type")
    return LocalResponse(status, {"Content-Type": content_type or AMZ_JSON}, content)
