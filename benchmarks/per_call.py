"""Benchmark 1: per-call latency of (a) raw boto3, (b) the engine, (c) langchain-aws, interleaved.

Every round sends one prompt through each contender, in an order that rotates every round
(a,b,c / b,c,a / c,a,b), so drifts in machine load hit all three alike. Prompts vary per round (a
pool of distinct prompts), so nothing can be served from a cache keyed on the prompt. Before timing,
one check round captures the bytes each contender put on the wire and the text each got back: the
comparison is only fair if the bodies are the same, so any difference is reported.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from benchmarks.contenders import ENGINE, LANGCHAIN, RAW, Contender, Scenario
from benchmarks.stats import Summary, paired_median_difference

Item = TypeVar("Item")

PROMPT_POOL = 64


def prompts(count: int = PROMPT_POOL) -> list[str]:
    topics = ("the weather in Paris", "sourdough bread", "TCP slow start", "the Krebs cycle", "haiku", "tide tables")
    return [f"Question {i}: in two sentences, tell me about {topics[i % len(topics)]}." for i in range(count)]


@dataclass(frozen=True)
class WireCheck:
    """What one check round saw: the request body bytes and the output text of each contender."""

    bodies: dict[str, bytes]
    outputs: dict[str, str]

    def body_matches_raw(self, key: str) -> bool:
        return self.bodies.get(key) == self.bodies.get(RAW)

    def output_matches_raw(self, key: str) -> bool:
        return self.outputs.get(key) == self.outputs.get(RAW)


@dataclass(frozen=True)
class ContenderResult:
    key: str
    label: str
    summary_ms: Summary
    overhead_p50_ms: float  # p50(x) - p50(a)
    paired_overhead_ms: float  # median over rounds of (x_i - a_i)
    ratio_p50: float  # p50(x) / p50(a)
    paired_ratio: float  # (p50(a) + paired overhead) / p50(a): the same ratio from per-round differences


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    target: str
    rounds: int
    warmup: int
    results: dict[str, ContenderResult]
    wire: WireCheck
    engine_work_us: dict[str, Summary] = field(default_factory=dict)  # timed right after a raw call, by label

    @property
    def engine_ratio(self) -> float:
        return self.results[ENGINE].ratio_p50

    @property
    def overhead_share(self) -> float | None:
        """Engine overhead / langchain overhead (both p50 over raw); ``None`` when langchain has none."""
        chain = self.results[LANGCHAIN].overhead_p50_ms
        return self.results[ENGINE].overhead_p50_ms / chain if chain > 0 else None


def capture_wire(
    operation: str, contenders: Sequence[Contender[Any]], output: Callable[[Contender[Any]], str]
) -> WireCheck:
    """Each contender's request body as sent (a ``before-send`` hook on its client) and its text (``output``)."""
    bodies: dict[str, bytes] = {}
    outputs: dict[str, str] = {}
    event = f"before-send.{operation}"
    for contender in contenders:

        def keep(request: Any, key: str = contender.key, **_: Any) -> None:
            body = request.body
            bodies[key] = body if isinstance(body, bytes) else str(body).encode()

        contender.client.meta.events.register(event, keep, unique_id="benchmarks-wire-check")
        try:
            outputs[contender.key] = output(contender)
        finally:
            contender.client.meta.events.unregister(event, unique_id="benchmarks-wire-check")
    return WireCheck(bodies=bodies, outputs=outputs)


def _time_call(call: Callable[[str], str], prompt: str) -> float:
    started = time.perf_counter_ns()
    call(prompt)
    return (time.perf_counter_ns() - started) / 1e6


def _time_engine_work(scenario: Scenario, pool: list[str], rounds: int) -> dict[str, Summary]:
    """A pass of its own, after the timed rounds (so it cannot warm or cool a contender): for each part of the
    engine's work, a raw call, then that part for the same prompt, timed, the way it runs inside ``invoke``."""
    raw = next(c for c in scenario.contenders if c.key == RAW)
    found: dict[str, Summary] = {}
    for label, work in scenario.engine_work:
        samples: list[float] = []
        for index in range(rounds):
            prompt = pool[index % len(pool)]
            raw.call(prompt)
            started = time.perf_counter_ns()
            work(prompt)
            samples.append((time.perf_counter_ns() - started) / 1000)
        found[label] = Summary.of(samples)
    return found


def rotated_rounds(
    contenders: Sequence[Item], pool: Sequence[str], *, rounds: int, warmup: int
) -> Iterator[tuple[bool, Item, str]]:
    """(timed, contender, prompt): ``warmup`` untimed rounds, then ``rounds`` timed ones; each round runs every
    contender once on the round's prompt, in an order that rotates round by round."""
    for index in range(warmup + rounds):
        prompt = pool[index % len(pool)]
        shift = index % len(contenders)
        for contender in [*contenders[shift:], *contenders[:shift]]:
            yield index >= warmup, contender, prompt


def run_scenario(scenario: Scenario, *, rounds: int, warmup: int) -> ScenarioResult:
    """``warmup`` untimed rounds, then ``rounds`` timed rounds of every contender, interleaved."""
    pool = prompts()
    wire = capture_wire(scenario.operation, scenario.contenders, lambda contender: contender.call(pool[0]))
    contenders: tuple[Contender[str], ...] = scenario.contenders
    samples: dict[str, list[float]] = {c.key: [] for c in contenders}
    gc.collect()
    for timed, contender, prompt in rotated_rounds(contenders, pool, rounds=rounds, warmup=warmup):
        elapsed = _time_call(contender.call, prompt)
        if timed:
            samples[contender.key].append(elapsed)
    baseline = Summary.of(samples[RAW])
    results: dict[str, ContenderResult] = {}
    for contender in contenders:
        summary = Summary.of(samples[contender.key])
        paired = paired_median_difference(samples[contender.key], samples[RAW])
        results[contender.key] = ContenderResult(
            key=contender.key,
            label=contender.label,
            summary_ms=summary,
            overhead_p50_ms=summary.p50 - baseline.p50,
            paired_overhead_ms=paired,
            ratio_p50=summary.p50 / baseline.p50,
            paired_ratio=1 + paired / baseline.p50,
        )
    return ScenarioResult(
        name=scenario.name,
        target=scenario.target,
        rounds=rounds,
        warmup=warmup,
        results=results,
        wire=wire,
        engine_work_us=_time_engine_work(scenario, pool, rounds),
    )
