"""The control plane under ``/_emulator/``: health, registry, faults, request log, reset (plain JSON)."""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import ValidationError

from local.emulator.faults import FaultSpec
from local.emulator.registry import Registry
from local.emulator.state import EmulatorState
from local.emulator.wire import HttpRequest, HttpResponse, json_response

PREFIX = "/_emulator"


def handle(state: EmulatorState, request: HttpRequest) -> HttpResponse:
    path = request.raw_path[len(PREFIX) :].rstrip("/")
    method = request.method
    try:
        if path == "/health" and method == "GET":
            return _health(state)
        if path == "/registry":
            return _registry(state, request)
        if path == "/faults":
            return _faults(state, request)
        if path.startswith("/faults/") and method == "DELETE":
            return _delete_fault(state, path.removeprefix("/faults/"))
        if path == "/requests":
            return _requests(state, request)
        if path == "/reset" and method == "POST":
            state.reset()
            return json_response(200, {"reset": True})
    except ValidationError as error:
        details = [
            {"path": ".".join(str(part) for part in item["loc"]), "message": item["msg"], "type": item["type"]}
            for item in error.errors(include_url=False)
        ]
        return json_response(400, {"error": "validation_error", "message": "invalid request body", "details": details})
    except ValueError as error:
        return json_response(400, {"error": "bad_request", "message": str(error)})
    return json_response(404, {"error": "not_found", "message": f"no control route {method} {request.raw_path}"})


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except ValueError as error:
        raise ValueError(f"body is not JSON: {error}") from None


def _health(state: EmulatorState) -> HttpResponse:
    registry = state.registry
    return json_response(
        200,
        {
            "status": "ok",
            "uptime_s": round(time.time() - state.started_at, 3),
            "sagemaker_endpoints": len(registry.sagemaker),
            "bedrock_models": len(registry.bedrock),
        },
    )


def _registry(state: EmulatorState, request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        registry = state.registry
    elif request.method == "PUT":
        registry = state.replace_registry(Registry.model_validate(_json_body(request)))
    elif request.method == "POST":
        registry = state.merge_registry(Registry.model_validate(_json_body(request)))
    else:
        return _method_not_allowed(request)
    return json_response(200, registry.model_dump(mode="json"))


def _faults(state: EmulatorState, request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return json_response(200, {"faults": [rule.as_dict() for rule in state.faults.list()]})
    if request.method == "POST":
        rule = state.faults.add(FaultSpec.model_validate(_json_body(request)))
        return json_response(201, rule.as_dict())
    if request.method == "DELETE":
        return json_response(200, {"deleted": state.faults.clear()})
    return _method_not_allowed(request)


def _delete_fault(state: EmulatorState, rule_id: str) -> HttpResponse:
    if not rule_id.isdigit() or not state.faults.delete(int(rule_id)):
        return json_response(404, {"error": "not_found", "message": f"no fault rule {rule_id}"})
    return json_response(200, {"deleted": 1})


def _requests(state: EmulatorState, request: HttpRequest) -> HttpResponse:
    if request.method == "DELETE":
        state.log.clear()
        return json_response(200, {"cleared": True})
    if request.method != "GET":
        return _method_not_allowed(request)
    params = request.query_params()
    limit = params.get("limit", "100")
    if not limit.isdigit():
        raise ValueError("limit must be a non-negative integer")
    return json_response(
        200,
        state.log.query(
            target=params.get("target"),
            operation=params.get("operation"),
            service=params.get("service"),
            limit=int(limit),
        ),
    )


def _method_not_allowed(request: HttpRequest) -> HttpResponse:
    return json_response(405, {"error": "method_not_allowed", "message": f"{request.method} {request.raw_path}"})
