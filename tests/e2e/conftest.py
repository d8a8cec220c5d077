"""The stack with the UI, and the browser scenarios run once each against it (module scope)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.browser_scenarios import SCENARIO_DATA, ScenarioRun, pace_stream, prerequisites_problem, run_scenario
from tests.support.local_stack import RunningStack, running_stack


@pytest.fixture(scope="module")
def ui_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The embedded default with the built UI; the base model's stream is paced so deltas arrive one by one."""
    problem = prerequisites_problem()
    if problem:
        pytest.fail(problem, pytrace=False)
    with running_stack(tmp_path_factory.mktemp("e2e-stack"), ui=True) as stack:
        pace_stream(stack, SCENARIO_DATA["base_model"]["endpoint_name"], SCENARIO_DATA["stream_token_delay_ms"])
        yield stack


@pytest.fixture(scope="module")
def admin_run(ui_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> ScenarioRun:
    """The administrator's scenario: models table, create flow, edit beside test, compare, versions, audit, guard."""
    return run_scenario("admin-console", ui_stack, tmp_path_factory.mktemp("e2e-admin"))


@pytest.fixture(scope="module")
def user_run(ui_stack: RunningStack, admin_run: ScenarioRun, tmp_path_factory: pytest.TempPathFactory) -> ScenarioRun:
    """The plain user's scenario; it needs the model the administrator saved."""
    if admin_run.returncode != 0:
        pytest.fail(f"the admin scenario failed, so there is no saved model to use:\n{admin_run.report()}")
    return run_scenario("plain-user", ui_stack, tmp_path_factory.mktemp("e2e-user"))


@pytest.fixture(scope="module")
def discovery_run(ui_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> ScenarioRun:
    """The administrator finds a deployed model, probes it and invokes it (after the other scenarios: its own
    endpoint, so their request counts are unaffected)."""
    return run_scenario("admin-discovery", ui_stack, tmp_path_factory.mktemp("e2e-discovery"))
