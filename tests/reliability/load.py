"""A bounded, loopback-only load test of ``POST /invoke`` against the local stack.

``python -m tests.reliability.load`` starts the embedded default (as ``make dev`` does, API only), adds two
SageMaker endpoints to the model emulator (one unlimited, one with a token-bucket ``rate_limit``), saves a
model for each, and as the plain user measures:

1. capacity: closed loop at increasing concurrency against the unlimited endpoint;
2. below the throttle: an open loop paced at half the endpoint's rate limit (no error is acceptable);
3. beyond the throttle, as a burst: the limit lowered tenfold, then many concurrent callers (errors may only be
   429 ``throttled``; see docs/reliability.md for what botocore's adaptive retries do here);
4. beyond the throttle, one caller at a time (what one Lambda container sees): a limit of one request per 20 s,
   so the caller must get 429 ``throttled`` after the engine's bounded retries.

The figures go to stdout and, with ``--write-docs``, into ``docs/reliability.md`` between the load markers.
``tests/reliability/test_load.py`` runs a short version of the same phases and asserts on their outcome.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from tests.reliability.stack_client import StackClient
from tests.support.local_stack import PROJECT_ROOT, running_stack

DOCS = PROJECT_ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- load:begin -->", "<!-- load:end -->"
CLIENT_TIMEOUT_S = 60
FREE_ENDPOINT, LIMITED_ENDPOINT = "tgi-load-free", "tgi-load-limited"
# Each model in its own region: the engine caches one runtime client (and its adaptive rate limiter) per
# service and region, so the throttled phase cannot slow the capacity phase down.
FREE_MODEL, LIMITED_MODEL = ("load-free", "us-west-2"), ("load-limited", "eu-west-1")


@dataclass
class Phase:
    name: str
    model_id: str
    concurrency: int
    offered_rate: float | None  # requests/second for a paced (open-loop) phase; None = closed loop
    limit: float | None  # the endpoint's rate limit (requests/second); None = unlimited
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    duration_s: float = 0.0
    model_calls: int = 0

    @property
    def errors(self) -> int:
        return self.requests - self.statuses["200"]

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def throughput(self) -> float:
        return self.statuses["200"] / self.duration_s if self.duration_s else 0.0

    def percentile(self, q: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]

    def error_kinds(self) -> dict[str, int]:
        return {status: count for status, count in sorted(self.statuses.items()) if status != "200"}


def set_rate_limit(admin: StackClient, endpoint: str, rate_limit: float | None) -> None:
    entry = {"format": "tgi", "max_total_tokens": 8192, "rate_limit": rate_limit}
    admin.emulator("POST", "/_emulator/registry", {"sagemaker": {endpoint: entry}})


def prepare_models(admin: StackClient, rate_limit: float) -> None:
    """Two emulator endpoints (unlimited, rate-limited) and a saved model for each, created by the admin."""
    set_rate_limit(admin, FREE_ENDPOINT, None)
    set_rate_limit(admin, LIMITED_ENDPOINT, rate_limit)
    base = admin.api("GET", "/models/mistral-7b-tgi").json["config"]
    for (model_id, region), endpoint in ((FREE_MODEL, FREE_ENDPOINT), (LIMITED_MODEL, LIMITED_ENDPOINT)):
        config = {
            **base,
            "id": model_id,
            "name": f"Load test ({endpoint})",
            "provider": {**base["provider"], "endpoint_name": endpoint, "region": region},
        }
        current = admin.api("GET", f"/models/{model_id}")
        version = current.json["version"] if current.status == 200 else 0
        saved = admin.api("PUT", f"/models/{model_id}", {"config": config, "version": version})
        assert saved.status == 200, saved.text


def model_calls(client: StackClient, endpoint: str) -> int:
    log = client.emulator("GET", f"/_emulator/requests?target={quote(endpoint)}&limit=1")
    return int(log["total"])


def _send(client: StackClient, phase: Phase, lock: threading.Lock, index: int) -> None:
    started = time.perf_counter()
    try:
        answer = client.invoke(
            {"model_id": phase.model_id, "prompt": f"load request {index}"}, timeout=CLIENT_TIMEOUT_S
        )
        status = str(answer.status) if answer.status == 200 else f"{answer.status} {answer.error}"
    except OSError as exc:  # a timeout or a reset connection is a result of the run, not a crash of it
        status = f"no answer ({type(exc).__name__})"
    elapsed_ms = (time.perf_counter() - started) * 1000
    with lock:
        phase.statuses[status] += 1
        phase.latencies_ms.append(elapsed_ms)
        phase.requests += 1


def run_phase(client: StackClient, phase: Phase, *, requests: int, endpoint: str) -> Phase:
    """Send ``requests`` invocations: back to back per worker (closed loop), or on a fixed schedule (paced)."""
    lock = threading.Lock()
    calls_before = model_calls(client, endpoint)
    started = time.perf_counter()

    def slot(index: int) -> None:
        if phase.offered_rate is not None:
            delay = started + index / phase.offered_rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        _send(client, phase, lock, index)

    with ThreadPoolExecutor(phase.concurrency) as pool:
        list(pool.map(slot, range(requests)))
    phase.duration_s = time.perf_counter() - started
    phase.model_calls = model_calls(client, endpoint) - calls_before
    return phase


def capacity(client: StackClient, levels: Sequence[int], requests_per_level: int) -> list[Phase]:
    model = FREE_MODEL[0]
    return [
        run_phase(
            client, Phase("capacity", model, level, None, None), requests=requests_per_level, endpoint=FREE_ENDPOINT
        )
        for level in levels
    ]


def below_throttle(client: StackClient, rate_limit: float, requests: int) -> Phase:
    phase = Phase("below the throttle", LIMITED_MODEL[0], 4, rate_limit / 2, rate_limit)
    return run_phase(client, phase, requests=requests, endpoint=LIMITED_ENDPOINT)


def beyond_throttle(
    client: StackClient, admin: StackClient, *, rate_limit: float, concurrency: int, requests: int, name: str
) -> Phase:
    set_rate_limit(admin, LIMITED_ENDPOINT, rate_limit)
    phase = Phase(name, LIMITED_MODEL[0], concurrency, None, rate_limit)
    return run_phase(client, phase, requests=requests, endpoint=LIMITED_ENDPOINT)


SEQUENTIAL_LIMIT = 0.05  # one request per 20 s: after the first, every caller within the run is over the limit


def markdown(phases: Sequence[Phase], *, command: str) -> str:
    lines = [
        f"Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `{command}`, on {platform.machine()} "
        f"({platform.system()}, Python {platform.python_version()}, {_cpus()} CPUs). Loopback only; the emulator's "
        "rate limits are token buckets (bursts up to the rate).",
        "",
        "| phase | endpoint limit | concurrency | offered rate | requests | ok/s | p50 ms | p95 ms | p99 ms | errors "
        "| error rate | model calls |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for p in phases:
        offered = f"{p.offered_rate:g}/s" if p.offered_rate is not None else "closed loop"
        limit = f"{p.limit:g}/s" if p.limit is not None else "none"
        errors = ", ".join(f"{count} x {kind}" for kind, count in p.error_kinds().items()) or "0"
        digits = 1 if p.throughput >= 1 else 2
        lines.append(
            f"| {p.name} | {limit} | {p.concurrency} | {offered} | {p.requests} | {p.throughput:.{digits}f} "
            f"| {p.percentile(50):.0f} | {p.percentile(95):.0f} | {p.percentile(99):.0f} | {errors} "
            f"| {p.error_rate:.1%} | {p.model_calls} |"
        )
    lines += [
        "",
        "*model calls* counts the requests the emulator received: more than the API requests means the engine's "
        "retries absorbed throttling.",
    ]
    return "\n".join(lines)


def _cpus() -> int:
    import os  # noqa: PLC0415

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def write_docs(table: str, path: Path = DOCS) -> None:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")


def run(
    client: StackClient,
    admin: StackClient,
    *,
    levels: Sequence[int],
    requests_per_level: int,
    rate_limit: float,
    log: Callable[[str], None] = print,
) -> list[Phase]:
    prepare_models(admin, rate_limit)
    phases: list[Phase] = []
    for phase in capacity(client, levels, requests_per_level):
        log(f"capacity x{phase.concurrency}: {phase.throughput:.1f} ok/s, errors {phase.error_kinds() or 0}")
        phases.append(phase)
    paced = below_throttle(client, rate_limit, max(20, int(rate_limit * 5)))
    log(f"below the throttle: errors {paced.error_kinds() or 0}")
    burst = beyond_throttle(
        client,
        admin,
        rate_limit=rate_limit / 10,
        concurrency=max(levels),
        requests=max(levels) * 2,
        name="beyond the throttle, burst",
    )
    log(f"beyond the throttle, burst: errors {burst.error_kinds() or 0}")
    one = beyond_throttle(
        client, admin, rate_limit=SEQUENTIAL_LIMIT, concurrency=1, requests=4, name="beyond the throttle, one caller"
    )
    log(f"beyond the throttle, one caller: errors {one.error_kinds() or 0}")
    return [*phases, paced, burst, one]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,2,4,8,16", help="closed-loop concurrency levels (comma separated)")
    parser.add_argument("--requests-per-level", type=int, default=300)
    parser.add_argument("--rate-limit", type=float, default=20.0, help="the throttled endpoint's requests/second")
    parser.add_argument(
        "--write-docs", action="store_true", help=f"write the figures into {DOCS.relative_to(PROJECT_ROOT)}"
    )
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]
    with tempfile.TemporaryDirectory(prefix="model-studio-load-") as tmp, running_stack(Path(tmp)) as stack:
        user = StackClient(stack, stack.login("user"))
        admin = StackClient(stack, stack.login("admin"))
        phases = run(user, admin, levels=levels, requests_per_level=args.requests_per_level, rate_limit=args.rate_limit)
    command = "python -m tests.reliability.load " + " ".join(argv if argv is not None else sys.argv[1:])
    table = markdown(phases, command=command.strip())
    print(table)
    if args.write_docs:
        write_docs(table)
    print(json.dumps({p.name + f" x{p.concurrency}": p.error_kinds() for p in phases}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
