"""Benchmark 3: cold start of the packaged asset, in the runtime's interpreter, and the package's size.

What runs is the exact asset ``cdk synth`` staged for upload: the code and layer directories of the dev stage's
functions, found in ``cdk.out/dev`` from the template's S3 keys and the asset manifest (``infra.assembly``, as the
packaged-asset tests find them), in a CPython of the function's runtime version (``infra.package`` finds it) with
``-S`` and nothing else on the path. AWS is moto (DynamoDB) and the model emulator, on loopback.

Every sample is a fresh process; the kinds of sample alternate round by round (in a rotating order), so load drifts
hit all alike:

- ``import boto3``: the baseline, in the same interpreter, path and environment as the handler;
- the buffered function (``benchmarks/cold_child.py`` in the process): ``import lambdas.handler``, then init (the
  handler's ``application()``: settings, clients, services, routes; the managed runtime runs it on the first
  request), then a first ``GET /me``, a first ``POST /invoke`` of the default model (Bedrock Converse) and a first
  ``POST /invoke`` of the SageMaker TGI model (its chat template), each timed on its own;
- the streaming function, started as Lambda starts it (its exec wrapper, ``lambdas/stream-bootstrap``) against a
  Runtime API on loopback (``local.lambda_runtime``): from the process's start to its first poll for an invocation
  (interpreter, import and init), then a first ``POST /invoke/stream`` to its first delta frame and to its end;
  beside it, a process that imports ``boto3`` and exits, from its start to its exit;
- the same without bytecode: copies of the code and the layer without ``__pycache__``, writing none, as a package
  without bytecode runs in Lambda (its file system is read-only).

Then where the time goes, by package (``python -X importtime``, self time), at import and in each later phase;
and the package's size against Lambda's 250 MB unzipped limit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer

from benchmarks import cold_child
from benchmarks.emulator_process import EmulatorProcess
from infra.assembly import PackagedFunction, packaged_functions
from local import aws_seed
from local.emulator import load_registry
from local.lambda_runtime import RuntimeApi
from local.packaged import (
    BUFFERED_HANDLER,
    EMULATED_MODELS,
    STACK,
    STREAM_HANDLER,
    aws_endpoints,
    lambda_environment,
    lambda_platform,
    runtime_python,
    streaming_launch,
)
from tests.events import admin_claims, rest_event, user_claims

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSEMBLY_ENV = "MODEL_STUDIO_ASSEMBLY"
DEFAULT_ASSEMBLY = PROJECT_ROOT / "cdk.out" / "dev"
BENCH_BUILD = PROJECT_ROOT / "build" / "bench"
BASELINE_MODULE = "boto3"
HANDLER_MODULE = "lambdas.handler"
TARGET_RATIO = 1.6
LAMBDA_UNZIPPED_LIMIT_MB = 250.0
PROMPT = "Tell me about cold starts in two sentences."
# The phases of the buffered function's cold start, in order, as the report names them.
IMPORT, INIT, FIRST_ME = "import", "init", "first GET /me"
FIRST_CONVERSE, FIRST_TGI = "first POST /invoke (Converse)", "first POST /invoke (SageMaker TGI, chat template)"
BUFFERED_PHASES = (IMPORT, INIT, FIRST_ME, FIRST_CONVERSE, FIRST_TGI)
# The streaming function's, from the process's start.
READY, FIRST_DELTA, STREAM_DONE = "start to ready (import + init)", "first stream: first delta", "first stream: end"
STREAM_PHASES = (READY, FIRST_DELTA, STREAM_DONE)
PROCESS_BOTO3 = "process start to exit, `import boto3`"
# The dev stage's environment, but at the production log level: DEBUG logs every step of every request.
LOG_LEVEL = "INFO"
_NO_BYTECODE = shutil.ignore_patterns("__pycache__", "*.pyc")
_CHILD = Path(cold_child.__file__).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Timing:
    runs: int
    median_ms: float
    min_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Timing:
        return cls(runs=len(seconds), median_ms=statistics.median(seconds) * 1000, min_ms=min(seconds) * 1000)


@dataclass(frozen=True)
class PackageSize:
    name: str
    path: str
    files: int
    unzipped_mb: float
    zipped_mb: float
    bytecode_files: int = 0


@dataclass(frozen=True)
class Variant:
    """One way of shipping the asset: with the bytecode it was built with, or without any."""

    bytecode: bool
    boto3: Timing
    buffered: dict[str, Timing]  # by phase (BUFFERED_PHASES)
    streaming: dict[str, Timing]  # by phase (STREAM_PHASES)
    process_boto3: Timing

    def buffered_total(self, last: str) -> float:
        """Median of the phases up to ``last``, added (each a median: a summary, not one run)."""
        names = BUFFERED_PHASES[: BUFFERED_PHASES.index(last) + 1]
        return sum(self.buffered[name].median_ms for name in names)


@dataclass(frozen=True)
class ColdStartResult:
    runtime: str
    assembly: str
    with_bytecode: Variant
    without_bytecode: Variant | None
    dependencies: Timing | None  # the third-party modules the handler imports, alone
    dependency_packages: list[str]
    # Self time by package (-X importtime), mean of runs: package -> ms per buffered phase
    breakdown_ms: list[tuple[str, dict[str, float]]]
    packages: list[PackageSize]
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.with_bytecode.buffered[IMPORT].median_ms / self.with_bytecode.boto3.median_ms

    @property
    def dependencies_ratio(self) -> float | None:
        deps = self.dependencies
        return None if deps is None else deps.median_ms / self.with_bytecode.boto3.median_ms


# --- the asset ---------------------------------------------------------------------------------------------------


def assembly_dir() -> Path:
    return Path(os.environ.get(ASSEMBLY_ENV) or DEFAULT_ASSEMBLY).resolve()


def without_bytecode(function: PackagedFunction, target: Path) -> PackagedFunction:
    """A copy of the function's code and layer without ``__pycache__`` (the exec wrapper keeps its mode)."""
    shutil.rmtree(target, ignore_errors=True)
    code = target / "code"
    shutil.copytree(function.code_dir, code, ignore=_NO_BYTECODE)
    layers = []
    for index, layer in enumerate(function.layer_dirs):
        layers.append(target / f"layer{index}")
        shutil.copytree(layer, layers[-1], ignore=_NO_BYTECODE, symlinks=True)
    return dataclasses.replace(function, code_dir=code, layer_dirs=tuple(layers))


@dataclass(frozen=True)
class LocalServices:
    moto_url: str
    emulator_url: str


@contextlib.contextmanager
def local_services() -> Iterator[LocalServices]:
    """moto with the stack's tables, and the emulator (its own process) serving the stage's models."""
    BENCH_BUILD.mkdir(parents=True, exist_ok=True)
    registry_file = BENCH_BUILD / "emulator-registry.json"
    registry = load_registry().merged(load_registry(EMULATED_MODELS))
    registry_file.write_text(registry.model_dump_json(), encoding="utf-8")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        moto_url = f"http://{host}:{port}"
        aws_seed.seed_tables(moto_url)
        with EmulatorProcess(registry_file) as emulator:
            yield LocalServices(moto_url, emulator.url)
    finally:
        moto.stop()


def function_environment(function: PackagedFunction, services: LocalServices, runtime_api: str) -> dict[str, str]:
    """The function's environment as Lambda gives it, the X-Ray daemon's address and a sampled trace (tracing is
    active, so the tracer is live), services on loopback."""
    tokens = {**aws_seed.TABLE_VARIABLES, "CORS_ALLOW_ORIGIN": "https://studio.example.com"}
    environment = lambda_environment(
        function, runtime_api=runtime_api, tokens=tokens, aws=aws_endpoints(services.moto_url, services.emulator_url)
    )
    return {
        **environment,
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "POWERTOOLS_LOG_LEVEL": LOG_LEVEL,
    }


# --- one sample of each kind -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Runner:
    """Runs the samples of one variant (with or without bytecode)."""

    function: PackagedFunction  # the buffered function (the streaming one has the same code and layer)
    stream_function: PackagedFunction
    python: str
    services: LocalServices
    plan_file: Path
    bin_dir: Path
    bytecode: bool

    def _path_environment(self) -> dict[str, str]:
        layers = [str(layer / "python") for layer in self.function.layer_dirs]
        extra = {"PYTHONPATH": os.pathsep.join([str(self.function.code_dir), *layers])}
        return extra if self.bytecode else {**extra, "PYTHONDONTWRITEBYTECODE": "1"}

    def child(self, module: str, *, plan: bool = False, importtime: bool = False) -> subprocess.CompletedProcess[str]:
        environment = {**function_environment(self.function, self.services, "127.0.0.1:9"), **self._path_environment()}
        flags = ["-S", "-s", *([] if self.bytecode else ["-B"]), *(["-X", "importtime"] if importtime else [])]
        argv = [self.python, *flags, "-c", _CHILD, module, *([str(self.plan_file)] if plan else [])]
        completed = subprocess.run(
            argv, env=environment, cwd=self.function.code_dir, capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            raise RuntimeError(f"the cold start of {module} failed: {completed.stderr.strip()[-3000:]}")
        return completed

    def phases(self, module: str, *, plan: bool = False) -> dict[str, float]:
        completed = self.child(module, plan=plan)
        return dict(json.loads(completed.stdout.strip().splitlines()[-1])["phases"])

    def process_boto3(self) -> float:
        environment = {**function_environment(self.function, self.services, "127.0.0.1:9"), **self._path_environment()}
        flags = ["-S", "-s", *([] if self.bytecode else ["-B"])]
        started = time.perf_counter()
        subprocess.run(
            [self.python, *flags, "-c", "import boto3"], env=environment, cwd=self.function.code_dir, check=True
        )
        return time.perf_counter() - started

    def streaming(self) -> dict[str, float]:
        """Start the streaming function; time its first poll, then one streamed invoke's first delta and end."""
        api = RuntimeApi()
        try:
            environment = function_environment(self.stream_function, self.services, api.address)
            if not self.bytecode:
                environment["PYTHONDONTWRITEBYTECODE"] = "1"
            launch = streaming_launch(self.stream_function, self.python, environment, bin_dir=self.bin_dir)
            with tempfile.TemporaryDirectory(prefix="bench-stream-") as scratch:
                log_file = Path(scratch) / "stream.log"
                with log_file.open("wb") as log:
                    started = time.perf_counter()
                    process = subprocess.Popen(
                        launch.command, env=launch.environment, cwd=launch.cwd, stdout=log, stderr=subprocess.STDOUT
                    )
                    try:
                        return self._first_stream(api, started, process, log_file)
                    finally:
                        process.terminate()
                        process.wait(timeout=10)
        finally:
            api.close()

    def _first_stream(self, api: RuntimeApi, started: float, process: Any, log_file: Path) -> dict[str, float]:
        if not api.wait_for_pollers(1, 60):
            output = log_file.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"the streaming function did not start ({process.poll()}): {output}")
        ready = time.perf_counter()
        event = rest_event("POST", "/invoke/stream", claims=user_claims(), body={"prompt": PROMPT})
        status, _headers, body = api.invoke(event, timeout_s=60).http_response()
        first: float | None = None
        seen = b""
        for chunk in body:
            seen += chunk
            if first is None and b"event: delta" in seen:
                first = time.perf_counter()
        done = time.perf_counter()
        if status != 200 or first is None or b"event: done" not in seen:
            raise RuntimeError(f"the first stream answered {status}: {seen[-500:]!r}")
        return {READY: ready - started, FIRST_DELTA: first - ready, STREAM_DONE: done - ready}


def write_plan(target: Path) -> Path:
    plan = {
        "init": "application",
        "requests": [
            [FIRST_ME, rest_event("GET", "/me", claims=admin_claims()), 200],
            [FIRST_CONVERSE, rest_event("POST", "/invoke", claims=user_claims(), body={"prompt": PROMPT}), 200],
            [
                FIRST_TGI,
                rest_event(
                    "POST", "/invoke", claims=user_claims(), body={"model_id": "mistral-7b-tgi", "prompt": PROMPT}
                ),
                200,
            ],
        ],
    }
    target.write_text(json.dumps(plan), encoding="utf-8")
    return target


# --- rounds ------------------------------------------------------------------------------------------------------


Sample = Callable[[], dict[str, float]]


def interleaved(samples: dict[str, Sample], runs: int) -> dict[str, dict[str, list[float]]]:
    """Every kind of sample ``runs`` times, round by round in a rotating order; one untimed warm-up of each first
    (it brings the files into the page cache, as a warm Lambda host has them)."""
    for sample in samples.values():
        sample()
    found: dict[str, dict[str, list[float]]] = {name: {} for name in samples}
    names = list(samples)
    for index in range(runs):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            for phase, seconds in samples[name]().items():
                found[name].setdefault(phase, []).append(seconds)
    return found


def measure_variant(runner: Runner, runs: int) -> Variant:
    samples: dict[str, Sample] = {
        "boto3": lambda: runner.phases(BASELINE_MODULE),
        "buffered": lambda: runner.phases(HANDLER_MODULE, plan=True),
        "streaming": runner.streaming,
        "process": lambda: {PROCESS_BOTO3: runner.process_boto3()},
    }
    found = interleaved(samples, runs)
    return Variant(
        bytecode=runner.bytecode,
        boto3=Timing.of(found["boto3"][IMPORT]),
        buffered={phase: Timing.of(found["buffered"][phase]) for phase in BUFFERED_PHASES},
        streaming={phase: Timing.of(found["streaming"][phase]) for phase in STREAM_PHASES},
        process_boto3=Timing.of(found["process"][PROCESS_BOTO3]),
    )


_GROUPS = {
    **dict.fromkeys(
        ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "jmespath", "six"),
        "botocore / boto3 / s3transfer / urllib3 / dateutil / jmespath",
    ),
    **dict.fromkeys(
        ("pydantic", "pydantic_core", "annotated_types", "typing_inspection", "typing_extensions"),
        "pydantic (+ pydantic_core, annotated_types, typing_*)",
    ),
    **dict.fromkeys(("jinja2", "markupsafe"), "jinja2 / markupsafe"),
    "aws_lambda_powertools": "aws_lambda_powertools",
    **dict.fromkeys(("aws_xray_sdk", "wrapt"), "aws_xray_sdk / wrapt"),
    "inference_engine": "inference_engine (with its pydantic model builds)",
    "lambdas": "lambdas (with its pydantic model builds)",
}


def import_breakdown(runner: Runner, runs: int = 3) -> list[tuple[str, dict[str, float]]]:
    """Self time of every module the buffered function imports (``-X importtime``), summed by package, per phase."""
    totals: dict[str, dict[str, float]] = {}
    for _ in range(runs):
        completed = runner.child(HANDLER_MODULE, plan=True, importtime=True)
        phase = IMPORT
        for line in completed.stderr.splitlines():
            if line.startswith("phase "):
                phase = line.removeprefix("phase ")
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            self_us, _cumulative, name = line.split(":", 1)[1].split("|")
            group = _GROUPS.get(name.strip().split(".")[0], "standard library")
            by_phase = totals.setdefault(group, {})
            by_phase[phase] = by_phase.get(phase, 0.0) + int(self_us) / 1000 / runs
    return sorted(totals.items(), key=lambda item: -sum(item[1].values()))


_LIST_THIRD_PARTY = """
import sys
before = set(sys.modules)
import lambdas.handler
layers = tuple(sys.argv[1:])
print(",".join(
    name for name, module in list(sys.modules.items())
    if name not in before and (getattr(module, "__file__", None) or "").startswith(layers)
))
"""


def third_party_modules(runner: Runner) -> list[str]:
    """The layer's modules that ``import lambdas.handler`` loads, in the order it loads them."""
    layers = [str(layer / "python") for layer in runner.function.layer_dirs]
    environment = {
        **function_environment(runner.function, runner.services, "127.0.0.1:9"),
        **runner._path_environment(),
    }
    completed = subprocess.run(
        [runner.python, "-S", "-s", "-c", _LIST_THIRD_PARTY, *layers],
        env=environment,
        cwd=runner.function.code_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip().split(",")


def dependencies_alone(runner: Runner, modules: list[str]) -> float:
    """The third-party modules the handler imports, in its order, with no project code (no model builds)."""
    return runner.phases(",".join(modules))[IMPORT]


# --- package size ------------------------------------------------------------------------------------------------


def directory_size(name: str, root: Path) -> PackageSize:
    files = [path for path in root.rglob("*") if path.is_file()]
    unzipped = sum(path.stat().st_size for path in files)
    with tempfile.TemporaryDirectory(prefix="bench-zip-") as scratch:
        archive = Path(scratch) / "asset.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as bundle:
            for path in files:
                bundle.write(path, path.relative_to(root))
        zipped = archive.stat().st_size
    return PackageSize(
        name=name,
        path=str(root.relative_to(PROJECT_ROOT)) if root.is_relative_to(PROJECT_ROOT) else str(root),
        files=len(files),
        unzipped_mb=unzipped / 1e6,
        zipped_mb=zipped / 1e6,
        bytecode_files=sum(1 for path in files if path.suffix == ".pyc"),
    )


# --- the benchmark -----------------------------------------------------------------------------------------------


def _relative(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def _version(python: str) -> str:
    command = [python, "-c", "import sys; print(sys.version.split()[0])"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def run_cold_start(
    *, runs: int = 15, no_bytecode_runs: int = 5, progress: Callable[[str], None] = print
) -> ColdStartResult:
    functions = packaged_functions(assembly_dir(), STACK)
    function, stream_function = functions[BUFFERED_HANDLER], functions[STREAM_HANDLER]
    python = runtime_python(lambda_platform(function))
    packages = [directory_size("code asset", function.code_dir)]
    packages += [directory_size(f"layer {i + 1}", layer / "python") for i, layer in enumerate(function.layer_dirs)]
    BENCH_BUILD.mkdir(parents=True, exist_ok=True)
    plan_file = write_plan(BENCH_BUILD / "cold-start-plan.json")
    with local_services() as services:
        runner = Runner(
            function, stream_function, python, services, plan_file, BENCH_BUILD / "runtime-bin", bytecode=True
        )
        progress(f"    with bytecode: {runs} rounds")
        cached = measure_variant(runner, runs)
        modules = third_party_modules(runner)
        dependencies = Timing.of([dependencies_alone(runner, modules) for _ in range(runs)])
        breakdown = import_breakdown(runner)
        uncached = None
        if no_bytecode_runs > 0:
            copy = without_bytecode(function, BENCH_BUILD / "no-bytecode")
            stream_copy = dataclasses.replace(stream_function, code_dir=copy.code_dir, layer_dirs=copy.layer_dirs)
            cold = dataclasses.replace(runner, function=copy, stream_function=stream_copy, bytecode=False)
            progress(f"    without bytecode: {no_bytecode_runs} rounds")
            uncached = measure_variant(cold, no_bytecode_runs)
    return ColdStartResult(
        runtime=f"CPython {_version(python)} (`{python}`), `-S -s`",
        assembly=" + ".join(f"`{_relative(path)}`" for path in (function.code_dir, *function.layer_dirs)),
        with_bytecode=cached,
        without_bytecode=uncached,
        dependencies=dependencies,
        dependency_packages=sorted({name.split(".")[0] for name in modules}),
        breakdown_ms=breakdown,
        packages=packages,
    )
