"""Discovery reads a real boto3 client answered in memory by the emulator (its realistic inventory, no socket)."""

from __future__ import annotations

import pytest

from tests.fakes.emulator_clients import InMemoryEmulator


@pytest.fixture
def emulator() -> InMemoryEmulator:
    return InMemoryEmulator()
