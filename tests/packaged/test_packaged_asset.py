"""The Lambda package as ``cdk synth`` stages it (code asset + dependency layer), run before any deploy.

Each function runs in a process of the runtime's own Python version with nothing on its path but the asset,
the layer and (for the buffered function) the managed runtime's interface client, the way Lambda starts it:
the buffered function through ``awslambdaric`` and its configured handler, the streaming function through the
exec wrapper its environment names. Both talk to a Runtime API on loopback (``local.lambda_runtime``), and the
AWS services are moto and the model emulator. A module missing from the layer fails these tests at init.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.assembly import PackagedFunction
from infra.package import aws_services
from local import aws_seed
from local import packaged as asset
from local.lambda_runtime import PendingInvocation, RuntimeApi
from local.packaged import BUFFERED_HANDLER, STREAM_HANDLER, ManagedRuntime
from model_studio_client.sse import SseParser
from tests.events import admin_claims, rest_event, user_claims
from tests.packaged.conftest import LocalAws

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"  # the stage's default model (Bedrock Converse)
PROMPT = "Tell me about streaming through API Gateway."
TOKENS = dict(aws_seed.TABLE_VARIABLES)
TOKENS["CORS_ALLOW_ORIGIN"] = SITE = "https://studio.example.com"  # the recorded events' Origin
READY_TIMEOUT_S = 60


@dataclass
class RunningFunction:
    """One execution environment: its process, its Runtime API and its output."""

    runtime: RuntimeApi
    process: subprocess.Popen[bytes]
    log_file: Path

    @property
    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def invoke(self, event: dict[str, Any], timeout_s: float = 60) -> PendingInvocation:
        return self.runtime.invoke(event, timeout_s=timeout_s)

    def wait_ready(self) -> None:
        if not self.runtime.wait_for_pollers(1, READY_TIMEOUT_S):
            raise AssertionError(f"the function did not reach its first invocation; its output:\n{self.log}")

    def wait_exit(self, timeout_s: float = READY_TIMEOUT_S) -> int:
        return self.process.wait(timeout=timeout_s)


def _environment(function: PackagedFunction, aws: LocalAws, runtime: RuntimeApi) -> dict[str, str]:
    return asset.lambda_environment(function, runtime_api=runtime.address, tokens=TOKENS, aws=aws.endpoints())


@contextlib.contextmanager
def _running(api: RuntimeApi, launch: asset.Launch, log_file: Path) -> Iterator[RunningFunction]:
    try:
        with asset.started(launch, log_file) as process:
            yield RunningFunction(api, process, log_file)
    finally:
        api.close()


@contextlib.contextmanager
def buffered_function(
    function: PackagedFunction, *, runtime: ManagedRuntime, aws: LocalAws, log_dir: Path, layers: Any = None
) -> Iterator[RunningFunction]:
    """The managed runtime's start: its interface client loads the configured handler from the task root."""
    api = RuntimeApi()
    launch = asset.buffered_launch(function, runtime, _environment(function, aws, api), layers=layers or ())
    with _running(api, launch, log_dir / "buffered.log") as running:
        yield running


@contextlib.contextmanager
def streaming_function(
    function: PackagedFunction,
    *,
    runtime: ManagedRuntime,
    aws: LocalAws,
    log_dir: Path,
    layers: Any = None,
    changes: Mapping[str, str] | None = None,
) -> Iterator[RunningFunction]:
    """Through the exec wrapper the function's environment names, as Lambda starts it."""
    api = RuntimeApi()
    environment = {**_environment(function, aws, api), **(changes or {})}
    launch = asset.streaming_launch(
        function, runtime.python, environment, bin_dir=log_dir / "runtime-bin", layers=layers or ()
    )
    with _running(api, launch, log_dir / "streaming.log") as running:
        yield running


@pytest.fixture(scope="module")
def buffered(
    functions: dict[str, PackagedFunction], managed_runtime: ManagedRuntime, aws: LocalAws, tmp_path_factory: Any
) -> Iterator[RunningFunction]:
    yield from _warm(buffered_function, functions[BUFFERED_HANDLER], managed_runtime, aws, tmp_path_factory)


@pytest.fixture(scope="module")
def streaming(
    functions: dict[str, PackagedFunction], managed_runtime: ManagedRuntime, aws: LocalAws, tmp_path_factory: Any
) -> Iterator[RunningFunction]:
    yield from _warm(streaming_function, functions[STREAM_HANDLER], managed_runtime, aws, tmp_path_factory)


def _warm(
    start: Any, function: PackagedFunction, runtime: ManagedRuntime, aws: LocalAws, tmp_path_factory: Any
) -> Iterator[RunningFunction]:
    """A function started once for the module, waiting for its first invocation."""
    with start(function, runtime=runtime, aws=aws, log_dir=tmp_path_factory.mktemp(function.logical_id)) as running:
        running.wait_ready()
        yield running


@pytest.fixture(autouse=True)
def _default_registry(aws: LocalAws) -> None:
    aws.use_registry()


def buffered_answer(pending: PendingInvocation) -> tuple[int, Any]:
    """The proxy response a buffered invocation posted: status and decoded JSON body."""
    assert pending.done.wait(60), "no answer within 60 s"
    assert pending.error is None, pending.error
    response = json.loads(pending.body())
    return int(response["statusCode"]), json.loads(response["body"])


def arrivals(pending: PendingInvocation) -> tuple[int, dict[str, str], list[tuple[float, bytes]]]:
    """A streamed invocation as API Gateway relays it: status and headers, then each chunk with its arrival time."""
    status, headers, body = pending.http_response()
    chunks = [(time.monotonic(), chunk) for chunk in body]
    return status, headers, chunks


def sse_events(chunks: list[tuple[float, bytes]]) -> list[tuple[float, str, Any]]:
    """(arrival time, event, data) per frame, as it completed; ``("comment", text)`` for SSE comment lines."""
    parser = SseParser(comments=True)
    return [
        (at, "comment" if event.comment else event.event, event.data if event.comment else event.json())
        for at, chunk in chunks
        for event in parser.feed(chunk.decode())
    ]


def stream_event(body: dict[str, Any], *, admin: bool = False) -> dict[str, Any]:
    return rest_event("POST", "/invoke/stream", claims=admin_claims() if admin else user_claims(), body=body)


# --- the package -------------------------------------------------------------------------------------------------


def test_the_package_ships_hash_checked_free_bytecode_for_the_runtimes_python(
    functions: dict[str, PackagedFunction], lambda_platform: Any
) -> None:
    # Given the code asset and the layer the stack deploys
    function = functions[BUFFERED_HANDLER]
    (layer,) = function.layer_dirs
    for root in (function.code_dir, layer / "python"):
        sources = sorted(root.rglob("*.py"))
        tag = lambda_platform.cache_tag
        compiled = {p.parent.parent / (p.name.split(".")[0] + ".py") for p in root.rglob(f"*.{tag}.pyc")}
        # Then every module has bytecode for the runtime's exact version (no cold start compiles sources)
        missing = [str(p.relative_to(root)) for p in sources if p not in compiled]
        assert sources and not missing, missing[:10]
    # And it is unchecked hash-based bytecode naming the deployed paths (Lambda's file system is read-only)
    handler_pyc = function.code_dir / "lambdas" / "__pycache__" / f"handler.{lambda_platform.cache_tag}.pyc"
    data = handler_pyc.read_bytes()
    assert int.from_bytes(data[4:8], "little") == 0b01
    assert marshal.loads(data[16:]).co_filename == "/var/task/lambdas/handler.py"  # noqa: S302 - our own build
    # And both functions deploy this same code and layer
    assert functions[STREAM_HANDLER].code_dir == function.code_dir
    assert functions[STREAM_HANDLER].layer_dirs == function.layer_dirs


def test_the_layer_holds_the_model_of_every_service_the_functions_call_and_no_other(
    functions: dict[str, PackagedFunction], runtime_python: str
) -> None:
    # Given the layer the stack deploys
    (layer,) = functions[BUFFERED_HANDLER].layer_dirs
    data = layer / "python" / "botocore" / "data"

    # When the runtime's Python makes a client of every service the engine's factory (and the X-Ray SDK) call
    script = (
        "import sys, botocore.session\n"
        "session = botocore.session.Session()\n"
        "for name in sys.argv[1:]:\n"
        "    session.create_client(name, region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x')\n"
    )
    completed = subprocess.run(
        [runtime_python, "-S", "-c", script, *aws_services()],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(layer / "python")},
        capture_output=True,
        text=True,
        check=False,
    )

    # Then each client is made from the layer, which holds those services' models and no other
    assert completed.returncode == 0, completed.stderr
    assert sorted(path.name for path in data.iterdir() if path.is_dir()) == aws_services()


# --- the buffered function ---------------------------------------------------------------------------------------


def test_the_buffered_function_answers_through_the_managed_runtimes_client(
    buffered: RunningFunction, aws: LocalAws
) -> None:
    # When an admin asks who they are, and a user invokes the default model and the SageMaker TGI model
    me = buffered.invoke(rest_event("GET", "/me", claims=admin_claims()))
    me_status, me_body = buffered_answer(me)
    default = buffered_answer(
        buffered.invoke(rest_event("POST", "/invoke", claims=user_claims(), body={"prompt": PROMPT}))
    )
    tgi_body = {"model_id": "mistral-7b-tgi", "prompt": PROMPT}
    tgi = buffered_answer(buffered.invoke(rest_event("POST", "/invoke", claims=user_claims(), body=tgi_body)))

    # Then each came back as one buffered proxy response, answered by the packaged code and its inventory
    assert not me.streamed
    assert (me_status, me_body["is_admin"], me_body["stage"]) == (200, True, "dev")
    assert default[0] == 200 and default[1]["model_id"] == "claude-3-haiku" and default[1]["output"]
    assert tgi[0] == 200 and tgi[1]["model_id"] == "mistral-7b-tgi" and tgi[1]["output"]
    # And the calls reached the emulated services through the packaged SDK
    operations = [r["operation"] for r in aws.emulator.state.log.query()["requests"]]
    assert "Converse" in operations and "InvokeEndpoint" in operations


# --- the streaming function --------------------------------------------------------------------------------------


def test_the_streaming_function_relays_each_frame_as_the_model_produces_it(
    streaming: RunningFunction, aws: LocalAws
) -> None:
    # Given the default model producing a token every 150 ms
    aws.use_registry(**{CLAUDE: {"token_delay_ms": 150}})

    # When a user's streamed invoke from the site is read as API Gateway relays it
    pending = streaming.invoke(stream_event({"prompt": PROMPT}))
    status, headers, chunks = arrivals(pending)

    # Then the prelude gave the status and the SSE and CORS headers
    assert pending.streamed
    assert status == 200
    assert headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert headers["Cache-Control"] == "no-cache"
    assert headers["Access-Control-Allow-Origin"] == SITE
    # And the deltas arrived one by one, spread over the generation, then one done frame
    events = sse_events(chunks)
    deltas = [(at, data) for at, kind, data in events if kind == "delta"]
    assert [kind for _, kind, _ in events if kind != "delta"] == ["done"]
    assert len(deltas) >= 5
    assert len({at for at, _ in deltas}) == len(deltas), "two deltas arrived in one chunk: the answer was buffered"
    assert deltas[-1][0] - deltas[0][0] > 0.15 * (len(deltas) - 1) * 0.5
    done = events[-1][2]
    assert done["model_id"] == "claude-3-haiku" and done["usage"]["output_tokens"] == len(deltas)


def test_the_streaming_function_flushes_metrics_and_logs_per_invocation(streaming: RunningFunction) -> None:
    # When two streamed invokes are answered
    for _ in range(2):
        status, _, _ = arrivals(streaming.invoke(stream_event({"prompt": PROMPT})))
        assert status == 200

    # Then each flushed its EMF metrics document (Powertools) for the model, as the buffered handler does
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and streaming.log.count('"Invocations"') < 2:
        time.sleep(0.1)
    documents = [json.loads(line) for line in streaming.log.splitlines() if line.startswith("{") and '"_aws"' in line]
    invocations = [d for d in documents if d.get("model_id") == "claude-3-haiku" and "Invocations" in d]
    assert len(invocations) >= 2
    assert "Traceback" not in streaming.log


def test_both_functions_answer_an_invalid_or_refused_request_alike(
    buffered: RunningFunction, streaming: RunningFunction
) -> None:
    for raw_body in ('{"prompt": 5}', '{"prompt": "x", "extra": true}', "not json"):
        # When the same bad body goes to the buffered and the streamed route
        buffered_reply = buffered_answer(
            buffered.invoke(rest_event("POST", "/invoke", claims=user_claims(), raw_body=raw_body))
        )
        status, headers, chunks = arrivals(
            streaming.invoke(rest_event("POST", "/invoke/stream", claims=user_claims(), raw_body=raw_body))
        )
        # Then both are the same 400 with the same body, before any stream starts
        assert buffered_reply[0] == status == 400, raw_body
        assert headers["Content-Type"] == "application/json"
        assert json.loads(b"".join(chunk for _, chunk in chunks)) == buffered_reply[1]
    # And a plain user's override is the same 403 on both
    override = {"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.3}}}
    buffered_reply = buffered_answer(
        buffered.invoke(rest_event("POST", "/invoke", claims=user_claims(), body=override))
    )
    status, _, chunks = arrivals(streaming.invoke(stream_event(override)))
    assert (status, json.loads(b"".join(c for _, c in chunks))) == buffered_reply
    assert buffered_reply[1]["rule"] == "admin_only"


def test_a_caller_who_leaves_mid_stream_is_audited_and_the_function_serves_on(
    streaming: RunningFunction, aws: LocalAws
) -> None:
    # Given an admin's audited stream from a model producing a token every 200 ms
    aws.use_registry(**{CLAUDE: {"token_delay_ms": 200}})
    marker = f"left-{time.monotonic_ns()}"
    event = stream_event({"prompt": PROMPT, "override": {"name": marker}}, admin=True)

    # When the caller reads the first delta and goes away
    pending = streaming.invoke(event)
    status, _, body = pending.http_response()
    assert status == 200
    assert next(body).startswith(b"event: delta")
    pending.abort()

    # Then the audit record ends as client_disconnected instead of staying "allowed"
    deadline = time.monotonic() + 15
    record: dict[str, Any] = {}
    while time.monotonic() < deadline:
        record = next(r for r in aws.audit() if marker in json.dumps(r.get("patch")))
        if record["outcome"] != "allowed":
            break
        time.sleep(0.2)
    assert (record["outcome"], record["error"]) == ("error", "client_disconnected")
    # And the function logged it with the invocation's context, and takes the next invocation
    aws.use_registry()
    assert arrivals(streaming.invoke(stream_event({"prompt": PROMPT})))[0] == 200
    left = [json.loads(line) for line in streaming.log.splitlines() if "went away mid-stream" in line]
    assert left and left[-1]["function_request_id"] == pending.request_id


def test_a_silent_model_gets_keepalive_comments_before_its_first_token(
    functions: dict[str, PackagedFunction], managed_runtime: ManagedRuntime, aws: LocalAws, tmp_path: Path
) -> None:
    # Given a model that thinks 1.2 s before its first token, and a function keeping the stream alive every 0.3 s
    aws.use_registry(**{CLAUDE: {"first_token_delay_ms": 1200}})
    with streaming_function(
        functions[STREAM_HANDLER],
        runtime=managed_runtime,
        aws=aws,
        log_dir=tmp_path,
        changes={"STREAM_KEEPALIVE_S": "0.3"},
    ) as running:
        running.wait_ready()

        # When a stream is read
        status, _, chunks = arrivals(running.invoke(stream_event({"prompt": PROMPT})))

    # Then SSE comments kept the connection busy until the first delta, and the answer is complete
    kinds = [kind for _, kind, _ in sse_events(chunks)]
    assert status == 200
    first_delta = kinds.index("delta")
    assert kinds[:first_delta].count("comment") >= 2
    assert kinds[-1] == "done"


# --- init failures -----------------------------------------------------------------------------------------------


def test_an_init_failure_of_the_streaming_function_is_reported_to_the_runtime_api(
    functions: dict[str, PackagedFunction], managed_runtime: ManagedRuntime, aws: LocalAws, tmp_path: Path
) -> None:
    # Given the streaming function with a settings file that does not exist
    with streaming_function(
        functions[STREAM_HANDLER],
        runtime=managed_runtime,
        aws=aws,
        log_dir=tmp_path,
        changes={"RUNTIME_SETTINGS_FILE": "missing.json"},
    ) as running:
        # When it starts
        code = running.wait_exit()
        errors = list(running.runtime.init_errors)

    # Then it reported an init error naming the problem and exited, as Lambda expects
    assert code == 1
    (error,) = errors
    assert error.error_type == "Runtime.InitError"
    assert "missing.json" in json.dumps(error.payload)


@pytest.mark.parametrize("entry_point", ["buffered", "streaming"])
def test_a_layer_missing_a_dependency_fails_both_functions_at_init(
    functions: dict[str, PackagedFunction],
    managed_runtime: ManagedRuntime,
    aws: LocalAws,
    tmp_path: Path,
    entry_point: str,
) -> None:
    # Given the layer without jmespath (a dependency the engine imports)
    function = functions[BUFFERED_HANDLER if entry_point == "buffered" else STREAM_HANDLER]
    (layer,) = function.layer_dirs
    broken = tmp_path / "layer"
    shutil.copytree(layer, broken, symlinks=True)
    for path in (broken / "python").glob("jmespath*"):
        shutil.rmtree(path)

    # When the function starts on it
    if entry_point == "buffered":
        context = buffered_function(function, runtime=managed_runtime, aws=aws, log_dir=tmp_path, layers=[broken])
    else:
        context = streaming_function(function, runtime=managed_runtime, aws=aws, log_dir=tmp_path, layers=[broken])
    with context as running:
        code = running.wait_exit()
        errors = list(running.runtime.init_errors)

    # Then the import error is reported at init (never a function that starts and fails later) and it exits
    assert code != 0
    (error,) = errors
    assert error.error_type == "Runtime.ImportModuleError"
    assert "jmespath" in json.dumps(error.payload)
