"""Benchmark 2: the engine's own per-call cost, no network, in microseconds.

The full admin path per call is: merge an override into the base adapter and validate the result
(``apply_override``), render the prompt template and the request body (``prepare``), then parse a
canned model answer and extract its text and usage (what ``invoke`` does after the call). The
"validated once" rows skip the merge/validation, as ``(b)`` in the per-call benchmark does. The
"stage" rows split the TGI path, with the same chat template rendered by a plain ``jinja2``
environment (no sandbox, no limits, no deadline) as a reference for what the sandbox costs.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import jinja2

from benchmarks.stats import Summary
from inference_engine.catalogue import load_catalogue
from inference_engine.engine import prepare
from inference_engine.extraction import extract_text, extract_usage, parse_json_body
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation
from inference_engine.prompt_template import render_prompt
from inference_engine.schema import ModelConfig

TARGET_US = 200.0
PATCH: dict[str, Any] = {"model_kwargs": {"temperature": 0.2}}
PROMPT = "What is the weather like in Paris today?"
CANNED_TEXT = "Paris is mild today, with light wind from the west and a chance of rain."
# A TGI /generate answer (with details) and a Converse answer, as the runtime returns them.
TGI_ANSWER = json.dumps(
    [{"generated_text": CANNED_TEXT, "details": {"finish_reason": "eos_token", "generated_tokens": 17}}]
).encode()
CONVERSE_ANSWER: dict[str, Any] = {
    "output": {"message": {"role": "assistant", "content": [{"text": CANNED_TEXT}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 12, "outputTokens": 17, "totalTokens": 29},
}

Kind = Literal["full", "validated-once", "stage"]
PREPARE = "prepare only (validated once)"
SANDBOXED = "chat template in the sandbox (render_prompt)"
PLAIN_JINJA = "same template, plain jinja2 (reference)"
MERGE = "merge + validate (apply_override)"
EXTRACT = "parse + extract text and usage"


@dataclass(frozen=True)
class EngineOnlyResult:
    name: str
    stages: str
    kind: Kind  # "full": the admin path the target applies to
    summary_us: Summary
    last_output: str  # what the last iteration produced (proves the work was done)


def _sagemaker_call(base: ModelConfig, conversation: Conversation, *, override: bool) -> Callable[[], str]:
    def call() -> str:
        config = apply_override(base, PATCH) if override else base
        prepared = prepare(config, conversation)
        assert prepared.body_bytes is not None
        document = parse_json_body(TGI_ANSWER)
        extract_usage(document, config.content_handler.usage)
        return extract_text(document, config.content_handler.output_path)

    return call


def _converse_call(base: ModelConfig, conversation: Conversation, *, override: bool) -> Callable[[], str]:
    def call() -> str:
        config = apply_override(base, PATCH) if override else base
        prepare(config, conversation)
        blocks = CONVERSE_ANSWER["output"]["message"]["content"]
        return "".join(block["text"] for block in blocks if "text" in block)

    return call


Case = tuple[str, str, Kind, Callable[[], str]]


def _prepare_only(base: ModelConfig, conversation: Conversation) -> Callable[[], str]:
    def call() -> str:
        prepared = prepare(base, conversation)
        return prepared.rendered_prompt or str(prepared.params["messages"][0]["content"][0]["text"])

    return call


def _stage_cases(base: ModelConfig, conversation: Conversation) -> list[Case]:
    template = base.prompt.template
    assert template is not None
    messages = conversation.messages_with_system()
    bos_token, eos_token = base.prompt.bos_token, base.prompt.eos_token
    environment = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, autoescape=False)  # noqa: S701 - not HTML
    plain = environment.from_string(template)

    def merge_and_validate() -> str:
        return apply_override(base, PATCH).id

    def sandboxed() -> str:
        return render_prompt(
            template, messages=messages, system=conversation.system, bos_token=bos_token, eos_token=eos_token
        )

    def reference() -> str:
        return plain.render(
            messages=messages,
            system=conversation.system,
            add_generation_prompt=True,
            bos_token=bos_token,
            eos_token=eos_token,
        )

    def extract() -> str:
        document = parse_json_body(TGI_ANSWER)
        extract_usage(document, base.content_handler.usage)
        return extract_text(document, base.content_handler.output_path)

    return [
        ("tgi", MERGE, "stage", merge_and_validate),
        ("tgi", SANDBOXED, "stage", sandboxed),
        ("tgi", PLAIN_JINJA, "stage", reference),
        ("tgi", EXTRACT, "stage", extract),
    ]


def _measure(call: Callable[[], str], iterations: int, warmup: int) -> tuple[Summary, str]:
    output = ""
    for _ in range(warmup):
        output = call()
    samples: list[float] = []
    gc.collect()
    for _ in range(iterations):
        started = time.perf_counter_ns()
        output = call()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return Summary.of(samples), output


def run_engine_only(*, iterations: int = 5000, warmup: int = 500) -> list[EngineOnlyResult]:
    """One row per adapter and path (the catalogue's ``tgi`` and ``bedrock-converse``), then the TGI stages."""
    catalogue = load_catalogue()
    conversation = Conversation.from_prompt(PROMPT)
    tgi, converse = catalogue["tgi"], catalogue["bedrock-converse"]
    full, once = "validate + merge + render + extract", "render + extract (validated once)"
    cases: list[Case] = [
        ("tgi", full, "full", _sagemaker_call(tgi, conversation, override=True)),
        ("bedrock-converse", full, "full", _converse_call(converse, conversation, override=True)),
        ("tgi", once, "validated-once", _sagemaker_call(tgi, conversation, override=False)),
        ("bedrock-converse", once, "validated-once", _converse_call(converse, conversation, override=False)),
        ("tgi", PREPARE, "stage", _prepare_only(tgi, conversation)),
        ("bedrock-converse", PREPARE, "stage", _prepare_only(converse, conversation)),
        *_stage_cases(tgi, conversation),
    ]
    results: list[EngineOnlyResult] = []
    for name, stages, kind, call in cases:
        summary, output = _measure(call, iterations, warmup)
        results.append(EngineOnlyResult(name=name, stages=stages, kind=kind, summary_us=summary, last_output=output))
    return results
