"""Routing of one HTTP request: the emulator's own control routes, the SageMaker and Bedrock runtimes, and the
read-only SageMaker and Bedrock APIs discovery uses."""

from __future__ import annotations

from urllib.parse import unquote

from local.emulator import bedrock, bedrock_api, control, sagemaker, sagemaker_api
from local.emulator.service_errors import (
    BEDROCK_NAMESPACE,
    SAGEMAKER_NAMESPACE,
    ServiceError,
    missing_authentication_token,
)
from local.emulator.state import EmulatorState
from local.emulator.wire import HttpRequest, HttpResponse


class EmulatorApp:
    """The whole emulator as a function from request to response (the server only moves bytes)."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def handle(self, request: HttpRequest) -> HttpResponse:
        path = request.raw_path
        if path.startswith(control.PREFIX + "/"):
            return control.handle(self.state, request)
        if path.startswith("/endpoints/"):
            endpoint, _, action = path.removeprefix("/endpoints/").partition("/")
            operation = sagemaker.OPERATIONS.get(action)
            if operation is None or request.method != "POST" or not endpoint:
                return _unknown_operation(SAGEMAKER_NAMESPACE)
            if not request.header("authorization"):
                return missing_authentication_token(SAGEMAKER_NAMESPACE).to_response()
            return sagemaker.handle(self.state, request, unquote(endpoint), operation)
        target = request.header("x-amz-target") or ""
        if path in ("", "/") and request.method == "POST" and target.startswith(sagemaker_api.TARGET_PREFIX):
            if not request.header("authorization"):
                return missing_authentication_token("com.amazonaws.sagemaker").to_response()
            return sagemaker_api.handle(self.state, request, target.removeprefix(sagemaker_api.TARGET_PREFIX))
        if any(path == route or path.startswith(route + "/") for route in bedrock_api.ROUTES):
            if not request.header("authorization"):
                return missing_authentication_token("com.amazonaws.bedrock").to_response()
            return bedrock_api.handle(self.state, request)
        if path.startswith("/model/"):
            model_id, _, action = path.removeprefix("/model/").rpartition("/")
            operation = bedrock.OPERATIONS.get(action)
            if operation is None or request.method != "POST" or not model_id:
                return _unknown_operation(BEDROCK_NAMESPACE)
            if not request.header("authorization"):
                return missing_authentication_token(BEDROCK_NAMESPACE).to_response()
            return bedrock.handle(self.state, request, model_id, operation)
        return _unknown_operation(BEDROCK_NAMESPACE)


def _unknown_operation(namespace: str) -> HttpResponse:
    return ServiceError(
        404, "UnknownOperationException", {"message": "Unknown operation"}, namespace=namespace
    ).to_response()
