"""Each stage is synthesized once per session (see ``stage_stack.synthesize``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.stage_stack import Synthesized, synthesize


@pytest.fixture(scope="session")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("web")
    (directory / "index.html").write_text("<!doctype html><title>placeholder</title>\n", encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory, web_dir: Path) -> Synthesized:
    return synthesize("dev", tmp_path_factory.mktemp("dev"), web_dir)


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory, web_dir: Path) -> Synthesized:
    return synthesize("prod", tmp_path_factory.mktemp("prod"), web_dir)


@pytest.fixture(scope="session", params=["dev", "prod"])
def synthesized(request: pytest.FixtureRequest) -> Synthesized:
    """Both stages, for properties that must hold everywhere."""
    result: Synthesized = request.getfixturevalue(request.param)
    return result
