"""The read-only SageMaker and Bedrock APIs the emulator serves for discovery, through real boto3 clients in memory
(botocore serializes each request and parses each answer, so the shapes are the services' own)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from local.emulator.wire import HttpRequest
from tests.fakes.emulator_clients import InMemoryEmulator

ACCOUNT = "123456789012"


@pytest.fixture
def emulator() -> InMemoryEmulator:
    return InMemoryEmulator()


def test_sagemaker_describes_the_chain_from_endpoint_to_image(emulator: InMemoryEmulator) -> None:
    sagemaker = emulator.client("sagemaker", "us-west-2")
    endpoint = sagemaker.describe_endpoint(EndpointName="djl-lmi-llama3-8b")
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    [variant] = config["ProductionVariants"]
    model = sagemaker.describe_model(ModelName=variant["ModelName"])

    assert endpoint["EndpointStatus"] == "InService"
    image = "763104351884.dkr.ecr.us-west-2.amazonaws.com/djl-inference:0.31.0-lmi13.0.0-cu124"
    assert endpoint["ProductionVariants"][0]["DeployedImages"][0]["SpecifiedImage"] == image
    assert (variant["InstanceType"], variant["InitialInstanceCount"]) == ("ml.g5.2xlarge", 1)
    assert model["PrimaryContainer"]["Image"] == image
    assert model["PrimaryContainer"]["Environment"]["OPTION_ROLLING_BATCH"] == "lmi-dist"
    assert model["ModelArn"] == f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:model/djl-lmi-llama3-8b-model"


def test_an_endpoint_for_components_has_no_model_and_lists_them(emulator: InMemoryEmulator) -> None:
    sagemaker = emulator.client("sagemaker")
    config = sagemaker.describe_endpoint_config(EndpointConfigName="llm-shared-g5-12xl-config")
    [variant] = config["ProductionVariants"]
    listed = sagemaker.list_inference_components(EndpointNameEquals="llm-shared-g5-12xl")["InferenceComponents"]
    declared = sagemaker.describe_inference_component(InferenceComponentName="ic-mistral-7b-tgi")
    by_model = sagemaker.describe_inference_component(InferenceComponentName="ic-qwen2-7b-vllm")

    assert "ModelName" not in variant and variant["ManagedInstanceScaling"]["Status"] == "ENABLED"
    assert sorted(c["InferenceComponentName"] for c in listed) == ["ic-mistral-7b-tgi", "ic-qwen2-7b-vllm"]
    container = declared["Specification"]["Container"]
    assert "huggingface-pytorch-tgi-inference" in container["DeployedImage"]["SpecifiedImage"]
    assert by_model["Specification"]["ModelName"] == "ic-qwen2-7b-vllm-model"
    assert by_model["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 2}
    assert "vllm" in sagemaker.describe_model(ModelName="ic-qwen2-7b-vllm-model")["PrimaryContainer"]["Image"]


def test_each_component_answers_in_its_own_format(emulator: InMemoryEmulator) -> None:
    runtime = emulator.client("sagemaker-runtime")
    chat = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 3}
    answer = runtime.invoke_endpoint(
        EndpointName="llm-shared-g5-12xl", InferenceComponentName="ic-qwen2-7b-vllm", Body=json.dumps(chat)
    )
    assert json.loads(answer["Body"].read())["object"] == "chat.completion"
    with pytest.raises(ClientError) as caught:
        runtime.invoke_endpoint(
            EndpointName="llm-shared-g5-12xl", InferenceComponentName="ic-mistral-7b-tgi", Body=json.dumps(chat)
        )
    assert caught.value.response["Error"]["Code"] == "ModelError"


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        ("describe_endpoint", {"EndpointName": "nope"}, 'Could not find endpoint "arn:aws:sagemaker:us-east-1'),
        ("describe_model", {"ModelName": "nope"}, 'Could not find model "arn:aws:sagemaker:us-east-1'),
        ("describe_endpoint_config", {"EndpointConfigName": "nope"}, "Could not find endpoint configuration"),
        ("describe_inference_component", {"InferenceComponentName": "nope"}, "Could not find inference component"),
    ],
)
def test_missing_sagemaker_resources_are_validation_exceptions(
    emulator: InMemoryEmulator, operation: str, params: dict[str, str], message: str
) -> None:
    with pytest.raises(ClientError) as caught:
        getattr(emulator.client("sagemaker"), operation)(**params)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["Error"]["Message"].startswith(message)


def test_listings_filter_sort_and_paginate(emulator: InMemoryEmulator) -> None:
    sagemaker = emulator.client("sagemaker")
    tgi = sagemaker.list_endpoints(NameContains="tgi", SortBy="Name", SortOrder="Ascending")["Endpoints"]
    first = sagemaker.list_endpoints(MaxResults=5)
    rest = sagemaker.list_endpoints(MaxResults=5, NextToken=first["NextToken"])
    assert [e["EndpointName"] for e in tgi] == ["tgi-llama3-8b", "tgi-mistral-7b"]
    assert len(first["Endpoints"]) == 5 and len(rest["Endpoints"]) == 2 and "NextToken" not in rest


def test_bedrock_lists_and_gets_each_kind_of_model(emulator: InMemoryEmulator) -> None:
    bedrock = emulator.client("bedrock", "us-east-1")
    text_models = bedrock.list_foundation_models(byOutputModality="TEXT")["modelSummaries"]
    embeddings = bedrock.list_foundation_models(byOutputModality="EMBEDDING")["modelSummaries"]
    system = bedrock.list_inference_profiles(typeEquals="SYSTEM_DEFINED")["inferenceProfileSummaries"]
    application = bedrock.list_inference_profiles(typeEquals="APPLICATION")["inferenceProfileSummaries"]
    imported = bedrock.list_imported_models()["modelSummaries"]
    marketplace = bedrock.list_marketplace_model_endpoints()["marketplaceModelEndpoints"]

    assert "amazon.titan-embed-text-v2:0" not in [m["modelId"] for m in text_models]
    assert [m["modelId"] for m in embeddings] == ["amazon.titan-embed-text-v2:0"]
    assert {p["type"] for p in system} == {"SYSTEM_DEFINED"} and len(system) == 5
    [app] = application
    assert (
        app["inferenceProfileArn"] == f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/h7q2c9x4k1m3"
    )
    assert app["models"] == [
        {"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"}
    ]
    assert imported[0]["instructSupported"] is True and imported[0]["modelArchitecture"] == "llama3"
    endpoint_arn = marketplace[0]["endpointArn"]
    assert endpoint_arn == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/marketplace-gemma-2-9b-it"
    # Each one can also be read on its own, by id or by ARN
    assert bedrock.get_foundation_model(modelIdentifier="deepseek.r1-v1:0")["modelDetails"][
        "inferenceTypesSupported"
    ] == ["INFERENCE_PROFILE"]
    assert bedrock.get_inference_profile(inferenceProfileIdentifier=app["inferenceProfileArn"])["type"] == "APPLICATION"
    assert (
        bedrock.get_imported_model(modelIdentifier=imported[0]["modelArn"])["modelName"]
        == "deepseek-r1-distill-llama-8b"
    )
    assert (
        bedrock.get_marketplace_model_endpoint(endpointArn=endpoint_arn)["marketplaceModelEndpoint"]["status"]
        == "ACTIVE"
    )
    with pytest.raises(ClientError) as caught:
        bedrock.get_inference_profile(inferenceProfileIdentifier="nope")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_runtime_serves_each_listed_arn_and_refuses_on_demand_calls_to_a_profile_only_model(
    emulator: InMemoryEmulator,
) -> None:
    runtime = emulator.client("bedrock-runtime")
    hello = [{"role": "user", "content": [{"text": "Hello"}]}]
    for model_id in (
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/h7q2c9x4k1m3",
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:imported-model/x3mb7k2q9d4p",
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/marketplace-gemma-2-9b-it",
    ):
        answer = runtime.converse(modelId=model_id, messages=hello)
        assert answer["output"]["message"]["content"][-1]["text"].startswith("Echo: Hello")
    with pytest.raises(ClientError) as caught:
        runtime.converse(modelId="deepseek.r1-v1:0", messages=hello)
    assert "with on-demand throughput isn" in caught.value.response["Error"]["Message"]


def test_every_management_call_is_logged_with_its_operation_and_target(emulator: InMemoryEmulator) -> None:
    emulator.client("sagemaker").describe_endpoint(EndpointName="tgi-mistral-7b")
    emulator.client("bedrock").list_imported_models()
    logged = [(r["service"], r["operation"], r["target"], r["status"]) for r in emulator.requests()]
    assert logged == [
        ("sagemaker-api", "DescribeEndpoint", "tgi-mistral-7b", 200),
        ("bedrock-api", "ListImportedModels", "*", 200),
    ]


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [("POST", "/", {"X-Amz-Target": "SageMaker.ListEndpoints"}), ("GET", "/foundation-models", {})],
)
def test_unsigned_management_requests_are_refused(
    emulator: InMemoryEmulator, method: str, path: str, headers: dict[str, str]
) -> None:
    response = emulator.app.handle(HttpRequest.build(method, path, headers, b"{}"))
    assert response.status == 403
    assert response.headers["x-amzn-ErrorType"].startswith("MissingAuthenticationTokenException")
    assert emulator.requests() == []


def test_an_operation_the_emulator_does_not_serve_says_so(emulator: InMemoryEmulator) -> None:
    with pytest.raises(ClientError) as caught:
        emulator.client("sagemaker").delete_endpoint(EndpointName="tgi-mistral-7b")
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"
