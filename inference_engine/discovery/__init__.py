"""Discovery: what is deployed (SageMaker endpoints, Bedrock models and profiles), which catalogue adapter each one
speaks, and a bounded probe that checks it. Read-only control-plane calls and one-token model calls only; the
clients come from the injected ``ClientFactory``."""

from inference_engine.discovery.bedrock import BedrockDiscovery, adapters_for, invoke_format
from inference_engine.discovery.containers import detect
from inference_engine.discovery.models import (
    BEDROCK_KINDS,
    BedrockKind,
    BedrockModel,
    BedrockModelList,
    BedrockTarget,
    Detection,
    EndpointPage,
    ProbeRequest,
    ProbeResult,
    SageMakerEndpoint,
    SageMakerTarget,
)
from inference_engine.discovery.probe import ProbeLimits, in_image_order, probe
from inference_engine.discovery.sagemaker import SageMakerDiscovery
from inference_engine.discovery.starting_config import starting_config

__all__ = [
    "BEDROCK_KINDS",
    "BedrockDiscovery",
    "BedrockKind",
    "BedrockModel",
    "BedrockModelList",
    "BedrockTarget",
    "Detection",
    "EndpointPage",
    "ProbeLimits",
    "ProbeRequest",
    "ProbeResult",
    "SageMakerDiscovery",
    "SageMakerEndpoint",
    "SageMakerTarget",
    "adapters_for",
    "detect",
    "in_image_order",
    "invoke_format",
    "probe",
    "starting_config",
]
