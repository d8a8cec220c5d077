"""Helpers that read CloudFormation values the way a reviewer would (tokens rendered as ``${...}``)."""

from __future__ import annotations

from typing import Any


def render(value: Any) -> str:
    """Fn::Join / Ref / Fn::GetAtt / Fn::Sub as one string: ``arn:${AWS::Partition}:...``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return "${" + str(arg) + "}"
        if key == "Fn::GetAtt":
            return "${" + ".".join(arg) + "}"
        if key == "Fn::Join":
            separator, parts = arg
            return str(separator).join(render(p) for p in parts)
        if key == "Fn::Sub":
            return str(arg if isinstance(arg, str) else arg[0])
    raise AssertionError(f"cannot render {value!r}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(policy_resource: dict[str, Any]) -> list[dict[str, Any]]:
    document = policy_resource["Properties"]["PolicyDocument"]
    return list(document["Statement"])


def actions(statement: dict[str, Any]) -> list[str]:
    return [str(a) for a in as_list(statement["Action"])]


def resources(statement: dict[str, Any]) -> list[str]:
    return [render(r) for r in as_list(statement["Resource"])]
