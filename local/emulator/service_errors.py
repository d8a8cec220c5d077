"""The error responses of the SageMaker and Bedrock runtimes, shaped so botocore raises the right code.

botocore's rest-json parser takes the code from the ``x-amzn-ErrorType`` header (text before ``:``),
the message from ``message``/``Message`` in the JSON body, and copies the other body members that the
service model declares for that error (``OriginalStatusCode``, ``LogStreamArn``...) into the response.
"""

from __future__ import annotations

import json
from typing import Any

from local.emulator.wire import ACCOUNT_ID, HttpResponse

SAGEMAKER_NAMESPACE = "com.amazon.sagemaker.runtime"
BEDROCK_NAMESPACE = "com.amazon.bedrock.runtime"


class ServiceError(Exception):
    """An AWS error answer: HTTP status, error code and the JSON body members."""

    def __init__(self, status: int, code: str, body: dict[str, Any], *, namespace: str) -> None:
        super().__init__(f"{code}: {body}")
        self.status = status
        self.code = code
        self.body = body
        self.namespace = namespace

    @property
    def message(self) -> str | None:
        value = self.body.get("message", self.body.get("Message"))
        return None if value is None else str(value)

    def to_response(self) -> HttpResponse:
        return HttpResponse(
            self.status,
            {
                "Content-Type": "application/json",
                "x-amzn-ErrorType": f"{self.code}:http://internal.amazon.com/coral/{self.namespace}/",
            },
            json.dumps(self.body, separators=(",", ":")).encode(),
        )


def missing_authentication_token(namespace: str) -> ServiceError:
    return ServiceError(
        403, "MissingAuthenticationTokenException", {"message": "Missing Authentication Token"}, namespace=namespace
    )


# --- SageMaker runtime --------------------------------------------------------------------------------


def _sagemaker(status: int, code: str, body: dict[str, Any]) -> ServiceError:
    return ServiceError(status, code, body, namespace=SAGEMAKER_NAMESPACE)


def endpoint_arn(region: str, endpoint: str) -> str:
    return f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:endpoint/{endpoint.lower()}"


def log_stream_arn(region: str, endpoint: str) -> str:
    return f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/{endpoint}"


def sagemaker_validation(message: str) -> ServiceError:
    return _sagemaker(400, "ValidationError", {"ErrorCode": "VALIDATION_ERROR", "Message": message})


def sagemaker_endpoint_not_found(endpoint: str) -> ServiceError:
    return sagemaker_validation(f"Endpoint {endpoint} of account {ACCOUNT_ID} not found.")


def sagemaker_model_error(region: str, endpoint: str, original_status: int, original_message: str) -> ServiceError:
    """The container answered an error: SageMaker wraps its status and body in a 424 ``ModelError``."""
    side = "client" if original_status < 500 else "server"
    console = (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logEventViewer:group=/aws/sagemaker/Endpoints/{endpoint}"
    )
    message = (
        f'Received {side} error ({original_status}) from primary with message "{original_message}". '
        f"See {console} in account {ACCOUNT_ID} for more information."
    )
    return _sagemaker(
        424,
        "ModelError",
        {
            "ErrorCode": f"{side.upper()}_ERROR_FROM_MODEL",
            "LogStreamArn": log_stream_arn(region, endpoint),
            "Message": message,
            "OriginalMessage": original_message,
            "OriginalStatusCode": original_status,
        },
    )


def sagemaker_model_timeout(region: str, endpoint: str) -> ServiceError:
    message = (
        "Your invocation timed out while waiting for a response from container primary. Review the latency "
        "metrics for each container in Amazon CloudWatch, resolve the issue, and try again."
    )
    return _sagemaker(
        424,
        "ModelError",
        {"ErrorCode": "INVOCATION_TIMEOUT", "LogStreamArn": log_stream_arn(region, endpoint), "Message": message},
    )


def sagemaker_throttling() -> ServiceError:
    # The real service answers 400 with a null message (see the SageMaker CommonErrors page).
    return _sagemaker(400, "ThrottlingException", {"message": None})


def sagemaker_service_unavailable() -> ServiceError:
    return _sagemaker(503, "ServiceUnavailable", {"Message": "The service is unavailable. Try again later."})


def sagemaker_internal_failure() -> ServiceError:
    return _sagemaker(500, "InternalFailure", {"Message": "An internal failure occurred. Try again later."})


def sagemaker_access_denied(region: str, endpoint: str, access_key: str | None) -> ServiceError:
    message = (
        f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/emulator/{access_key or 'anonymous'} is not authorized to "
        f"perform: sagemaker:InvokeEndpoint on resource: {endpoint_arn(region, endpoint)} because no "
        "identity-based policy allows the sagemaker:InvokeEndpoint action"
    )
    return _sagemaker(400, "AccessDeniedException", {"Message": message})


# --- Bedrock runtime ----------------------------------------------------------------------------------


def _bedrock(status: int, code: str, body: dict[str, Any]) -> ServiceError:
    return ServiceError(status, code, body, namespace=BEDROCK_NAMESPACE)


def bedrock_validation(message: str) -> ServiceError:
    return _bedrock(400, "ValidationException", {"message": message})


def bedrock_malformed(violations: list[str]) -> ServiceError:
    """An InvokeModel body that fails the model's JSON schema, in Bedrock's words."""
    return bedrock_validation(
        f"Malformed input request: {''.join(violations)}, please reformat your input and try again."
    )


def bedrock_invalid_model_id() -> ServiceError:
    return bedrock_validation("The provided model identifier is invalid.")


def bedrock_not_found(message: str = "The requested resource could not be found.") -> ServiceError:
    return _bedrock(404, "ResourceNotFoundException", {"message": message})


def bedrock_throttling() -> ServiceError:
    return _bedrock(429, "ThrottlingException", {"message": "Too many requests, please wait before trying again."})


def bedrock_model_error(model_arn: str) -> ServiceError:
    return _bedrock(
        424,
        "ModelErrorException",
        {
            "message": "The system encountered an unexpected error during processing. Try your request again.",
            "originalStatusCode": 500,
            "resourceName": model_arn,
        },
    )


def bedrock_model_timeout() -> ServiceError:
    return _bedrock(408, "ModelTimeoutException", {"message": "Model has timed out in processing the request."})


def bedrock_access_denied() -> ServiceError:
    return _bedrock(
        403, "AccessDeniedException", {"message": "You don't have access to the model with the specified model ID."}
    )


def bedrock_service_unavailable() -> ServiceError:
    return _bedrock(503, "ServiceUnavailableException", {"message": "Bedrock is unable to process your request."})


def bedrock_internal() -> ServiceError:
    return _bedrock(
        500, "InternalServerException", {"message": "The server encountered an error processing your request."}
    )
