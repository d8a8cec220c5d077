"""Read-only control-plane calls: their failures as domain errors, and listings read page by page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from botocore.exceptions import ClientError

from inference_engine.discovery.models import ReadError
from inference_engine.errors import ConfigValidationError, EngineError, ModelError, ResourceNotFoundError, UpstreamError
from inference_engine.providers.base import upstream_errors

NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "ResourceNotFound", "NotFoundException"})
MAX_PAGES = 10  # a listing reads at most this many pages; the answer says when there were more


def _not_found(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    # SageMaker answers a missing endpoint/model/config with ValidationException "Could not find ..."
    return code in NOT_FOUND_CODES or (code.startswith("Validation") and "could not find" in message.lower())


class control_plane_errors(upstream_errors):  # noqa: N801 - used like a function: ``with control_plane_errors(x):``
    """Translate a botocore failure of a read into the domain error the API answers (404, 400, 429, 502, 504)."""

    __slots__ = ()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            if _not_found(exc):
                raise ResourceNotFoundError(f"{self.target}: {error.get('Message', 'not found')}") from None
            if str(error.get("Code", "")).startswith("Validation"):
                # a read's only inputs are the caller's (name, page token, filters): the service refused one of them
                raise ConfigValidationError(f"{self.target}: {error.get('Message', 'invalid request')}") from None
        try:
            super().__exit__(exc_type, exc, tb)
        except ModelError as error:
            if type(error) is not ModelError:
                raise
            # no model was called: a control-plane refusal is an upstream error
            raise UpstreamError(
                error.message, upstream_code=error.upstream_code, status=error.upstream_status
            ) from None


def read_error(exc: EngineError) -> ReadError:
    return ReadError(error=exc.code, message=exc.message)


def pages(
    call: Callable[..., dict[str, Any]], token_in: str, token_out: str, **params: Any
) -> Iterator[dict[str, Any]]:
    """Every page of a listing, up to ``MAX_PAGES``; a last ``{"truncated": True}`` item when more were left."""
    token: str | None = None
    for _ in range(MAX_PAGES):
        page = call(**params, **({token_in: token} if token else {}))
        yield page
        token = page.get(token_out)
        if not token:
            return
    yield {"truncated": True}
