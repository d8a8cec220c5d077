"""API Gateway in front of the functions, as the stage is deployed (``lambdas.contract``): the Cognito authorizer
on every method but the public ones, the REST proxy event, the buffered function for most routes and the
streaming function (relayed chunk by chunk) for the streamed ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.contract import routes
from local.containers import ContainerPool
from local.http_response import LocalResponse, json_response
from local.jwt_verifier import CognitoTokenVerifier, Rejection, gateway_claims
from local.lambda_runtime import FunctionContainers
from local.proxy_event import build_event

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
PUBLIC_PATHS = frozenset(route.path for route in routes() if route.public)
STREAMED_ROUTES = frozenset((route.method, route.path) for route in routes() if route.streamed)


@dataclass
class Gateway:
    stage: str
    verifier: CognitoTokenVerifier
    buffered: ContainerPool
    streaming: FunctionContainers

    def handle(
        self, *, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes, source_ip: str
    ) -> LocalResponse:
        claims: dict[str, str] | None = None
        if method != "OPTIONS" and path not in PUBLIC_PATHS:
            try:
                claims = gateway_claims(self.verifier.claims(headers.get("Authorization")))
            except Rejection as rejection:
                return json_response(rejection.status, {"message": rejection.message})
        event = build_event(
            method=method,
            path=path,
            query=query,
            headers=dict(headers),
            body=body,
            stage=self.stage,
            claims=claims,
            source_ip=source_ip,
        )
        if (method, path) in STREAMED_ROUTES:
            invocation = self.streaming.invoke(event)
            status, response_headers, chunks = invocation.http_response()
            return LocalResponse(status, response_headers, chunks, on_hang_up=invocation.abort)
        result = self.buffered.invoke(event)
        response_headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            response_headers[name] = ", ".join(values)
        payload = result.get("body") or ""
        return LocalResponse(
            int(result["statusCode"]), response_headers, payload.encode() if isinstance(payload, str) else payload
        )

    def close(self) -> None:
        self.buffered.close()
        self.streaming.close()
