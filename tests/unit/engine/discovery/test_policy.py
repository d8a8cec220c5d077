"""Where discovery and probes may run: the stage (dev by default), its regions, and the cross-account rules."""

from __future__ import annotations

from typing import Any

import pytest

from inference_engine.policy import Rule, check_discovery
from inference_engine.schema import CrossAccount
from inference_engine.settings import StagePolicy

ROLE = CrossAccount(role_arn="arn:aws:iam::222222222222:role/ModelStudioDiscovery")


def policy(stage: str, **fields: Any) -> StagePolicy:
    return StagePolicy.model_validate({"stage": stage, **fields})


@pytest.mark.parametrize(
    ("stage_policy", "region", "role", "rule"),
    [
        (policy("dev"), "eu-west-3", None, None),
        (policy("prod"), "us-east-1", None, Rule.DISCOVERY_SCOPE),
        (policy("prod", discovery={"enabled": True}), "us-east-1", None, None),
        (policy("prod", discovery={"enabled": True}), "us-east-1", ROLE, Rule.CROSS_ACCOUNT_STAGE),
        (policy("dev", discovery={"enabled": False}), "us-east-1", None, Rule.DISCOVERY_SCOPE),
        (policy("dev", discovery={"regions": ["us-east-1"]}), "us-west-2", None, Rule.DISCOVERY_SCOPE),
        (policy("dev", discovery={"regions": ["us-east-1"]}), "us-east-1", ROLE, None),
        (
            policy("dev", allowed_role_arns=["arn:aws:iam::111122223333:role/*"]),
            "us-east-1",
            ROLE,
            Rule.CROSS_ACCOUNT_ROLE,
        ),
    ],
)
def test_discovery_scope(stage_policy: StagePolicy, region: str, role: CrossAccount | None, rule: Rule | None) -> None:
    decision = check_discovery(stage_policy, region, role)
    assert decision.allowed is (rule is None)
    assert decision.rule == rule
    if rule is Rule.DISCOVERY_SCOPE:
        assert stage_policy.stage in decision.message


def test_the_probe_limit_is_bounded() -> None:
    assert policy("dev").discovery.probe_max_calls == 4
    with pytest.raises(ValueError, match="probe_max_calls"):
        policy("dev", discovery={"probe_max_calls": 11})
