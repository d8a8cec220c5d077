"""The reliability suite's own local stack: the embedded default started with a short engine read timeout.

It is the same process tree ``make dev`` runs (``tests.support.local_stack.running_stack``), with two
environment variables passed through: ``ENGINE_READ_TIMEOUT_S`` (so a slow model times out in seconds,
not a minute) and a canary secret that no template, error or response may ever reveal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.reliability.stack_client import StackClient
from tests.reliability.stack_env import STACK_ENVIRONMENT
from tests.support.local_stack import RunningStack, running_stack


@pytest.fixture(scope="session")
def reliability_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with contextlib.ExitStack() as stack, pytest.MonkeyPatch.context() as env:
        for name, value in STACK_ENVIRONMENT.items():
            env.setenv(name, value)
        running = stack.enter_context(running_stack(tmp_path_factory.mktemp("reliability-stack")))
        env.undo()  # the child process has its copy; this process keeps its own environment
        yield running


@pytest.fixture(scope="session")
def admin(reliability_stack: RunningStack) -> StackClient:
    return StackClient(reliability_stack, reliability_stack.login("admin"))


@pytest.fixture(scope="session")
def user(reliability_stack: RunningStack) -> StackClient:
    return StackClient(reliability_stack, reliability_stack.login("user"))
