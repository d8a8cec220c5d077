"""Fixtures shared across test kinds (started lazily: only tests that ask for them pay for them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.local_stack import RunningStack, running_stack


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The embedded default, API only, on free loopback ports."""
    with running_stack(tmp_path_factory.mktemp("stack")) as stack:
        yield stack
