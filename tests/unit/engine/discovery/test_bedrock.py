"""Bedrock models, profiles, imported models and Marketplace endpoints, each with the model id and adapter to use."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from inference_engine.discovery.bedrock import BedrockDiscovery, adapters_for, family_id
from inference_engine.discovery.models import BedrockModel
from inference_engine.discovery.reads import MAX_PAGES, pages
from inference_engine.schema import BedrockProvider
from tests.fakes.emulator_clients import InMemoryEmulator

ACCOUNT = "123456789012"


def listing(emulator: InMemoryEmulator, **kwargs: Any) -> dict[str, BedrockModel]:
    found = BedrockDiscovery(emulator.client("bedrock", "us-west-2"), "us-west-2").models(**kwargs)
    assert found.region == "us-west-2" and not found.truncated
    return {model.model_id: model for model in found.models}


def provider_of(model: BedrockModel) -> BedrockProvider:
    assert model.config is not None and isinstance(model.config.provider, BedrockProvider)
    return model.config.provider


def test_foundation_models_report_modalities_streaming_and_inference_types(emulator: InMemoryEmulator) -> None:
    models = listing(emulator)
    haiku = models["anthropic.claude-3-haiku-20240307-v1:0"]
    assert (haiku.kind, haiku.name, haiku.provider_name, haiku.status) == (
        "foundation-model",
        "Claude 3 Haiku",
        "Anthropic",
        "ACTIVE",
    )
    assert (haiku.input_modalities, haiku.output_modalities, haiku.streaming) == (["TEXT", "IMAGE"], ["TEXT"], True)
    assert haiku.inference_types == ["ON_DEMAND", "PROVISIONED"]
    assert haiku.arn == "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
    # Converse first, the family's own InvokeModel body second; the ready config is the Converse one
    assert haiku.adapters == ["bedrock-converse", "bedrock-anthropic-messages"]
    provider = provider_of(haiku)
    assert (provider.model_id, provider.region, provider.api) == (haiku.model_id, "us-west-2", "converse")


def test_a_model_that_does_not_generate_text_is_listed_but_not_usable(emulator: InMemoryEmulator) -> None:
    embed = listing(emulator)["amazon.titan-embed-text-v2:0"]
    assert (embed.usable, embed.adapters, embed.config) == (False, [], None)
    assert embed.note == "output modalities EMBEDDING: not a text model"


def test_a_model_served_only_through_profiles_is_offered_through_its_profile(emulator: InMemoryEmulator) -> None:
    r1 = listing(emulator)["deepseek.r1-v1:0"]
    assert r1.inference_types == ["INFERENCE_PROFILE"]
    assert r1.usable and r1.adapters == ["bedrock-converse", "bedrock-deepseek-r1"]
    assert provider_of(r1).model_id == "us.deepseek.r1-v1:0"
    assert r1.note == "served through the inference profile us.deepseek.r1-v1:0"


def test_system_and_application_profiles_use_their_id_and_arn(emulator: InMemoryEmulator) -> None:
    models = listing(emulator)
    system = models["us.anthropic.claude-3-5-haiku-20241022-v1:0"]
    assert system.kind == "system-inference-profile"
    assert system.name == "US Claude 3.5 Haiku"
    assert len(system.routes_to) == 3
    assert all(arn.endswith("::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0") for arn in system.routes_to)
    application_arn = f"arn:aws:bedrock:us-west-2:{ACCOUNT}:application-inference-profile/h7q2c9x4k1m3"
    application = models[application_arn]
    assert (application.kind, application.name) == ("application-inference-profile", "model-studio-claude-3-haiku")
    # The adapters follow the model the profile routes to (its own id names no family)
    assert application.adapters == ["bedrock-converse", "bedrock-anthropic-messages"]
    assert provider_of(application).model_id == application_arn


def test_imported_models_and_marketplace_endpoints_use_their_arns(emulator: InMemoryEmulator) -> None:
    models = listing(emulator)
    imported = models[f"arn:aws:bedrock:us-west-2:{ACCOUNT}:imported-model/x3mb7k2q9d4p"]
    assert (imported.kind, imported.name, imported.architecture) == (
        "imported-model",
        "deepseek-r1-distill-llama-8b",
        "llama3",
    )
    assert imported.adapters == ["bedrock-converse"]
    assert provider_of(imported).api == "converse"
    marketplace = models[f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:endpoint/marketplace-gemma-2-9b-it"]
    assert (marketplace.kind, marketplace.name, marketplace.status) == (
        "marketplace-endpoint",
        "marketplace-gemma-2-9b-it",
        "ACTIVE",
    )
    assert "huggingface-llm-gemma-2-9b-instruct" in (marketplace.provider_name or "")
    assert provider_of(marketplace).model_id == marketplace.model_id


def test_an_imported_model_without_a_chat_template_starts_from_invoke_model(emulator: InMemoryEmulator) -> None:
    emulator.state.merge_registry(
        type(emulator.state.registry).model_validate(
            {
                "bedrock": {
                    "plainimport01": {
                        "kind": "imported-model",
                        "format": "bedrock-meta-llama",
                        "instruct_supported": False,
                    }
                }
            }
        )
    )
    imported = listing(emulator, kinds=["imported-model"])[
        f"arn:aws:bedrock:us-west-2:{ACCOUNT}:imported-model/plainimport01"
    ]
    assert imported.adapters == ["bedrock-meta-llama"]
    assert provider_of(imported).api == "invoke_model"


@pytest.mark.parametrize(
    ("kinds", "calls"),
    [
        (["imported-model"], {"ListImportedModels": 1}),
        (["application-inference-profile"], {"ListInferenceProfiles": 1}),
        (["foundation-model"], {"ListFoundationModels": 1, "ListInferenceProfiles": 1}),
        (
            None,
            {
                "ListFoundationModels": 1,
                "ListInferenceProfiles": 2,
                "ListImportedModels": 1,
                "ListMarketplaceModelEndpoints": 1,
            },
        ),
    ],
)
def test_only_the_listings_asked_for_are_read(
    emulator: InMemoryEmulator, kinds: list[str] | None, calls: dict[str, int]
) -> None:
    models = listing(emulator, **({"kinds": kinds} if kinds else {}))
    assert Counter(r["operation"] for r in emulator.requests(service="bedrock-api")) == calls
    if kinds:
        assert {m.kind for m in models.values()} == set(kinds)


def test_a_listing_longer_than_discovery_reads_says_so() -> None:
    # Given a listing whose every page has a next token
    served = []

    def endless(**params: Any) -> dict[str, Any]:
        served.append(params.get("nextToken"))
        return {"items": [len(served)], "nextToken": f"t{len(served)}"}

    # When it is read / Then it stops after MAX_PAGES pages, following the tokens, and marks the rest as truncated
    read = list(pages(endless, "nextToken", "nextToken", maxResults=5))
    assert served == [None, *(f"t{i}" for i in range(1, MAX_PAGES))]
    assert read[-1] == {"truncated": True}


@pytest.mark.parametrize(
    ("model_id", "family", "adapters"),
    [
        (
            "us.anthropic.claude-3-5-haiku-20241022-v1:0",
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            ["bedrock-converse", "bedrock-anthropic-messages"],
        ),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0",
            "meta.llama3-8b-instruct-v1:0",
            ["bedrock-converse", "bedrock-meta-llama"],
        ),
        ("global.deepseek.r1-v1:0", "deepseek.r1-v1:0", ["bedrock-converse", "bedrock-deepseek-r1"]),
        ("amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0", ["bedrock-converse"]),
    ],
)
def test_a_models_family_picks_its_invoke_model_adapter(model_id: str, family: str, adapters: list[str]) -> None:
    assert family_id(model_id) == family
    assert adapters_for(model_id) == adapters
