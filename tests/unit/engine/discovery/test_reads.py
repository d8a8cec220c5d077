"""Control-plane failures as the errors the API answers: not found 404, the caller's bad input 400, access 502,
throttling 429, and never a "model error" (no model was called)."""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError

from inference_engine.discovery.reads import control_plane_errors
from inference_engine.errors import (
    ConfigValidationError,
    CredentialsError,
    EngineError,
    ResourceNotFoundError,
    UpstreamError,
    UpstreamThrottledError,
)
from tests.fakes.clients import client_error


@pytest.mark.parametrize(
    ("raised", "expected", "code"),
    [
        (client_error("ValidationException", 400, 'Could not find endpoint "x".'), ResourceNotFoundError, "not_found"),
        (
            client_error("ResourceNotFoundException", 404, "The resource x was not found."),
            ResourceNotFoundError,
            "not_found",
        ),
        (
            client_error("ValidationException", 400, "Invalid pagination token."),
            ConfigValidationError,
            "validation_error",
        ),
        (client_error("AccessDeniedException", 400, "not authorized"), CredentialsError, "credentials_error"),
        (client_error("ThrottlingException", 400, "Rate exceeded"), UpstreamThrottledError, "throttled"),
        (client_error("InternalFailure", 500, "oops"), UpstreamError, "upstream_error"),
        (
            EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"),
            UpstreamError,
            "upstream_error",
        ),
    ],
)
def test_a_failed_read_is_the_documented_domain_error(
    raised: Exception, expected: type[EngineError], code: str
) -> None:
    with pytest.raises(expected) as caught, control_plane_errors("SageMaker endpoint 'x'"):
        raise raised
    assert caught.value.code == code
    assert caught.value.message.startswith("SageMaker endpoint 'x'")
