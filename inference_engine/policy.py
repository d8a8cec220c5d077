"""The security rules of DESIGN §4, evaluated in one place.

Each check takes the caller, the stage's policy and what is asked, and returns a ``Decision`` that
names the rule. The HTTP layer turns a denial into 403 (with the rule), writes an audit record and
makes no upstream call. IAM enforces the same rules again in the deployed stacks.

Rules:
- ``admin_only``: only members of the admin group may send an override (any change to a model's
  config) or debug flags, or call admin routes. Group names match exactly: no case folding, no
  Unicode normalisation, no trimming.
- ``cross_account_stage``: ``cross_account`` is accepted only where the stage allows it (default: dev).
- ``cross_account_role``: the role ARN must be in the stage's partition and match its allowed
  patterns and accounts (when set).
- ``custom_endpoint``: a Bedrock ``endpoint_url`` must be an AWS Bedrock runtime host (regional,
  FIPS, or a VPC interface endpoint) unless the stage allows custom endpoints.
- ``discovery_scope``: discovery and format probes run only where the stage enables them (default: dev)
  and in the stage's discovery regions (when set); a role they go through follows the two cross-account rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from inference_engine.errors import EngineError
from inference_engine.schema import BedrockProvider, CrossAccount, ModelConfig
from inference_engine.settings import StagePolicy


class Rule(StrEnum):
    ADMIN_ONLY = "admin_only"
    CROSS_ACCOUNT_STAGE = "cross_account_stage"
    CROSS_ACCOUNT_ROLE = "cross_account_role"
    CUSTOM_ENDPOINT = "custom_endpoint"
    DISCOVERY_SCOPE = "discovery_scope"


@dataclass(frozen=True)
class Caller:
    """Who is asking: the authenticated user's name, subject and groups (from verified claims)."""

    username: str
    sub: str
    groups: frozenset[str]

    def in_group(self, group: str) -> bool:
        return group in self.groups  # exact, code-point equality on purpose


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: Rule | None = None
    message: str = ""


ALLOW = Decision(True)


class PolicyDeniedError(EngineError):
    """A security rule refused the request (HTTP 403); ``rule`` names it."""

    code = "forbidden"

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.message)
        self.rule = decision.rule


AWS_BEDROCK_HOSTS = (
    re.compile(r"bedrock-runtime(-fips)?\.[a-z]{2}(-[a-z]+)+-\d{1,2}\.amazonaws\.com(\.cn)?"),
    re.compile(r"vpce-[a-z0-9-]{1,64}\.bedrock-runtime\.[a-z]{2}(-[a-z]+)+-\d{1,2}\.vpce\.amazonaws\.com(\.cn)?"),
)


def is_admin(caller: Caller | None, policy: StagePolicy) -> bool:
    return caller is not None and caller.in_group(policy.admin_group)


def check_admin(caller: Caller | None, policy: StagePolicy, what: str) -> Decision:
    if is_admin(caller, policy):
        return ALLOW
    return Decision(False, Rule.ADMIN_ONLY, f"{what} is for members of the {policy.admin_group!r} group only.")


def check_invocation(caller: Caller | None, policy: StagePolicy, *, has_override: bool, debug: bool) -> Decision:
    """Rule 1 for invoke/validate: overrides and debug output are admin-only."""
    if has_override:
        return check_admin(caller, policy, "Sending an override (a change to a model's config)")
    if debug:
        return check_admin(caller, policy, "Debug output (request body, raw response)")
    return ALLOW


def _partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 else ""


def check_cross_account(cross_account: CrossAccount | None, policy: StagePolicy) -> Decision:
    """Rule 2: a role is used only where the stage allows cross-account calls and its policy allows that role."""
    if cross_account is None:
        return ALLOW
    if not policy.cross_account_enabled:
        return Decision(
            False,
            Rule.CROSS_ACCOUNT_STAGE,
            f"Cross-account roles are not allowed in the {policy.stage!r} stage.",
        )
    role_arn = cross_account.role_arn
    if _partition(role_arn) != policy.partition:
        return Decision(
            False,
            Rule.CROSS_ACCOUNT_ROLE,
            f"Role {role_arn} is in partition {_partition(role_arn)!r}; this stage runs in {policy.partition!r}.",
        )
    if not policy.role_arn_allowed(role_arn):
        message = f"Role {role_arn} is not allowed by the {policy.stage!r} stage's policy."
        return Decision(False, Rule.CROSS_ACCOUNT_ROLE, message)
    return ALLOW


def check_discovery(policy: StagePolicy, region: str, cross_account: CrossAccount | None) -> Decision:
    """Rule 6's scope for discovery and probes: the stage allows them, in this region, through this role."""
    if not policy.discovery_enabled:
        return Decision(False, Rule.DISCOVERY_SCOPE, f"Discovery is not enabled in the {policy.stage!r} stage.")
    regions = policy.discovery.regions
    if regions and region not in regions:
        return Decision(
            False,
            Rule.DISCOVERY_SCOPE,
            f"Region {region} is not one the {policy.stage!r} stage may discover ({', '.join(regions)}).",
        )
    return check_cross_account(cross_account, policy)


def check_model(config: ModelConfig, policy: StagePolicy) -> Decision:
    """Rules 2-4 on an effective (merged, validated) model config."""
    decision = check_cross_account(config.cross_account, policy)
    if not decision.allowed:
        return decision
    provider = config.provider
    if isinstance(provider, BedrockProvider) and provider.endpoint_url and not policy.allow_custom_bedrock_endpoints:
        host = (urlsplit(provider.endpoint_url).hostname or "").lower()
        if not any(pattern.fullmatch(host) for pattern in AWS_BEDROCK_HOSTS):
            return Decision(
                False,
                Rule.CUSTOM_ENDPOINT,
                f"Endpoint URL host {host!r} is not an AWS Bedrock runtime endpoint, and the {policy.stage!r} "
                "stage does not allow custom endpoints.",
            )
    return ALLOW


def enforce(decision: Decision) -> None:
    if not decision.allowed:
        raise PolicyDeniedError(decision)
