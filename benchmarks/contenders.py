"""The three ways to make the same model call that the per-call benchmark compares.

(a) raw boto3 with a hand-written body and hand-written output parsing;
(b) this engine: ``invoke`` on a ``ModelConfig`` validated once, clients cached by ``ClientFactory``;
(c) langchain-aws: ``SagemakerEndpoint`` with an equivalent ``LLMContentHandler``, or ``ChatBedrockConverse``.

All three use clients built from one ``boto3.Session`` with the engine's own ``botocore`` ``Config``
(adaptive retries, 3 attempts, 5 s connect / 60 s read timeouts, 32 pooled connections), against the
same emulator URL, with the same request body (checked byte for byte by ``per_call``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

import boto3

from inference_engine.catalogue import load_catalogue
from inference_engine.credentials import ClientFactory, ClientSettings
from inference_engine.engine import invoke, prepare, render_prompt_text
from inference_engine.messages import Conversation
from inference_engine.schema import BedrockProvider, ModelConfig, SageMakerProvider

REGION = "us-east-1"
RAW, ENGINE, LANGCHAIN = "raw", "engine", "langchain"
LABELS = {RAW: "(a) raw boto3", ENGINE: "(b) model-studio engine", LANGCHAIN: "(c) langchain-aws"}
PREPARE_WORK = "`prepare` (everything before the call)"
TEMPLATE_WORK = "of which the chat template (`render_prompt_text`)"

# The catalogue's TGI adapter, written out by hand the way a developer would without the engine.
TGI_PARAMETERS: dict[str, Any] = {
    "max_new_tokens": 256,
    "temperature": 0.7,
    "top_p": 0.9,
    "do_sample": True,
    "stop": ["</s>"],
    "return_full_text": False,
    "details": True,
}
# The catalogue's Bedrock Converse adapter's model_kwargs, as Converse inferenceConfig.
CONVERSE_MAX_TOKENS, CONVERSE_TEMPERATURE, CONVERSE_TOP_P = 512, 0.5, 0.9
CONVERSE_INFERENCE = {"maxTokens": CONVERSE_MAX_TOKENS, "temperature": CONVERSE_TEMPERATURE, "topP": CONVERSE_TOP_P}


@lru_cache(maxsize=256)
def conversation_of(prompt: str) -> Conversation:
    """The engine's input for a prompt, built once per prompt, so that timing engine work times the engine alone."""
    return Conversation.from_prompt(prompt)


def tgi_prompt(prompt: str) -> str:
    """Mistral-instruct formatting of one user turn (what the adapter's chat template renders)."""
    return f"<s>[INST] {prompt} [/INST]"


def tgi_body(prompt: str, parameters: dict[str, Any]) -> bytes:
    return json.dumps(
        {"inputs": tgi_prompt(prompt), "parameters": parameters}, ensure_ascii=False, separators=(",", ":")
    ).encode()


Output = TypeVar("Output")


@dataclass(frozen=True)
class Contender(Generic[Output]):
    key: str
    call: Callable[[str], Output]  # prompt -> generated text (buffered), or its deltas (streamed)
    client: Any  # the botocore client the call goes through (to observe the wire body)

    @property
    def label(self) -> str:
        return LABELS[self.key]


@dataclass(frozen=True)
class Scenario:
    name: str
    operation: str  # botocore event name suffix, e.g. "sagemaker-runtime.InvokeEndpoint"
    target: str
    contenders: tuple[Contender[str], ...]
    # Parts of the engine's own work for one call (no network), by label, each timed right after a network call to
    # see what it costs with the caches a network wait leaves behind; in no target.
    engine_work: tuple[tuple[str, Callable[[str], object]], ...] = ()


def bench_session() -> boto3.Session:
    """Static dummy credentials: the emulator does not check signatures, but botocore still signs."""
    return boto3.Session(aws_access_key_id="AKIABENCHMARK", aws_secret_access_key="bench-secret", region_name=REGION)  # noqa: S106


def raw_client(session: boto3.Session, service: str, url: str, settings: ClientSettings) -> Any:
    return session.client(service, region_name=REGION, endpoint_url=url, config=settings.botocore_config())  # type: ignore[call-overload]


def _catalogue_config(fmt: str) -> ModelConfig:
    return load_catalogue()[fmt]


def sagemaker_tgi(session: boto3.Session, url: str, settings: ClientSettings) -> Scenario:
    from langchain_aws.llms.sagemaker_endpoint import LLMContentHandler, SagemakerEndpoint  # noqa: PLC0415

    config = _catalogue_config("tgi")
    provider = config.provider
    assert isinstance(provider, SageMakerProvider)
    endpoint = provider.endpoint_name

    direct = raw_client(session, "sagemaker-runtime", url, settings)

    def raw(prompt: str) -> str:
        response = direct.invoke_endpoint(
            EndpointName=endpoint,
            Body=tgi_body(prompt, TGI_PARAMETERS),
            ContentType="application/json",
            Accept="application/json",
        )
        return str(json.loads(response["Body"].read())[0]["generated_text"])

    factory = ClientFactory(session=session, settings=settings, endpoint_urls={"sagemaker-runtime": url})

    def engine(prompt: str) -> str:
        return invoke(config, Conversation.from_prompt(prompt), clients=factory).output

    class TgiContentHandler(LLMContentHandler):
        content_type = "application/json"
        accepts = "application/json"

        def transform_input(self, prompt: str, model_kwargs: dict[str, Any]) -> bytes:
            return tgi_body(prompt, model_kwargs)

        def transform_output(self, output: Any) -> str:
            return str(json.loads(output.read())[0]["generated_text"])

    chain_client = raw_client(session, "sagemaker-runtime", url, settings)
    llm = SagemakerEndpoint(
        endpoint_name=endpoint,
        region_name=REGION,
        client=chain_client,
        content_handler=TgiContentHandler(),
        model_kwargs=dict(TGI_PARAMETERS),
    )

    def langchain(prompt: str) -> str:
        return str(llm.invoke(prompt))

    return Scenario(
        name="SageMaker TGI (InvokeEndpoint)",
        operation="sagemaker-runtime.InvokeEndpoint",
        target=endpoint,
        contenders=(
            Contender(RAW, raw, direct),
            Contender(ENGINE, engine, factory.client("sagemaker-runtime", REGION, target=endpoint)),
            Contender(LANGCHAIN, langchain, chain_client),
        ),
        engine_work=(
            (PREPARE_WORK, lambda prompt: prepare(config, conversation_of(prompt))),
            (TEMPLATE_WORK, lambda prompt: render_prompt_text(config, conversation_of(prompt))),
        ),
    )


def bedrock_converse(session: boto3.Session, url: str, settings: ClientSettings) -> Scenario:
    from langchain_aws import ChatBedrockConverse  # noqa: PLC0415

    config = _catalogue_config("bedrock-converse")
    provider = config.provider
    assert isinstance(provider, BedrockProvider)
    model_id = provider.model_id

    direct = raw_client(session, "bedrock-runtime", url, settings)

    def raw(prompt: str) -> str:
        response = direct.converse(
            modelId=model_id,
            messages=[{"role": "user", "content": [{"text": prompt}]}],
            inferenceConfig=CONVERSE_INFERENCE,
        )
        return "".join(block["text"] for block in response["output"]["message"]["content"] if "text" in block)

    factory = ClientFactory(session=session, settings=settings, endpoint_urls={"bedrock-runtime": url})

    def engine(prompt: str) -> str:
        return invoke(config, Conversation.from_prompt(prompt), clients=factory).output

    chain_client = raw_client(session, "bedrock-runtime", url, settings)
    chat = ChatBedrockConverse(
        model_id=model_id,
        region_name=REGION,
        client=chain_client,
        bedrock_client=raw_client(session, "bedrock", url, settings),  # control plane: never called here
        max_tokens=CONVERSE_MAX_TOKENS,
        temperature=CONVERSE_TEMPERATURE,
        top_p=CONVERSE_TOP_P,
    )

    def langchain(prompt: str) -> str:
        return str(chat.invoke(prompt).text)

    return Scenario(
        name="Bedrock Converse",
        operation="bedrock-runtime.Converse",
        target=model_id,
        contenders=(
            Contender(RAW, raw, direct),
            Contender(ENGINE, engine, factory.client("bedrock-runtime", REGION, target=model_id)),
            Contender(LANGCHAIN, langchain, chain_client),
        ),
        engine_work=((PREPARE_WORK, lambda prompt: prepare(config, conversation_of(prompt))),),
    )
