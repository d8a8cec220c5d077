"""Section 7 of ``docs/benchmarks.md``: the local stack under load."""

from __future__ import annotations

from benchmarks.load import BUFFERED, LEVELS, STREAMED, LevelResult, LoadResult
from benchmarks.markdown import Target, met, table

INTRO = """\
## 7. The local stack under load

The stack `make dev` runs (`python -m local`, API only, fresh state, its default 4 emulated containers per
function), started as the reliability tests start it: its own process tree, everything on loopback. The plain
user invokes the default model (Bedrock Converse on the emulator, which has no rate limit here: every level is
below the throttle). Each level is a closed loop: that many client threads in the benchmark's process, each on
its own keep-alive connection, send the next request as soon as the previous answer has been read to its end (a
stream: to its `done` frame). Latency is per complete answer; for a stream, "first frame" is the time to its
first `delta` frame. Errors (any answer but a complete 200, or no answer) and throttling (429) are counted apart."""


def _kinds(level: LevelResult) -> str:
    return ", ".join(f"{count} x {kind}" for kind, count in sorted(level.failures.items())) or "0"


def targets(result: LoadResult) -> list[Target]:
    found = []
    for route in (BUFFERED, STREAMED):
        levels = [level for level in result.levels if level.route == route]
        errors = sum(level.errors for level in levels)
        throttled = sum(level.throttled for level in levels)
        requests = sum(level.ok + level.errors + level.throttled for level in levels)
        found.append(
            Target(
                f"local stack: zero errors below the throttle, `{route}` at {', '.join(map(str, LEVELS))} clients",
                f"{errors} errors, {throttled} x 429 in {requests} requests",
                errors == 0 and throttled == 0,
            )
        )
    return found


def section(result: LoadResult) -> list[str]:
    rows = []
    for level in result.levels:
        latency, first = level.latency, level.first_frame
        rows.append(
            [
                f"`{level.route}`",
                str(level.clients),
                str(level.ok),
                f"{level.throughput:.1f}",
                f"{latency.p50:.1f}" if latency else "-",
                f"{level.p99_ms:.1f}" if latency else "-",
                f"{first.p50:.1f} / {level.first_frame_p99_ms:.1f}" if first else "-",
                _kinds(level),
                str(level.throttled),
            ]
        )
    return [
        INTRO,
        "",
        f"{result.seconds:g} s measured per level, after {result.warmup_s:g} s of warm-up at that level.",
        "",
        *table(
            [
                "route",
                "clients",
                "complete answers",
                "requests/s",
                "p50 ms",
                "p99 ms",
                "first frame p50 / p99 ms",
                "errors",
                "429",
            ],
            rows,
        ),
        *table(["target", "figure", "met"], [[t.name, t.figure, met(t.met)] for t in targets(result)]),
    ]
