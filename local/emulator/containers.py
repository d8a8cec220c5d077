"""The container each emulated format runs in, as the SageMaker API describes it: real image URIs and the
environment their model servers read (AWS Deep Learning Containers live in account 763104351884)."""

from __future__ import annotations

from typing import Any, Final

from local.emulator.registry import Container

DLC: Final = "763104351884.dkr.ecr.{region}.amazonaws.com"
DEFAULT_CONTAINERS: Final[dict[str, Container]] = {
    "tgi": Container(
        image=f"{DLC}/huggingface-pytorch-tgi-inference:2.4.0-tgi2.3.1-gpu-py311-cu124-ubuntu22.04",
        environment={
            "HF_MODEL_ID": "mistralai/Mistral-7B-Instruct-v0.3",
            "SM_NUM_GPUS": "1",
            "MAX_INPUT_TOKENS": "7000",
            "MAX_TOTAL_TOKENS": "8192",
        },
    ),
    "djl-lmi": Container(
        image=f"{DLC}/djl-inference:0.31.0-lmi13.0.0-cu124",
        environment={
            "HF_MODEL_ID": "meta-llama/Meta-Llama-3-8B-Instruct",
            "OPTION_ROLLING_BATCH": "lmi-dist",
            "OPTION_TENSOR_PARALLEL_DEGREE": "1",
            "OPTION_MAX_ROLLING_BATCH_SIZE": "32",
        },
    ),
    "openai-chat": Container(
        image=f"{DLC}/vllm:0.10.2-gpu-py312-cu128-ubuntu22.04-sagemaker",
        environment={"SM_VLLM_MODEL": "Qwen/Qwen2-7B-Instruct", "SM_VLLM_MAX_MODEL_LEN": "32768"},
    ),
    "jumpstart-llama2-chat": Container(
        image=f"{DLC}/huggingface-pytorch-tgi-inference:2.0.1-tgi0.9.3-gpu-py39-cu118-ubuntu20.04",
        environment={
            "SAGEMAKER_PROGRAM": "inference.py",
            "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            "ENDPOINT_SERVER_TIMEOUT": "3600",
            "HF_MODEL_ID": "/opt/ml/model",
            "SM_NUM_GPUS": "1",
            "MAX_INPUT_LENGTH": "4095",
            "MAX_TOTAL_TOKENS": "4096",
        },
        model_data_url="s3://jumpstart-cache-prod-{region}/meta-infer/infer-meta-textgeneration-llama-2-7b-f.tar.gz",
    ),
}


def described(container: Container, fmt: str, region: str) -> dict[str, Any]:
    """A ``ContainerDefinition`` (image, environment, model data) with the format's defaults for what is unset."""
    default = DEFAULT_CONTAINERS[fmt]
    image = (container.image or default.image or "").replace("{region}", region)
    data = container.model_data_url or default.model_data_url
    definition: dict[str, Any] = {
        "Image": image,
        "Mode": "SingleModel",
        "Environment": dict(container.environment if container.environment is not None else default.environment or {}),
    }
    if data:
        definition["ModelDataUrl"] = data.replace("{region}", region)
    return definition
