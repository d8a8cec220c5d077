"""SageMaker endpoints through the Describe chain: what each endpoint reports, the calls it takes, and how failures
of one endpoint stay with that endpoint."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from inference_engine.discovery.containers import REDACTED
from inference_engine.discovery.sagemaker import SageMakerDiscovery
from inference_engine.errors import CredentialsError, ResourceNotFoundError, UpstreamThrottledError
from inference_engine.schema import CrossAccount, SageMakerProvider
from tests.fakes.clients import client_error
from tests.fakes.emulator_clients import InMemoryEmulator

ROLE = CrossAccount(role_arn="arn:aws:iam::222222222222:role/ModelStudioDiscovery", external_id="studio")


def operations(emulator: InMemoryEmulator) -> Counter[str]:
    return Counter(r["operation"] for r in emulator.requests(service="sagemaker-api"))


def test_a_model_based_endpoint_reports_status_instance_container_and_a_ready_adapter(
    emulator: InMemoryEmulator,
) -> None:
    # When one endpoint is described
    endpoint = SageMakerDiscovery(emulator.client("sagemaker", "eu-west-1"), "eu-west-1").endpoint("tgi-llama3-8b")

    # Then it says what the SageMaker API said: status, ARN, the variant's instance type and count
    assert (endpoint.name, endpoint.status) == ("tgi-llama3-8b", "InService")
    assert endpoint.arn == "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/tgi-llama3-8b"
    [variant] = endpoint.variants
    assert (variant.name, variant.instance_type, variant.instance_count, variant.serverless) == (
        "AllTraffic",
        "ml.g5.2xlarge",
        1,
        False,
    )
    # And the container: the image in the endpoint's region, the model it belongs to, secrets redacted
    container = variant.container
    assert container is not None
    assert container.image == (
        "763104351884.dkr.ecr.eu-west-1.amazonaws.com/"
        "huggingface-pytorch-tgi-inference:2.4.0-tgi2.3.1-gpu-py311-cu124-ubuntu22.04"
    )
    assert container.image_tag == "2.4.0-tgi2.3.1-gpu-py311-cu124-ubuntu22.04"
    assert container.model_name == "tgi-llama3-8b-model"
    assert container.environment["HUGGING_FACE_HUB_TOKEN"] == REDACTED
    assert container.environment["HF_MODEL_ID"] == "meta-llama/Meta-Llama-3-8B-Instruct"
    assert "hf_emulatedTokenNeverShown" not in endpoint.model_dump_json()
    # And a ready TGI adapter pointed at it, with the server's own token limits
    assert endpoint.detection is not None and endpoint.detection.format == "tgi"
    config = endpoint.config
    assert config is not None and isinstance(config.provider, SageMakerProvider)
    assert (config.id, config.provider.endpoint_name, config.provider.region) == (
        "tgi-llama3-8b",
        "tgi-llama3-8b",
        "eu-west-1",
    )
    assert config.content_handler.output_path == "[0].generated_text"
    assert (config.constraints.max_input_tokens, config.constraints.max_total_tokens) == (7168, 8192)
    assert config.name == "tgi-llama3-8b (Hugging Face TGI 2.3.1)"
    # And it took exactly the Describe chain
    assert operations(emulator) == {"DescribeEndpoint": 1, "DescribeEndpointConfig": 1, "DescribeModel": 1}


def test_an_endpoint_with_inference_components_reports_each_with_its_own_format(emulator: InMemoryEmulator) -> None:
    # When the shared endpoint is described
    endpoint = SageMakerDiscovery(emulator.client("sagemaker"), "us-east-1").endpoint("llm-shared-g5-12xl")

    # Then its variant hosts components (no container of its own), each detected from its own container
    [variant] = endpoint.variants
    assert (variant.instance_type, variant.instance_count, variant.container) == ("ml.g5.12xlarge", 2, None)
    by_name = {c.name: c for c in endpoint.inference_components}
    assert set(by_name) == {"ic-mistral-7b-tgi", "ic-qwen2-7b-vllm"}
    tgi, vllm = by_name["ic-mistral-7b-tgi"], by_name["ic-qwen2-7b-vllm"]
    assert tgi.detection is not None and tgi.detection.format == "tgi"
    assert vllm.detection is not None and vllm.detection.format == "openai-chat"
    assert (vllm.copies, vllm.status, vllm.variant_name) == (2, "InService", "AllTraffic")
    # (a component that names a SageMaker model is read through DescribeModel)
    assert vllm.container is not None and vllm.container.model_name == "ic-qwen2-7b-vllm-model"
    assert tgi.container is not None and tgi.container.model_name is None
    # And each ready adapter routes to its component
    for component in (tgi, vllm):
        assert component.config is not None and isinstance(component.config.provider, SageMakerProvider)
        assert component.config.provider.endpoint_kwargs.InferenceComponentName == component.name
        assert component.config.id == component.name
    assert endpoint.config == tgi.config
    assert operations(emulator) == {
        "DescribeEndpoint": 1,
        "DescribeEndpointConfig": 1,
        "ListInferenceComponents": 1,
        "DescribeInferenceComponent": 2,
        "DescribeModel": 1,
    }


def test_a_page_of_endpoints_is_described_and_paginated(emulator: InMemoryEmulator) -> None:
    discovery = SageMakerDiscovery(emulator.client("sagemaker"), "us-east-1")

    # When the endpoints are listed two at a time
    first = discovery.endpoints(limit=2)
    second = discovery.endpoints(limit=2, next_token=first.next_token)

    # Then the pages follow each other, newest first, without overlap, each endpoint described
    assert [e.name for e in first.endpoints] == ["tgi-mistral-7b", "tgi-llama3-8b"]
    assert [e.name for e in second.endpoints] == ["djl-lmi-llama3-8b", "jumpstart-llama2-7b-chat"]
    assert first.next_token and second.next_token and first.next_token != second.next_token
    assert all(e.config is not None for e in [*first.endpoints, *second.endpoints])
    assert operations(emulator)["ListEndpoints"] == 2
    assert operations(emulator)["DescribeEndpoint"] == 4


def test_the_ready_adapters_go_through_the_callers_role(emulator: InMemoryEmulator) -> None:
    endpoint = SageMakerDiscovery(emulator.client("sagemaker"), "us-east-1", ROLE).endpoint("vllm-qwen2-7b")
    assert endpoint.config is not None and endpoint.config.cross_account == ROLE


def test_a_missing_endpoint_is_not_found(emulator: InMemoryEmulator) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        SageMakerDiscovery(emulator.client("sagemaker"), "us-east-1").endpoint("nope")
    assert caught.value.code == "not_found"
    assert 'Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/nope"' in caught.value.message


class _Refusing:
    """A sagemaker client that fails one operation (for one name, or always) and delegates the rest."""

    def __init__(self, client: Any, method: str, error: ClientError, name: str | None = None) -> None:
        self._client, self._method, self._error, self._name = client, method, error, name

    def __getattr__(self, method: str) -> Any:
        call = getattr(self._client, method)
        if method != self._method:
            return call

        def refuse(**params: Any) -> Any:
            if self._name is None or self._name in params.values():
                raise self._error
            return call(**params)

        return refuse


def _error(code: str, status: int, message: str = "no") -> ClientError:
    return client_error(code, status, message)


def test_an_endpoint_that_cannot_be_described_keeps_its_error_and_the_page_goes_on(emulator: InMemoryEmulator) -> None:
    # Given an endpoint deleted between the listing and its description
    gone = _error("ValidationException", 400, 'Could not find endpoint "tgi-llama3-8b".')
    client = _Refusing(emulator.client("sagemaker"), "describe_endpoint", gone, name="tgi-llama3-8b")

    # When the page is read
    page = SageMakerDiscovery(client, "us-east-1").endpoints(limit=3)

    # Then that endpoint carries its error and the summary the listing gave; the others are described
    by_name = {e.name: e for e in page.endpoints}
    broken = by_name["tgi-llama3-8b"]
    assert broken.error is not None and broken.error.error == "not_found"
    assert (broken.status, broken.config, broken.variants) == ("InService", None, [])
    assert by_name["tgi-mistral-7b"].config is not None and by_name["djl-lmi-llama3-8b"].config is not None


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_error("AccessDeniedException", 400, "not authorized to perform: sagemaker:ListEndpoints"), CredentialsError),
        (_error("ThrottlingException", 400, "Rate exceeded"), UpstreamThrottledError),
    ],
)
def test_a_refused_listing_is_the_domain_error_the_api_answers(
    emulator: InMemoryEmulator, error: ClientError, expected: type[Exception]
) -> None:
    client = _Refusing(emulator.client("sagemaker"), "list_endpoints", error)
    with pytest.raises(expected) as caught:
        SageMakerDiscovery(client, "us-east-1").endpoints()
    assert "SageMaker endpoints in us-east-1" in str(caught.value)
