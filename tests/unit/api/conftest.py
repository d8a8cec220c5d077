"""API unit tests: the resolver over in-memory stores and recording runtime clients (no AWS, no moto, no socket).
The DynamoDB adapters have their own tests on moto (``tests/integration/dal``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.fakes.api import ApiHarness


@pytest.fixture
def make_api() -> Callable[..., ApiHarness]:
    """``make_api(stage="prod", ...)``: a harness over fresh in-memory stores (see ``ApiHarness.build``)."""

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
