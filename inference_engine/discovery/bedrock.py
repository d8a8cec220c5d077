"""Bedrock models in a region: foundation models, system and application inference profiles, imported models and
Marketplace endpoints, each with the value ``provider.model_id`` takes and the catalogue adapter to start from.

Converse works for every text model Bedrock serves, so it is the first adapter offered; a model family's own
InvokeModel body (Anthropic Messages, Titan, Llama, DeepSeek-R1) comes second. A foundation model Bedrock serves
only through an inference profile (no ON_DEMAND) is offered through a system profile that routes to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from inference_engine.discovery.models import BEDROCK_KINDS, BedrockKind, BedrockModel, BedrockModelList
from inference_engine.discovery.reads import control_plane_errors, pages
from inference_engine.discovery.starting_config import starting_config
from inference_engine.schema import CrossAccount, ModelConfig

CONVERSE = "bedrock-converse"
# InvokeModel bodies by model family (the model id without a geographic profile prefix).
_INVOKE_FORMATS: tuple[tuple[str, str], ...] = (
    ("anthropic.", "bedrock-anthropic-messages"),
    ("amazon.titan-text", "bedrock-titan-text"),
    ("meta.llama", "bedrock-meta-llama"),
    ("deepseek.r1", "bedrock-deepseek-r1"),
)
_GEO_PREFIX = re.compile(r"^(us|eu|apac|us-gov|ca|jp|au|global)\.")
_FOUNDATION_ARN = re.compile(r":foundation-model/(?P<id>.+)$")


def family_id(model_id: str) -> str:
    """``us.anthropic.claude-3-5-haiku-20241022-v1:0`` -> ``anthropic.claude-3-5-haiku-20241022-v1:0``."""
    found = _FOUNDATION_ARN.search(model_id)
    return _GEO_PREFIX.sub("", found.group("id") if found else model_id.rsplit("/", 1)[-1])


def invoke_format(model_id: str) -> str | None:
    """The catalogue adapter with this model family's own InvokeModel body, if the catalogue has one."""
    family = family_id(model_id)
    return next((fmt for prefix, fmt in _INVOKE_FORMATS if family.startswith(prefix)), None)


def adapters_for(model_id: str) -> list[str]:
    """Catalogue adapters for a Bedrock text model, best first: Converse, then the family's InvokeModel body."""
    native = invoke_format(model_id)
    return [CONVERSE, native] if native else [CONVERSE]


class BedrockDiscovery:
    """Reads one region's Bedrock models through one ``bedrock`` client (the caller's role, when it has one)."""

    def __init__(self, client: Any, region: str, cross_account: CrossAccount | None = None) -> None:
        self._client = client
        self._region = region
        self._cross_account = cross_account
        self._truncated = False

    def models(self, kinds: Iterable[BedrockKind] = BEDROCK_KINDS) -> BedrockModelList:
        wanted = set(kinds)
        profiles = self._profiles("SYSTEM_DEFINED") if wanted & {"system-inference-profile", "foundation-model"} else []
        found: list[BedrockModel] = []
        if "foundation-model" in wanted:
            found += self._foundation_models(profiles)
        if "system-inference-profile" in wanted:
            found += [self._profile(p, "system-inference-profile") for p in profiles]
        if "application-inference-profile" in wanted:
            found += [self._profile(p, "application-inference-profile") for p in self._profiles("APPLICATION")]
        if "imported-model" in wanted:
            found += self._imported_models()
        if "marketplace-endpoint" in wanted:
            found += self._marketplace_endpoints()
        return BedrockModelList(region=self._region, models=found, truncated=self._truncated)

    # --- readers -------------------------------------------------------------------------------------------

    def _all(self, method: str, key: str, what: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        with control_plane_errors(f"Bedrock {what} in {self._region}"):
            for page in pages(getattr(self._client, method), "nextToken", "nextToken", **params):
                self._truncated |= bool(page.get("truncated"))
                items += page.get(key, [])
        return items

    def _profiles(self, kind: str) -> list[dict[str, Any]]:
        return self._all(
            "list_inference_profiles",
            "inferenceProfileSummaries",
            "inference profiles",
            typeEquals=kind,
            maxResults=1000,
        )

    def _foundation_models(self, profiles: list[dict[str, Any]]) -> list[BedrockModel]:
        with control_plane_errors(f"Bedrock foundation models in {self._region}"):
            summaries = self._client.list_foundation_models().get("modelSummaries", [])
        return [self._foundation_model(summary, profiles) for summary in summaries]

    def _foundation_model(self, summary: Mapping[str, Any], profiles: list[dict[str, Any]]) -> BedrockModel:
        model_id = summary["modelId"]
        outputs = list(summary.get("outputModalities", []))
        inference_types = list(summary.get("inferenceTypesSupported", []))
        model = BedrockModel(
            kind="foundation-model",
            model_id=model_id,
            arn=summary.get("modelArn"),
            name=summary.get("modelName") or model_id,
            provider_name=summary.get("providerName"),
            status=(summary.get("modelLifecycle") or {}).get("status"),
            input_modalities=list(summary.get("inputModalities", [])),
            output_modalities=outputs,
            streaming=summary.get("responseStreamingSupported"),
            inference_types=inference_types,
        )
        if "TEXT" not in outputs:
            return _not_usable(model, f"output modalities {', '.join(outputs) or 'none'}: not a text model")
        if "ON_DEMAND" in inference_types:
            return self._usable(model, model_id)
        arn = summary.get("modelArn", "")
        profile = next((p for p in profiles if any(m.get("modelArn") == arn for m in p.get("models", []))), None)
        if profile is None:
            return _not_usable(model, "not served on demand here: it needs provisioned throughput or a profile")
        profile_id = profile["inferenceProfileId"]
        usable = self._usable(model, profile_id)
        return usable.model_copy(update={"note": f"served through the inference profile {profile_id}"})

    def _profile(self, summary: Mapping[str, Any], kind: BedrockKind) -> BedrockModel:
        routes = [m["modelArn"] for m in summary.get("models", []) if m.get("modelArn")]
        model_id = (
            summary["inferenceProfileId"] if kind == "system-inference-profile" else summary["inferenceProfileArn"]
        )
        model = BedrockModel(
            kind=kind,
            model_id=model_id,
            arn=summary.get("inferenceProfileArn"),
            name=summary.get("inferenceProfileName") or model_id,
            status=summary.get("status"),
            routes_to=routes,
            note=summary.get("description"),
        )
        # An application profile's family is the model it routes to (its own id says nothing).
        return self._usable(model, model_id, family=routes[0] if routes else model_id)

    def _imported_models(self) -> list[BedrockModel]:
        models = []
        for summary in self._all("list_imported_models", "modelSummaries", "imported models", maxResults=1000):
            model = BedrockModel(
                kind="imported-model",
                model_id=summary["modelArn"],
                arn=summary["modelArn"],
                name=summary.get("modelName") or summary["modelArn"],
                architecture=summary.get("modelArchitecture"),
                output_modalities=["TEXT"],
            )
            if summary.get("instructSupported"):
                models.append(self._with_adapters(model, [CONVERSE], note="chat template imported: Converse works"))
            else:
                note = "no chat template imported: InvokeModel with the prompt rendered by the model's own template"
                models.append(self._with_adapters(model, ["bedrock-meta-llama"], note=note, api="invoke_model"))
        return models

    def _marketplace_endpoints(self) -> list[BedrockModel]:
        models = []
        for summary in self._all(
            "list_marketplace_model_endpoints", "marketplaceModelEndpoints", "Marketplace endpoints", maxResults=1000
        ):
            arn = summary["endpointArn"]
            model = BedrockModel(
                kind="marketplace-endpoint",
                model_id=arn,
                arn=arn,
                name=arn.rsplit("/", 1)[-1],
                provider_name=summary.get("modelSourceIdentifier"),
                status=summary.get("status"),
                note=summary.get("statusMessage"),
            )
            note = "Converse works for models Bedrock Marketplace lists as Converse-compatible"
            models.append(self._with_adapters(model, [CONVERSE], note=note))
        return models

    # --- adapters ------------------------------------------------------------------------------------------

    def _usable(self, model: BedrockModel, model_id: str, *, family: str | None = None) -> BedrockModel:
        adapters = adapters_for(family or model_id)
        config = self._config(adapters[0], model_id, model.name)
        return model.model_copy(update={"adapters": adapters, "config": config})

    def _with_adapters(
        self, model: BedrockModel, adapters: list[str], *, note: str, api: str | None = None
    ) -> BedrockModel:
        config = self._config(adapters[0], model.model_id, model.name, api=api)
        return model.model_copy(update={"adapters": adapters, "config": config, "note": note})

    def _config(self, fmt: str, model_id: str, name: str, *, api: str | None = None) -> ModelConfig:
        provider: dict[str, Any] = {"type": "bedrock", "model_id": model_id, "region": self._region}
        if api is not None:
            provider["api"] = api
        return starting_config(fmt, provider=provider, name=name, cross_account=self._cross_account)


def _not_usable(model: BedrockModel, note: str) -> BedrockModel:
    return model.model_copy(update={"usable": False, "note": note})
