"""Image -> format: every signal (repository, tag, environment, model data) weighed, the ranking explained."""

from __future__ import annotations

import pytest

from inference_engine.discovery.containers import REDACTED, context_limits, detect, redact
from inference_engine.discovery.sagemaker import SageMakerDiscovery
from tests.fakes.emulator_clients import InMemoryEmulator

DLC = "763104351884.dkr.ecr.us-east-1.amazonaws.com"
JUMPSTART_DATA = "s3://jumpstart-cache-prod-us-east-1/meta-infer/infer-meta-textgeneration-llama-2-7b-f.tar.gz"

# (image, environment, model data) -> (format, confidence, family, probe order)
CASES = [
    pytest.param(
        f"{DLC}/huggingface-pytorch-tgi-inference:2.4.0-tgi2.3.1-gpu-py311-cu124-ubuntu22.04",
        {"HF_MODEL_ID": "mistralai/Mistral-7B-Instruct-v0.3", "SM_NUM_GPUS": "1"},
        None,
        ("tgi", "high", "Hugging Face TGI 2.3.1", ["tgi", "djl-lmi", "openai-chat", "jumpstart-llama2-chat"]),
        id="tgi-dlc",
    ),
    pytest.param(
        f"{DLC}/huggingface-pytorch-tgi-inference:2.4.0-tgi2.3.1-gpu-py311-cu124-ubuntu22.04",
        {"MESSAGES_API_ENABLED": "true"},
        None,
        ("openai-chat", "high", "Hugging Face TGI 2.3.1", ["openai-chat", "tgi", "djl-lmi", "jumpstart-llama2-chat"]),
        id="tgi-messages-api",
    ),
    pytest.param(
        "ghcr.io/huggingface/text-generation-inference:3.0.1",
        {},
        None,
        ("tgi", "medium", "Hugging Face TGI", ["tgi", "djl-lmi", "openai-chat", "jumpstart-llama2-chat"]),
        id="tgi-upstream-image",
    ),
    pytest.param(
        f"{DLC}/djl-inference:0.31.0-lmi13.0.0-cu124",
        {"OPTION_ROLLING_BATCH": "vllm", "OPTION_TENSOR_PARALLEL_DEGREE": "1"},
        None,
        ("djl-lmi", "high", "DJL Serving LMI 13.0.0", ["djl-lmi", "openai-chat", "tgi", "jumpstart-llama2-chat"]),
        id="lmi-dlc",
    ),
    pytest.param(
        f"{DLC}/vllm:0.10.2-gpu-py312-cu128-ubuntu22.04-sagemaker",
        {"SM_VLLM_MODEL": "Qwen/Qwen2-7B-Instruct"},
        None,
        (
            "openai-chat",
            "high",
            "vLLM (OpenAI-compatible) 0.10.2",
            ["openai-chat", "tgi", "djl-lmi", "jumpstart-llama2-chat"],
        ),
        id="vllm-dlc",
    ),
    pytest.param(
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/vllm/vllm-openai@sha256:" + "0" * 64,
        {},
        None,
        ("openai-chat", "high", "vLLM (OpenAI-compatible)", ["openai-chat", "tgi", "djl-lmi", "jumpstart-llama2-chat"]),
        id="vllm-by-digest",
    ),
    pytest.param(
        "lmsysorg/sglang:v0.4.6",
        {},
        None,
        (
            "openai-chat",
            "medium",
            "SGLang (OpenAI-compatible) 0.4.6",
            ["openai-chat", "tgi", "djl-lmi", "jumpstart-llama2-chat"],
        ),
        id="sglang",
    ),
    pytest.param(
        f"{DLC}/huggingface-pytorch-tgi-inference:2.0.1-tgi0.9.3-gpu-py39-cu118-ubuntu20.04",
        {"SAGEMAKER_PROGRAM": "inference.py", "SM_NUM_GPUS": "1"},
        JUMPSTART_DATA,
        (
            "jumpstart-llama2-chat",
            "high",
            "Hugging Face TGI 0.9.3",
            ["jumpstart-llama2-chat", "tgi", "djl-lmi", "openai-chat"],
        ),
        id="jumpstart-llama2-chat",
    ),
    pytest.param(
        f"{DLC}/huggingface-pytorch-inference:2.1.0-transformers4.37.0-gpu-py310-cu118-ubuntu20.04",
        {"HF_TASK": "text-generation"},
        None,
        ("tgi", "low", "Hugging Face inference toolkit", ["tgi", "djl-lmi", "openai-chat", "jumpstart-llama2-chat"]),
        id="hf-inference-toolkit",
    ),
    pytest.param(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-model-server:latest",
        {},
        None,
        (None, "none", None, ["tgi", "djl-lmi", "openai-chat", "jumpstart-llama2-chat"]),
        id="unknown-custom-image",
    ),
]


@pytest.mark.parametrize(("image", "environment", "model_data", "expected"), CASES)
def test_an_image_and_its_environment_point_to_a_catalogue_format(
    image: str, environment: dict[str, str], model_data: str | None, expected: tuple[object, ...]
) -> None:
    # When the container is weighed / Then the format, confidence, server family and probe order are as expected
    detection = detect(image, environment, model_data)
    assert (detection.format, detection.confidence, detection.family, detection.candidates) == expected
    assert detection.supported
    # And each reason names the format it voted for
    if detection.format is not None:
        assert detection.reasons[0].endswith(f"({detection.format})")


@pytest.mark.parametrize(
    "image",
    [
        f"{DLC}/tei:2.0.1-tei1.2.3-gpu-py310-cu122-ubuntu22.04",
        "ghcr.io/huggingface/text-embeddings-inference:1.5",
        "nvcr.io/nvidia/tritonserver:24.08-py3",
    ],
)
def test_images_that_do_not_generate_text_are_reported_as_unsupported(image: str) -> None:
    detection = detect(image, {})
    assert (detection.format, detection.supported, detection.candidates) == (None, False, [])
    assert "does not generate text" in detection.reasons[0]


def test_a_repository_name_that_merely_contains_tei_is_not_an_embeddings_server() -> None:
    assert detect("123456789012.dkr.ecr.us-east-1.amazonaws.com/protein-llm-tgi:1.0", {}).format == "tgi"


def test_secrets_in_the_environment_never_leave_discovery() -> None:
    environment = {"HF_TOKEN": "hf_x", "HUGGING_FACE_HUB_TOKEN": "hf_y", "OPENAI_API_KEY": "sk", "HF_MODEL_ID": "m"}
    assert redact(environment) == {
        "HF_TOKEN": REDACTED,
        "HUGGING_FACE_HUB_TOKEN": REDACTED,
        "OPENAI_API_KEY": REDACTED,
        "HF_MODEL_ID": "m",
    }


def test_the_servers_token_limits_become_constraints() -> None:
    assert context_limits({"MAX_TOTAL_TOKENS": "8192", "MAX_INPUT_TOKENS": "7000"}) == {
        "max_total_tokens": 8192,
        "max_input_tokens": 7000,
    }
    assert context_limits({"OPTION_MAX_MODEL_LEN": "32768", "MAX_INPUT_LENGTH": "x"}) == {"max_total_tokens": 32768}


def test_every_endpoint_of_the_realistic_inventory_is_detected_as_the_format_it_serves(
    emulator: InMemoryEmulator,
) -> None:
    # Given the emulator's inventory: real container images, each endpoint (or component) serving one format
    registry = emulator.state.registry.sagemaker
    # When discovery reads every endpoint through the SageMaker API
    page = SageMakerDiscovery(emulator.client("sagemaker"), "us-east-1").endpoints(limit=50)
    # Then each model container is detected as the format its endpoint really answers, with high confidence
    detected: dict[str, str | None] = {}
    for endpoint in page.endpoints:
        assert endpoint.error is None, endpoint.error
        for variant in endpoint.variants:
            if variant.detection is not None:
                detected[endpoint.name] = variant.detection.format
                assert variant.detection.confidence == "high", (endpoint.name, variant.detection)
        for component in endpoint.inference_components:
            assert component.detection is not None
            detected[f"{endpoint.name}/{component.name}"] = component.detection.format
    expected: dict[str, str | None] = {}
    for name, entry in registry.items():
        if entry.inference_components is None:
            expected[name] = entry.format
        for component_name, spec in (entry.inference_components or {}).items():
            expected[f"{name}/{component_name}"] = spec.format or entry.format
    assert detected == expected
