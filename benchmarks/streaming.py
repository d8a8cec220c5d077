"""Benchmark 6: streamed calls, time to first token and total time, engine vs raw boto3 vs langchain-aws.

Against the emulator (its own process), streaming answers of N tokens (N = 16, 256, 2048: the ``[[length:N]]``
marker sets the answer's length, the max-token parameter is N for every contender; no pacing between tokens, so
the client's own cost is not hidden behind the model's). Two providers, three contenders each:

- (a) raw boto3: ``invoke_endpoint_with_response_stream`` with the TGI body written by hand and the SSE parsed by
  hand; ``converse_stream`` with its events read by hand;
- (b) this engine: ``inference_engine.stream`` on the catalogue adapter (``tgi``, ``bedrock-converse``) with the
  max-token parameter set to N, validated once, clients cached by ``ClientFactory``;
- (c) langchain-aws: ``SagemakerEndpoint(...).stream`` with a content handler that writes the same body and parses
  the same SSE lines; ``ChatBedrockConverse(...).stream``.

Each round streams one prompt through (a), (b) and (c), in an order that rotates every round; time to first token
(TTFT) is from the call to the first non-empty text, total to the end of the stream. One check round first
captures the bytes each contender sent and the text each got back. Per-token overhead = the median over rounds of
(total(x) - total(a)) / N.

Then CPU per token without the network: the same three over a recorded stream of N = 2048 tokens, from a fake
client that returns the recorded events (botocore's event-stream decoding excluded: it is the same for all three),
and the engine's framing + extraction alone (``TextStream``: SSE decoding, JSON, the output path, usage).
"""

from __future__ import annotations

import copy
import gc
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3

from benchmarks.contenders import (
    CONVERSE_TEMPERATURE,
    CONVERSE_TOP_P,
    ENGINE,
    LANGCHAIN,
    RAW,
    REGION,
    TGI_PARAMETERS,
    Contender,
    raw_client,
    tgi_prompt,
)
from benchmarks.per_call import WireCheck, capture_wire, prompts, rotated_rounds
from benchmarks.stats import Summary, paired_median_difference
from inference_engine.catalogue import load_catalogue
from inference_engine.credentials import ClientFactory, ClientSettings
from inference_engine.engine import StreamDelta, stream
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation
from inference_engine.schema import BedrockProvider, ModelConfig, SageMakerProvider
from inference_engine.streaming import TextStream

TOKEN_COUNTS = (16, 256, 2048)
ROUNDS = {16: 150, 256: 40, 2048: 12}
WARMUP = {16: 15, 256: 4, 2048: 2}
CPU_TOKENS = 2048
CPU_REPEATS = 15
TTFT_RATIO_TARGET = 1.05
PER_TOKEN_SHARE_TARGET = 0.5
FRAMING = "engine framing + extraction alone (`TextStream`)"

Deltas = Callable[[str], Iterator[str]]  # prompt -> text deltas


StreamContender = Contender[Iterator[str]]


@dataclass(frozen=True)
class StreamScenario:
    name: str
    operation: str  # botocore event name suffix
    target: str
    tokens: int
    contenders: tuple[StreamContender, ...]


@dataclass(frozen=True)
class StreamContenderResult:
    key: str
    label: str
    ttft_ms: Summary
    total_ms: Summary
    paired_ttft_ms: float  # median over rounds of ttft(x) - ttft(a)
    paired_total_ms: float  # median over rounds of total(x) - total(a)
    tokens: int

    @property
    def per_token_overhead_us(self) -> float:
        return self.paired_total_ms * 1000 / self.tokens


@dataclass(frozen=True)
class StreamScenarioResult:
    name: str
    target: str
    tokens: int
    rounds: int
    warmup: int
    results: dict[str, StreamContenderResult]
    wire: WireCheck

    @property
    def ttft_ratio(self) -> float:
        return self.results[ENGINE].ttft_ms.p50 / self.results[RAW].ttft_ms.p50

    @property
    def per_token_share(self) -> float | None:
        """Engine per-token overhead / langchain-aws's; ``None`` when langchain-aws shows none."""
        chain = self.results[LANGCHAIN].per_token_overhead_us
        return self.results[ENGINE].per_token_overhead_us / chain if chain > 0 else None


@dataclass(frozen=True)
class CpuPerToken:
    name: str
    tokens: int
    us_per_token: dict[str, Summary]  # by label: raw, engine, langchain, framing alone


@dataclass(frozen=True)
class StreamingResult:
    scenarios: list[StreamScenarioResult]
    cpu: list[CpuPerToken]


# --- the contenders ------------------------------------------------------------------------------------------------


def length_prompt(prompt: str, tokens: int) -> str:
    """A prompt whose answer is ``tokens`` tokens long (the emulator's ``[[length:N]]`` marker)."""
    return f"{prompt} [[length:{tokens}]]"


def _with_max_tokens(config: ModelConfig, key: str, tokens: int) -> ModelConfig:
    return apply_override(config, {"model_kwargs": {key: tokens}})


def tgi_stream_body(prompt: str, tokens: int) -> bytes:
    body = {"inputs": tgi_prompt(prompt), "parameters": {**TGI_PARAMETERS, "max_new_tokens": tokens}, "stream": True}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def sse_token_text(line: bytes) -> str | None:
    """The text of one TGI SSE line (``data:{"token": {...}}``), ``None`` for other lines and special tokens."""
    if not line.startswith(b"data:"):
        return None
    token = json.loads(line[5:])["token"]
    return None if token["special"] else str(token["text"])


def raw_tgi_deltas(events: Any) -> Iterator[str]:
    """Hand parsing of a TGI stream: PayloadPart bytes, split into lines, ``data:`` lines decoded."""
    buffer = b""
    for event in events:
        part = event.get("PayloadPart")
        if part is None:
            continue
        buffer += part["Bytes"]
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            text = sse_token_text(line)
            if text:
                yield text


def raw_converse_deltas(events: Any) -> Iterator[str]:
    for event in events:
        if "contentBlockDelta" in event:
            text = event["contentBlockDelta"]["delta"].get("text")
            if text:
                yield text


def _engine_deltas(config: ModelConfig, clients: Any) -> Deltas:
    def call(prompt: str) -> Iterator[str]:
        for event in stream(config, Conversation.from_prompt(prompt), clients=clients):
            if isinstance(event, StreamDelta):
                yield event.text

    return call


def tgi_contenders(sagemaker: Any, chain_client: Any, clients: Any, tokens: int) -> tuple[StreamContender, ...]:
    """The three TGI contenders on the given clients (real ones, or fakes that replay a recorded stream)."""
    from langchain_aws.llms.sagemaker_endpoint import LLMContentHandler, SagemakerEndpoint  # noqa: PLC0415

    config = _with_max_tokens(load_catalogue()["tgi"], "max_new_tokens", tokens)
    provider = config.provider
    assert isinstance(provider, SageMakerProvider)

    def raw(prompt: str) -> Iterator[str]:
        response = sagemaker.invoke_endpoint_with_response_stream(
            EndpointName=provider.endpoint_name,
            Body=tgi_stream_body(prompt, tokens),
            ContentType="application/json",
            Accept="application/json",
        )
        return raw_tgi_deltas(response["Body"])

    class TgiStreamHandler(LLMContentHandler):
        content_type = "application/json"
        accepts = "application/json"

        def transform_input(self, prompt: str, model_kwargs: dict[str, Any]) -> bytes:
            del model_kwargs  # the body carries the same parameters as (a) and (b), max_new_tokens = N
            return tgi_stream_body(prompt, tokens)

        def transform_output(self, output: Any) -> str:
            return sse_token_text(output) or ""

    llm = SagemakerEndpoint(
        endpoint_name=provider.endpoint_name,
        region_name=REGION,
        client=chain_client,
        content_handler=TgiStreamHandler(),
        streaming=True,
    )

    def langchain(prompt: str) -> Iterator[str]:
        return (str(chunk) for chunk in llm.stream(prompt))

    return (
        StreamContender(RAW, raw, sagemaker),
        StreamContender(ENGINE, _engine_deltas(config, clients), None),
        StreamContender(LANGCHAIN, langchain, chain_client),
    )


def converse_contenders(
    bedrock: Any, chain_client: Any, control_client: Any, clients: Any, tokens: int
) -> tuple[StreamContender, ...]:
    from langchain_aws import ChatBedrockConverse  # noqa: PLC0415

    config = _with_max_tokens(load_catalogue()["bedrock-converse"], "max_tokens", tokens)
    provider = config.provider
    assert isinstance(provider, BedrockProvider)
    inference = {"maxTokens": tokens, "temperature": CONVERSE_TEMPERATURE, "topP": CONVERSE_TOP_P}

    def raw(prompt: str) -> Iterator[str]:
        response = bedrock.converse_stream(
            modelId=provider.model_id,
            messages=[{"role": "user", "content": [{"text": prompt}]}],
            inferenceConfig=inference,
        )
        return raw_converse_deltas(response["stream"])

    chat = ChatBedrockConverse(
        model_id=provider.model_id,
        region_name=REGION,
        client=chain_client,
        bedrock_client=control_client,  # control plane: never called here
        max_tokens=tokens,
        temperature=CONVERSE_TEMPERATURE,
        top_p=CONVERSE_TOP_P,
    )

    def langchain(prompt: str) -> Iterator[str]:
        return (chunk.text for chunk in chat.stream(prompt))

    return (
        StreamContender(RAW, raw, bedrock),
        StreamContender(ENGINE, _engine_deltas(config, clients), None),
        StreamContender(LANGCHAIN, langchain, chain_client),
    )


def scenarios(session: boto3.Session, url: str, settings: ClientSettings, tokens: int) -> list[StreamScenario]:
    factory = ClientFactory(
        session=session, settings=settings, endpoint_urls={"sagemaker-runtime": url, "bedrock-runtime": url}
    )
    tgi = tgi_contenders(
        raw_client(session, "sagemaker-runtime", url, settings),
        raw_client(session, "sagemaker-runtime", url, settings),
        factory,
        tokens,
    )
    converse = converse_contenders(
        raw_client(session, "bedrock-runtime", url, settings),
        raw_client(session, "bedrock-runtime", url, settings),
        raw_client(session, "bedrock", url, settings),
        factory,
        tokens,
    )
    with_engine_client = {
        "tgi": factory.client("sagemaker-runtime", REGION, target="tgi-mistral-7b"),
        "converse": factory.client("bedrock-runtime", REGION, target="anthropic.claude-3-haiku-20240307-v1:0"),
    }
    return [
        StreamScenario(
            "SageMaker TGI (InvokeEndpointWithResponseStream)",
            "sagemaker-runtime.InvokeEndpointWithResponseStream",
            "tgi-mistral-7b",
            tokens,
            tuple(_client_of(c, with_engine_client["tgi"]) for c in tgi),
        ),
        StreamScenario(
            "Bedrock ConverseStream",
            "bedrock-runtime.ConverseStream",
            "anthropic.claude-3-haiku-20240307-v1:0",
            tokens,
            tuple(_client_of(c, with_engine_client["converse"]) for c in converse),
        ),
    ]


def _client_of(contender: StreamContender, engine_client: Any) -> StreamContender:
    if contender.client is not None:
        return contender
    return StreamContender(contender.key, contender.call, engine_client)


# --- timing --------------------------------------------------------------------------------------------------------


def time_stream(call: Deltas, prompt: str) -> tuple[float, float, str]:
    """(time to the first non-empty text, time to the end, the text), in seconds."""
    started = time.perf_counter()
    first = 0.0
    parts: list[str] = []
    for text in call(prompt):
        if text:
            if not parts:
                first = time.perf_counter()
            parts.append(text)
    ended = time.perf_counter()
    return first - started, ended - started, "".join(parts)


def run_stream_scenario(scenario: StreamScenario, *, rounds: int, warmup: int) -> StreamScenarioResult:
    pool = [length_prompt(prompt, scenario.tokens) for prompt in prompts()]
    wire = capture_wire(
        scenario.operation, scenario.contenders, lambda contender: time_stream(contender.call, pool[0])[2]
    )
    contenders = scenario.contenders
    ttft: dict[str, list[float]] = {c.key: [] for c in contenders}
    total: dict[str, list[float]] = {c.key: [] for c in contenders}
    gc.collect()
    for timed, contender, prompt in rotated_rounds(contenders, pool, rounds=rounds, warmup=warmup):
        first, end, _ = time_stream(contender.call, prompt)
        if timed:
            ttft[contender.key].append(first * 1000)
            total[contender.key].append(end * 1000)
    results = {
        c.key: StreamContenderResult(
            key=c.key,
            label=c.label,
            ttft_ms=Summary.of(ttft[c.key]),
            total_ms=Summary.of(total[c.key]),
            paired_ttft_ms=paired_median_difference(ttft[c.key], ttft[RAW]),
            paired_total_ms=paired_median_difference(total[c.key], total[RAW]),
            tokens=scenario.tokens,
        )
        for c in contenders
    }
    return StreamScenarioResult(
        name=scenario.name,
        target=scenario.target,
        tokens=scenario.tokens,
        rounds=rounds,
        warmup=warmup,
        results=results,
        wire=wire,
    )


# --- CPU per token, no network -------------------------------------------------------------------------------------


class _Replay:
    """A client that answers a streaming call with a copy of a recorded list of events (no network, no decoding),
    made by ``load`` before the call (untimed: a reader may change the events it gets)."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.recorded = events
        self.events = copy.deepcopy(events)
        self.meta = None

    def load(self) -> None:
        self.events = copy.deepcopy(self.recorded)

    def invoke_endpoint_with_response_stream(self, **_: Any) -> dict[str, Any]:
        return {"Body": iter(self.events)}

    def converse_stream(self, **_: Any) -> dict[str, Any]:
        return {"stream": iter(self.events)}


class _ReplayClients:
    def __init__(self, client: _Replay) -> None:
        self._client = client

    def client(self, *_: Any, **__: Any) -> Any:
        return self._client


def _record(call: Callable[[], Any]) -> list[dict[str, Any]]:
    return [dict(event) for event in call()]


def _per_token(call: Callable[[], object], tokens: int, replay: _Replay) -> Summary:
    replay.load()
    call()
    samples = []
    gc.collect()
    for _ in range(CPU_REPEATS):
        replay.load()
        started = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - started) / 1000 / tokens)
    return Summary.of(samples)


def _drain(call: Deltas, prompt: str) -> Callable[[], object]:
    return lambda: sum(1 for _ in call(prompt))


def cpu_per_token(session: boto3.Session, url: str, settings: ClientSettings) -> list[CpuPerToken]:
    """Each contender over a recorded stream of ``CPU_TOKENS`` tokens, replayed without the network."""
    tokens, prompt = CPU_TOKENS, length_prompt(prompts()[0], CPU_TOKENS)
    sagemaker = raw_client(session, "sagemaker-runtime", url, settings)
    recorded_tgi = _record(
        lambda: sagemaker.invoke_endpoint_with_response_stream(
            EndpointName="tgi-mistral-7b",
            Body=tgi_stream_body(prompt, tokens),
            ContentType="application/json",
            Accept="application/json",
        )["Body"]
    )
    bedrock = raw_client(session, "bedrock-runtime", url, settings)
    recorded_converse = _record(
        lambda: bedrock.converse_stream(
            modelId="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[{"role": "user", "content": [{"text": prompt}]}],
            inferenceConfig={"maxTokens": tokens, "temperature": CONVERSE_TEMPERATURE, "topP": CONVERSE_TOP_P},
        )["stream"]
    )
    tgi_replay, converse_replay = _Replay(recorded_tgi), _Replay(recorded_converse)
    control = raw_client(session, "bedrock", url, settings)
    found = []
    tgi = tgi_contenders(tgi_replay, tgi_replay, _ReplayClients(tgi_replay), tokens)
    converse = converse_contenders(converse_replay, converse_replay, control, _ReplayClients(converse_replay), tokens)
    tgi_config = load_catalogue()["tgi"]
    stream_settings = tgi_config.content_handler.stream
    assert stream_settings is not None
    parts = [event["PayloadPart"]["Bytes"] for event in recorded_tgi if "PayloadPart" in event]

    def framing() -> object:
        decoder = TextStream(stream_settings.framing, stream_settings.output_path, tgi_config.content_handler.usage)
        count = sum(1 for part in parts for _ in decoder.feed(part))
        return count + sum(1 for _ in decoder.finish())

    for name, contenders, replay, extra in (
        ("SageMaker TGI (SSE)", tgi, tgi_replay, [(FRAMING, framing)]),
        ("Bedrock ConverseStream", converse, converse_replay, []),
    ):
        timings = {c.label: _per_token(_drain(c.call, prompt), tokens, replay) for c in contenders}
        timings.update({label: _per_token(work, tokens, replay) for label, work in extra})
        found.append(CpuPerToken(name=name, tokens=tokens, us_per_token=timings))
    return found


def run_streaming(
    session: boto3.Session,
    url: str,
    settings: ClientSettings,
    *,
    scale: float = 1.0,
    progress: Callable[[str], None] = print,
) -> StreamingResult:
    found: list[StreamScenarioResult] = []
    for tokens in TOKEN_COUNTS:
        rounds, warmup = max(3, round(ROUNDS[tokens] * scale)), max(1, round(WARMUP[tokens] * scale))
        for scenario in scenarios(session, url, settings, tokens):
            result = run_stream_scenario(scenario, rounds=rounds, warmup=warmup)
            found.append(result)
            engine, chain = result.results[ENGINE], result.results[LANGCHAIN]
            progress(
                f"    {scenario.name[:22]:22} N={tokens:5}  TTFT raw {result.results[RAW].ttft_ms.p50:6.2f} ms "
                f"x{result.ttft_ratio:.3f}  per token: engine {engine.per_token_overhead_us:+6.1f} us, "
                f"langchain {chain.per_token_overhead_us:+6.1f} us"
            )
    return StreamingResult(scenarios=found, cpu=cpu_per_token(session, url, settings))
