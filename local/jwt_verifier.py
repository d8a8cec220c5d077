"""Verifies Cognito ID tokens the way API Gateway's Cognito user-pool authorizer does.

Signature (RS256) against the pool's JWKS, issuer, audience (the app client id), expiry and
``token_use == "id"``. A failure is reported with API Gateway's own words and status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt


@dataclass(frozen=True)
class Rejection(Exception):  # noqa: N818 - a rejection, reported as API Gateway reports it
    status: int
    message: str


class CognitoTokenVerifier:
    def __init__(self, *, jwks_url: str, issuer: str, client_id: str) -> None:
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600)
        self._issuer = issuer
        self._client_id = client_id

    def claims(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of the ``Authorization`` header's token, or ``Rejection``."""
        if not authorization:
            raise Rejection(401, "Unauthorized")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._client_id,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Rejection(401, "The incoming token has expired") from None
        except (jwt.PyJWTError, jwt.PyJWKClientError, ValueError):
            raise Rejection(401, "Unauthorized") from None
        if claims.get("token_use") != "id":
            raise Rejection(401, "Unauthorized")
        return claims


def gateway_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as API Gateway REST passes them to the integration: every value a string, groups comma-joined."""
    result: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, list):
            result[name] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            result[name] = "true" if value else "false"
        else:
            result[name] = str(value)
    return result
