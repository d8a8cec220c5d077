"""A ready ``ModelConfig`` for something discovery found: a catalogue adapter with the target filled in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from inference_engine.catalogue import catalogue_json
from inference_engine.merge import merge_patch
from inference_engine.schema import CrossAccount, ModelConfig, parse_model_config

_NOT_SLUG = re.compile(r"[^a-z0-9._-]+")


def slug(text: str) -> str:
    """An id for ``ModelConfig.id`` from an endpoint name or model id (``claude-3:0`` -> ``claude-3-0``)."""
    value = _NOT_SLUG.sub("-", text.lower()).strip("-._")
    value = re.sub(r"-{2,}", "-", value)[:64].rstrip("-._")
    return value or "discovered-model"


def starting_config(
    fmt: str,
    *,
    provider: Mapping[str, Any],
    name: str,
    cross_account: CrossAccount | None = None,
    constraints: Mapping[str, int] | None = None,
) -> ModelConfig:
    """The catalogue adapter ``fmt`` pointed at ``provider`` (endpoint or model id, region, routing fields).

    ``constraints`` (limits the model server reported) replace the adapter's example limits.
    """
    patch: dict[str, Any] = {"id": slug(_target_of(provider)), "name": name[:128], "provider": dict(provider)}
    if cross_account is not None:
        patch["cross_account"] = cross_account.model_dump(exclude_none=True)
    document = merge_patch(catalogue_json(fmt), patch)
    if constraints:
        document["constraints"] = dict(constraints)
    return parse_model_config(document)


def _target_of(provider: Mapping[str, Any]) -> str:
    component = (provider.get("endpoint_kwargs") or {}).get("InferenceComponentName")
    if component:
        return str(component)
    target = str(provider.get("endpoint_name") or provider.get("model_id") or "")
    return target.rsplit("/", 1)[-1]  # an ARN's resource name
