"""API unit tests: DynamoDB is moto in-process (``mock_aws``, no socket), runtime clients are recording fakes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto import mock_aws

from tests.fakes.api import ApiHarness


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


@pytest.fixture
def make_api(aws: None) -> Callable[..., ApiHarness]:
    """``make_api(stage="prod", ...)``: a harness over fresh moto tables (see ``ApiHarness.build``)."""

    def build(**kwargs: Any) -> ApiHarness:
        return ApiHarness.build(**kwargs)

    return build


@pytest.fixture
def api(make_api: Callable[..., ApiHarness]) -> ApiHarness:
    """The dev stage: cross-account roles allowed when they match the stage's pattern; no custom endpoints."""
    return make_api(stage="dev")


@pytest.fixture
def prod_api(make_api: Callable[..., ApiHarness]) -> ApiHarness:
    return make_api(stage="prod")
