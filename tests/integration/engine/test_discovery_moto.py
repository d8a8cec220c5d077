"""SageMaker discovery against moto, for the calls moto implements (ListEndpoints, DescribeEndpoint,
DescribeEndpointConfig, DescribeModel): a model-based endpoint created through the real API is found and detected.

moto does not implement inference components or any Bedrock listing discovery reads, requires a model on every
variant and knows only older instance types, so the local stack reads the emulator instead (docs/design.md §8.6).
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from inference_engine.credentials import ClientFactory
from inference_engine.discovery.sagemaker import SageMakerDiscovery
from inference_engine.errors import ResourceNotFoundError
from inference_engine.schema import SageMakerProvider

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

TGI_IMAGE = (
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/"
    "huggingface-pytorch-tgi-inference:2.4.0-tgi2.3.1-gpu-py311-cu124-ubuntu22.04"
)


@pytest.fixture
def factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[ClientFactory]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield ClientFactory(
            session=boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
        )


def test_an_endpoint_created_in_moto_is_described_and_detected(factory: ClientFactory) -> None:
    # Given a model with the TGI container, its endpoint config and endpoint, created through the SageMaker API
    sagemaker = factory.client("sagemaker", "us-east-1")
    sagemaker.create_model(
        ModelName="mistral-7b",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker",
        PrimaryContainer={
            "Image": TGI_IMAGE,
            "Environment": {
                "HF_MODEL_ID": "mistralai/Mistral-7B-Instruct-v0.3",
                "MAX_TOTAL_TOKENS": "4096",
                "HF_TOKEN": "hf_secret",
            },
        },
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="mistral-7b-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "mistral-7b",
                "InstanceType": "ml.g4dn.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName="mistral-7b", EndpointConfigName="mistral-7b-config")

    # When discovery lists the region
    page = SageMakerDiscovery(sagemaker, "us-east-1").endpoints()

    # Then the endpoint is found, described down to its image, detected as TGI, with a ready adapter
    [endpoint] = page.endpoints
    assert (endpoint.name, endpoint.status, endpoint.error) == ("mistral-7b", "InService", None)
    [variant] = endpoint.variants
    assert (variant.instance_type, variant.instance_count) == ("ml.g4dn.xlarge", 1)
    assert variant.container is not None and variant.container.image == TGI_IMAGE
    assert variant.container.environment["HF_TOKEN"] == "(redacted)"
    assert endpoint.detection is not None and endpoint.detection.format == "tgi"
    config = endpoint.config
    assert config is not None and isinstance(config.provider, SageMakerProvider)
    assert (config.provider.endpoint_name, config.constraints.max_total_tokens) == ("mistral-7b", 4096)


def test_a_missing_endpoint_in_moto_is_not_found(factory: ClientFactory) -> None:
    with pytest.raises(ResourceNotFoundError):
        SageMakerDiscovery(factory.client("sagemaker", "us-east-1"), "us-east-1").endpoint("nope")
