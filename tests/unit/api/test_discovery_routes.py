"""Discovery and probe routes: the answers an admin gets, what each call audits and reads, and every refusal
(rule 6 before validation, stage scope, cross-account rules) with zero upstream calls."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.events import admin_claims, rest_event, user_claims
from tests.fakes.api import ApiHarness
from tests.fakes.clients import ASSUMED_KEY, RecordingClientFactory
from tests.fakes.inventory import ALLOWED_ROLE_ARN, runtime_settings
from tests.fakes.stores import InMemoryAuditStore
from tests.unit.api.scenarios import probe_body

ENDPOINTS = "/discovery/sagemaker/endpoints"


def discover(api: ApiHarness, path: str = ENDPOINTS, *, admin: bool = True, **query: str) -> Any:
    claims = admin_claims() if admin else user_claims()
    return api.call(rest_event("GET", path, claims=claims, query={"region": "us-east-1", **query}))


def probe(api: ApiHarness, body: dict[str, Any], *, admin: bool = True) -> Any:
    return api.call(
        rest_event("POST", "/discovery/probe", claims=admin_claims() if admin else user_claims(), body=body)
    )


def operations(api: ApiHarness) -> Counter[str]:
    return Counter(r["operation"] for r in api.clients.emulator.requests())


def test_an_admin_lists_endpoints_with_formats_and_ready_adapters(api: ApiHarness) -> None:
    # When an admin lists the region's endpoints
    reply = discover(api, limit="3")

    # Then each endpoint comes with its status, instance, container image, detected format and a ready adapter
    assert reply.status == 200, reply.body
    body = reply.body
    assert body["region"] == "us-east-1" and body["next_token"]
    first = body["endpoints"][0]
    assert (first["name"], first["status"]) == ("tgi-mistral-7b", "InService")
    assert first["variants"][0]["instance_type"] == "ml.g5.2xlarge"
    assert "huggingface-pytorch-tgi-inference" in first["variants"][0]["container"]["image"]
    assert (first["detection"]["format"], first["detection"]["confidence"]) == ("tgi", "high")
    assert first["config"]["provider"] == {
        "type": "sagemaker",
        "endpoint_name": "tgi-mistral-7b",
        "region": "us-east-1",
        "content_type": "application/json",
        "accept": "application/json",
        "endpoint_kwargs": dict.fromkeys(
            [
                "CustomAttributes",
                "TargetModel",
                "TargetVariant",
                "TargetContainerHostname",
                "InferenceId",
                "EnableExplanations",
                "InferenceComponentName",
                "SessionId",
            ]
        ),
    }
    # And the call was audited (allowed before the reads, then success) and read only the SageMaker API
    [record] = api.audit()
    assert (record["action"], record["outcome"], record["actor"]) == ("discover", "success", "ada-admin")
    assert record["patch"] == {"source": "sagemaker-endpoints", "region": "us-east-1"}
    assert operations(api) == {
        "ListEndpoints": 1,
        "DescribeEndpoint": 3,
        "DescribeEndpointConfig": 3,
        "DescribeModel": 3,
    }
    assert {(r.service, r.caller) for r in api.clients.client_requests} == {("sagemaker", "ada-admin")}


def test_discovery_through_the_allowed_role_signs_with_its_credentials(api: ApiHarness) -> None:
    reply = discover(api, f"{ENDPOINTS}/vllm-qwen2-7b", role_arn=ALLOWED_ROLE_ARN, external_id="studio")
    assert reply.status == 200, reply.body
    assert reply.body["config"]["cross_account"] == {
        "role_arn": ALLOWED_ROLE_ARN,
        "external_id": "studio",
        "session_duration_s": 3600,
    }
    assert {r["access_key_id"] for r in api.clients.emulator.requests()} == {ASSUMED_KEY}
    [record] = api.audit()
    assert record["role_arn"] == ALLOWED_ROLE_ARN


def test_bedrock_models_of_several_kinds(api: ApiHarness) -> None:
    # Given a query naming two kinds (API Gateway passes repeated parameters as multi-value)
    event = rest_event("GET", "/discovery/bedrock/models", claims=admin_claims(), query={"region": "us-east-1"})
    event["multiValueQueryStringParameters"]["kind"] = ["imported-model", "marketplace-endpoint"]
    event["queryStringParameters"]["kind"] = "marketplace-endpoint"

    reply = api.call(event)

    assert reply.status == 200, reply.body
    assert sorted(m["kind"] for m in reply.body["models"]) == ["imported-model", "marketplace-endpoint"]
    assert all(m["config"]["provider"]["model_id"] == m["model_id"] for m in reply.body["models"])
    assert operations(api) == {"ListImportedModels": 1, "ListMarketplaceModelEndpoints": 1}
    assert api.audit()[0]["patch"]["kinds"] == ["imported-model", "marketplace-endpoint"]


def test_a_missing_endpoint_is_404_and_audited_as_an_error(api: ApiHarness) -> None:
    reply = discover(api, f"{ENDPOINTS}/nope")
    assert (reply.status, reply.body["error"]) == (404, "not_found")
    assert 'Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/nope"' in reply.body["message"]
    [record] = api.audit()
    assert (record["outcome"], record["error"]) == ("error", "not_found")


@pytest.mark.parametrize(
    ("send", "action"),
    [
        (lambda api: discover(api, admin=False, region="not-a-region", limit="9999"), "discover"),
        (lambda api: discover(api, f"{ENDPOINTS}/bad_name!", admin=False), "discover"),
        (lambda api: discover(api, "/discovery/bedrock/models", admin=False, kind="nonsense"), "discover"),
        (lambda api: probe(api, {"target": {"type": "nope"}, "max_calls": 99}, admin=False), "probe"),
    ],
)
def test_a_plain_user_gets_403_whatever_the_request_holds(
    api: ApiHarness, send: Callable[[ApiHarness], Any], action: str
) -> None:
    # When a plain user sends a request that is also invalid
    reply = send(api)

    # Then the answer is the admin rule's 403, not a 400 that would tell the user how to fix it (rule 6)
    assert (reply.status, reply.body["error"], reply.body["rule"]) == (403, "forbidden", "admin_only")
    assert "details" not in reply.body
    # And the attempt is audited, and nothing was read or called
    [record] = api.audit()
    assert (record["action"], record["outcome"], record["rule"], record["actor"]) == (
        action,
        "denied",
        "admin_only",
        "bob",
    )
    assert api.clients.upstream_activity == 0


def test_a_refused_discovery_is_recorded_with_what_it_asked_for_as_sent(api: ApiHarness) -> None:
    # When a plain user asks to read an endpoint through a role, with a region the API would refuse
    query = {"region": "mars-1", "role_arn": ALLOWED_ROLE_ARN, "external_id": "studio"}
    reply = api.call(rest_event("GET", f"{ENDPOINTS}/vllm-qwen2-7b", claims=user_claims(), query=query))

    # Then the 403 is recorded with the request as it came (never validated), the role included
    assert (reply.status, reply.body["rule"]) == (403, "admin_only")
    [record] = api.audit()
    assert record["patch"] == {
        "source": "sagemaker-endpoint",
        "endpoint_name": "vllm-qwen2-7b",
        "region": "mars-1",
        "cross_account": {"role_arn": ALLOWED_ROLE_ARN, "external_id": "studio"},
    }
    assert record["role_arn"] == ALLOWED_ROLE_ARN
    # And a refused probe keeps its body as sent
    body = {"target": {"type": "sagemaker", "endpoint_name": "x"}, "max_calls": 99}
    assert probe(api, body, admin=False).status == 403
    assert api.audit()[-1]["patch"] == body
    assert api.clients.upstream_activity == 0


def test_without_an_identity_an_invalid_request_is_401_not_400(api: ApiHarness) -> None:
    reply = api.call(rest_event("POST", "/discovery/probe", claims=None, body={"target": {}}))
    assert (reply.status, reply.body["error"]) == (401, "unauthorized")
    assert api.audit() == []


def test_an_admins_invalid_request_is_400_with_the_paths(api: ApiHarness) -> None:
    reply = discover(api, region="mars-1")
    assert (reply.status, reply.body["error"]) == (400, "validation_error")
    assert [d["path"] for d in reply.body["details"]] == ["query.region"]
    reply = discover(api, external_id="studio")
    assert (reply.status, [d["path"] for d in reply.body["details"]]) == (400, ["query.role_arn"])
    assert api.clients.upstream_activity == 0


def test_prod_refuses_discovery_unless_enabled(prod_api: ApiHarness) -> None:
    reply = discover(prod_api)
    assert (reply.status, reply.body["rule"]) == (403, "discovery_scope")
    assert reply.body["message"] == "Discovery is not enabled in the 'prod' stage."
    [record] = prod_api.audit()
    assert (record["outcome"], record["rule"]) == ("denied", "discovery_scope")
    assert prod_api.clients.upstream_activity == 0


@pytest.mark.parametrize("route", ["list", "probe"])
def test_prod_refuses_a_cross_account_role_even_with_discovery_enabled(
    make_api: Callable[..., ApiHarness], route: str
) -> None:
    # Given prod with discovery enabled (cross-account roles stay dev-only)
    api = make_api(stage="prod", runtime=runtime_settings("prod", discovery={"enabled": True}))

    # When an admin asks to read or probe through a role
    if route == "list":
        reply = discover(api, role_arn=ALLOWED_ROLE_ARN)
    else:
        reply = probe(api, probe_body(cross_account={"role_arn": ALLOWED_ROLE_ARN}))

    # Then it is refused by the cross-account stage rule, audited, with no upstream activity (no AssumeRole)
    assert (reply.status, reply.body["rule"]) == (403, "cross_account_stage")
    [record] = api.audit()
    assert (record["outcome"], record["rule"], record["role_arn"]) == (
        "denied",
        "cross_account_stage",
        ALLOWED_ROLE_ARN,
    )
    assert api.clients.upstream_activity == 0
    # (and without a role, the same stage reads)
    assert discover(api).status == 200


def test_a_region_outside_the_stages_discovery_regions_is_refused(make_api: Callable[..., ApiHarness]) -> None:
    api = make_api(runtime=runtime_settings("dev", discovery={"regions": ["eu-west-1"]}))
    reply = discover(api)
    assert (reply.status, reply.body["rule"]) == (403, "discovery_scope")
    assert "us-east-1" in reply.body["message"] and "eu-west-1" in reply.body["message"]
    assert api.clients.upstream_activity == 0


def test_nothing_is_read_when_the_audit_record_cannot_be_written(api: ApiHarness) -> None:
    assert isinstance(api.stores.audit, InMemoryAuditStore)
    api.stores.audit.unavailable = True
    reply = discover(api)
    assert (reply.status, reply.body["error"]) == (503, "audit_unavailable")
    assert api.clients.upstream_activity == 0


# --- probes ---------------------------------------------------------------------------------------------------


@pytest.fixture
def emulated(make_api: Callable[..., ApiHarness]) -> ApiHarness:
    """The dev API whose model calls reach the in-memory emulator (real container formats answer)."""
    return make_api(clients=RecordingClientFactory(emulated_runtimes=True))


def test_a_probe_finds_the_format_and_returns_a_config_that_invokes(emulated: ApiHarness) -> None:
    # When an admin probes a vLLM endpoint in the order discovery suggested for a TGI image
    body = {
        "target": {"type": "sagemaker", "endpoint_name": "vllm-qwen2-7b", "region": "us-east-1"},
        "formats": ["tgi", "openai-chat"],
    }
    reply = probe(emulated, body)

    # Then TGI was refused, OpenAI chat answered and streamed, and the config is the OpenAI adapter on that endpoint
    assert reply.status == 200, reply.body
    result = reply.body
    assert [(a["format"], a["mode"], a["outcome"]) for a in result["attempts"]] == [
        ("tgi", "buffered", "rejected"),
        ("openai-chat", "buffered", "text"),
        ("openai-chat", "stream", "text"),
    ]
    assert (result["format"], result["streaming"], result["calls"], result["max_calls"]) == ("openai-chat", True, 3, 4)
    config = result["config"]
    assert config["content_handler"]["output_path"] == "choices[0].message.content"
    # And that config invokes the endpoint as is (from scratch: the override is the whole config)
    invoked = emulated.call(
        rest_event("POST", "/invoke", claims=admin_claims(), body={"override": config, "prompt": "What is 2+2?"})
    )
    assert invoked.status == 200, invoked.body
    assert invoked.body["output"].startswith("Echo: What is 2+2?")
    # And the probe was audited with what was asked, and made exactly its counted calls
    probe_record = next(r for r in emulated.audit() if r["action"] == "probe")
    assert (probe_record["outcome"], probe_record["patch"]["formats"]) == ("success", ["tgi", "openai-chat"])
    runtime_calls = [r for r in emulated.clients.emulator.requests() if r["service"] == "sagemaker"]
    assert len(runtime_calls) == 3 + 1  # the probe's three, then the invoke


def test_a_probe_never_exceeds_the_stages_limit_whatever_it_asks(make_api: Callable[..., ApiHarness]) -> None:
    # Given a stage that allows two calls per probe, and a probe that asks for ten with four formats to try
    api = make_api(
        runtime=runtime_settings("dev", discovery={"probe_max_calls": 2}),
        clients=RecordingClientFactory(emulated_runtimes=True),
    )
    body = {
        "target": {"type": "sagemaker", "endpoint_name": "vllm-qwen2-7b", "region": "us-east-1"},
        "formats": ["tgi", "djl-lmi", "jumpstart-llama2-chat", "openai-chat"],
        "max_calls": 10,
    }

    # When it runs
    reply = probe(api, body)

    # Then it stopped at two calls (the emulator saw two), reporting the formats it did not try
    assert reply.status == 200, reply.body
    assert (reply.body["calls"], reply.body["max_calls"], reply.body["stopped"]) == (2, 2, "budget")
    assert reply.body["not_tried"] == ["jumpstart-llama2-chat", "openai-chat"]
    assert len(api.clients.emulator.requests()) == 2


def test_a_probe_without_an_order_reads_the_image_first_then_calls_the_model_twice(emulated: ApiHarness) -> None:
    reply = probe(emulated, {"target": {"type": "sagemaker", "endpoint_name": "vllm-qwen2-7b", "region": "us-east-1"}})
    assert reply.status == 200, reply.body
    assert [a["format"] for a in reply.body["attempts"]] == ["openai-chat", "openai-chat"]
    assert reply.body["calls"] == 2
    by_service = Counter(r["service"] for r in emulated.clients.emulator.requests())
    assert by_service == {"sagemaker-api": 3, "sagemaker": 2}  # the Describe chain (reads), then the model calls
