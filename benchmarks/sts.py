"""Benchmark 4: STS ``AssumeRole`` calls made for cross-account invokes, across a credential expiry.

A moto server (``ThreadedMotoServer`` on a free loopback port) answers STS; the model emulator
answers the runtime calls. ``AssumeRole`` is counted twice, independently: a ``before-call`` hook on
the ``boto3.Session`` injected into ``ClientFactory(session=...)``, and the factory's own counter.
Time is an injected ``time_fetcher`` that the benchmark moves: into the advisory refresh window,
then past the expiry of the credentials in use. The emulator's request log shows which access key
signed each runtime call, so the table also proves the calls really used the assumed credentials.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.server import ThreadedMotoServer

from benchmarks.contenders import bench_session
from benchmarks.emulator_process import EmulatorProcess
from inference_engine.catalogue import load_catalogue
from inference_engine.credentials import ClientFactory, _refresh_windows
from inference_engine.engine import invoke
from inference_engine.errors import EngineError
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation

ROLE_ARN = "arn:aws:iam::210987654321:role/model-studio-bench-invoke"
SESSION_DURATION_S = 3600
BASE_ACCESS_KEY = "AKIABENCHMARK"


class MovableClock:
    """The ``time_fetcher`` handed to ``ClientFactory``: real time plus an offset the benchmark sets."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)


@dataclass(frozen=True)
class StsPhase:
    name: str
    caller: str
    clock: str
    invokes: int
    errors: int
    assume_role_calls: int  # in this phase (session hook)
    cumulative: int
    factory_counter: int  # ClientFactory.assume_role_calls, cumulative (cross-check)
    access_keys: tuple[str, ...]  # distinct access keys that signed this phase's runtime calls
    expected: int

    @property
    def used_base_credentials(self) -> bool:
        return BASE_ACCESS_KEY in self.access_keys


@dataclass(frozen=True)
class StsResult:
    phases: list[StsPhase]
    session_duration_s: int
    advisory_s: int
    mandatory_s: int

    @property
    def met(self) -> bool:
        return all(
            phase.assume_role_calls == phase.expected and phase.errors == 0 and not phase.used_base_credentials
            for phase in self.phases
        )


class _AssumeRoleCounter:
    """Counts ``AssumeRole`` calls; shifts the returned expiry by the clock's offset, so STS lives in the
    same (moved) time as the factory: moto stamps ``Expiration`` from the real clock."""

    def __init__(self, clock: MovableClock) -> None:
        self.clock = clock
        self.calls = 0
        self.expirations: list[datetime] = []

    def before_call(self, **_: Any) -> None:
        self.calls += 1

    def after_call(self, parsed: Any = None, **_: Any) -> None:
        credentials = (parsed or {}).get("Credentials", {})
        expiration = credentials.get("Expiration")
        if isinstance(expiration, datetime):
            credentials["Expiration"] = expiration + self.clock.offset
            self.expirations.append(credentials["Expiration"])


def _recent_access_keys(emulator: EmulatorProcess, count: int) -> tuple[str, ...]:
    answer = emulator.control("GET", f"/requests?limit={max(1, min(count, 1000))}")
    return tuple(sorted({str(entry.get("access_key_id")) for entry in answer["requests"]}))


def run_sts(emulator: EmulatorProcess, *, invokes: int = 1000) -> StsResult:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per STS call otherwise
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        return _run(emulator, f"http://{host}:{port}", invokes)
    finally:
        moto.stop()


def _run(emulator: EmulatorProcess, sts_url: str, invokes: int) -> StsResult:
    session = bench_session()
    clock = MovableClock()
    counter = _AssumeRoleCounter(clock)
    session.events.register("before-call.sts.AssumeRole", counter.before_call)
    session.events.register("after-call.sts.AssumeRole", counter.after_call)
    factory = ClientFactory(
        session=session,
        endpoint_urls={"sts": sts_url, "bedrock-runtime": emulator.url},
        time_fetcher=clock,
    )
    config = apply_override(
        load_catalogue()["bedrock-converse"],
        {"cross_account": {"role_arn": ROLE_ARN, "session_duration_s": SESSION_DURATION_S}},
    )
    advisory, mandatory = _refresh_windows(SESSION_DURATION_S)
    phases: list[StsPhase] = []

    def phase(name: str, caller: str, count: int, expected: int) -> None:
        before = counter.calls
        errors = 0
        for index in range(count):
            try:
                invoke(config, Conversation.from_prompt(f"cross-account call {index}"), clients=factory, caller=caller)
            except EngineError:
                errors += 1
        offset_s = clock.offset.total_seconds()
        phases.append(
            StsPhase(
                name=name,
                caller=caller,
                clock=f"now {'+' if offset_s >= 0 else '-'} {abs(offset_s) / 60:.0f} min",
                invokes=count,
                errors=errors,
                assume_role_calls=counter.calls - before,
                cumulative=counter.calls,
                factory_counter=factory.assume_role_calls,
                access_keys=_recent_access_keys(emulator, count),
                expected=expected,
            )
        )

    phase("first credentials", "alice", invokes, expected=1)
    phase("second caller (own session name)", "bob", max(1, invokes // 10), expected=1)
    first_expiry = counter.expirations[0]
    clock.set(first_expiry - timedelta(seconds=advisory - 60))
    phase("inside the advisory refresh window", "alice", max(1, invokes // 10), expected=1)
    latest_expiry = counter.expirations[-1]
    clock.set(latest_expiry + timedelta(minutes=5))
    phase("after the credentials expired", "alice", invokes, expected=1)
    return StsResult(phases=phases, session_duration_s=SESSION_DURATION_S, advisory_s=advisory, mandatory_s=mandatory)
