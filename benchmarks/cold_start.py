"""Benchmark 3: cold start of the Lambda handler module, and the deployed package size.

Each sample is a fresh interpreter that times ``importlib.import_module(name)`` with ``perf_counter``
(interpreter start-up itself is excluded: it is the same for every module). ``boto3`` and
``lambdas.handler`` alternate run by run, so load drifts hit both. The interpreter sees what the
function sees: ``python -S`` (no site-packages) in a copy of the code asset that ``infra.package``
builds, with the runtime dependencies on ``PYTHONPATH``, installed by pip at the versions the layer
pins but for this machine's platform (the layer itself holds wheels for the Lambda's CPU and Python).
The environment imitates the function's: the Lambda variables Powertools and the X-Ray SDK read (so
the tracer is live, as with ``Tracing.ACTIVE``), the stage's runtime settings, dummy credentials.

Extra figures put the import time in context:
- "first response": import, then one ``GET /me`` through ``handler`` (builds the services, routes,
  validates, serializes): what a user waits for on a cold start, whatever is deferred out of import;
- "dependencies alone": the third-party modules the handler cannot do without (botocore's session and
  clients, pydantic, Powertools' logger/metrics/tracer and REST resolver, the live X-Ray SDK), imported
  with no project code: the floor any handler built on this stack starts from;
- "no bytecode cache": the same imports from copies of the code and dependencies without
  ``__pycache__``, writing none: every module of the package compiles from source, as it does in
  Lambda when the package ships no bytecode (the function's file system is read-only);
- where the time goes, by package (``-X importtime``): at import, and during the first request (what the
  handler imports only when a request needs it, e.g. jinja2 once a model with a chat template is loaded);
- the deployed package: the code asset and the dependency layer that ``python -m infra.package``
  builds, unzipped and zipped, against Lambda's 250 MB unzipped limit.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_BUILD = PROJECT_ROOT / "build" / "bench"
PY_TAG = f"py{sys.version_info.major}{sys.version_info.minor}"
HANDLER_MODULE = "lambdas.handler"
BASELINE_MODULE = "boto3"
# The third-party modules lambdas.handler imports and cannot do without (no project code): its floor.
DEPENDENCY_MODULES = (
    "botocore.session",
    "pydantic",
    "aws_lambda_powertools",
    "aws_lambda_powertools.event_handler",
    "aws_xray_sdk.core",
)
DEPENDENCIES = ",".join(DEPENDENCY_MODULES)
TARGET_RATIO = 1.6
LAMBDA_UNZIPPED_LIMIT_MB = 250.0
EVENT_FILE = PROJECT_ROOT / "tests" / "events" / "apiGatewayRestProxyEvent.json"
_NO_BYTECODE = shutil.ignore_patterns("__pycache__", "*.pyc")

_CHILD = """
import importlib, json, sys, time, types
started = time.perf_counter()
for name in sys.argv[1].split(","):
    module = importlib.import_module(name)
imported = time.perf_counter() - started
first = None
if len(sys.argv) > 2:
    sys.stderr.write("first request\\n")
    with open(sys.argv[2], encoding="utf-8") as handle:
        event = json.load(handle)
    context = types.SimpleNamespace(
        function_name="model-studio-bench", function_version="$LATEST", memory_limit_in_mb=1024,
        invoked_function_arn="arn:aws:lambda:us-east-1:111122223333:function:model-studio-bench",
        aws_request_id="00000000-0000-4000-8000-000000000000", log_group_name="/aws/lambda/bench",
        log_stream_name="bench",
    )
    response = module.handler(event, context)
    if response.get("statusCode") != 200:
        raise SystemExit(f"first request answered {response.get('statusCode')}: {response.get('body')}")
    first = time.perf_counter() - started
print(json.dumps({"import_s": imported, "first_response_s": first}))
"""


@dataclass(frozen=True)
class ImportTiming:
    module: str
    runs: int
    median_ms: float
    min_ms: float


@dataclass(frozen=True)
class PackageSize:
    name: str
    path: str
    files: int
    unzipped_mb: float
    zipped_mb: float
    bytecode_files: int = 0  # .pyc files shipped (none unless a CPython of the runtime's version built them)


@dataclass(frozen=True)
class Runtime:
    """Where and how the child interpreters run."""

    cwd: Path
    python_args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)  # added to the Lambda environment


@dataclass(frozen=True)
class ColdStartResult:
    boto3_import: ImportTiming
    handler_import: ImportTiming
    handler_first_response: ImportTiming | None
    boto3_no_bytecode: ImportTiming | None
    handler_no_bytecode: ImportTiming | None
    # Self time by package (-X importtime), mean of runs: (package, at import, during the first request)
    breakdown_ms: list[tuple[str, float, float]]
    packages: list[PackageSize]
    package_note: str
    runtime: str
    dependencies_import: ImportTiming | None = None

    @property
    def ratio(self) -> float:
        return self.handler_import.median_ms / self.boto3_import.median_ms

    @property
    def dependencies_ratio(self) -> float | None:
        deps = self.dependencies_import
        return None if deps is None else deps.median_ms / self.boto3_import.median_ms


def lambda_environment(task_root: Path | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_", "PYTHON"))}
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": "model-studio-bench",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "AKIABENCHMARK",
            "AWS_SECRET_ACCESS_KEY": "bench-secret",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "POWERTOOLS_SERVICE_NAME": "model-studio",
            "POWERTOOLS_METRICS_NAMESPACE": "ModelStudioBench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "RUNTIME_SETTINGS_FILE": "runtime_settings.json",
            "MODELS_TABLE_NAME": "bench-models",
            "AUDIT_TABLE_NAME": "bench-audit",
            "MODEL_VERSIONS_TABLE_NAME": "bench-model-versions",
        }
    )
    if task_root is not None:
        env["LAMBDA_TASK_ROOT"] = str(task_root)
    return env


# --- the runtime the children import in ------------------------------------------------------------


def runtime_site() -> tuple[Path | None, str]:
    """The layer's pinned requirements installed for this machine, with bytecode (cached by a stamp file)."""
    from infra.package import pin_to_installed, runtime_requirements  # noqa: PLC0415

    requirements = pin_to_installed(runtime_requirements())
    site = BENCH_BUILD / f"runtime-site-{PY_TAG}"
    stamp = site / ".stamp.json"
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == requirements:
        return site, " ".join(requirements)
    staging = site.with_name(site.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"]
    completed = subprocess.run([*command, str(staging), *requirements], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        return None, f"pip could not install the runtime dependencies: {completed.stderr.strip()[-300:]}"
    (staging / ".stamp.json").write_text(json.dumps(requirements), encoding="utf-8")
    shutil.rmtree(site, ignore_errors=True)
    staging.rename(site)
    return site, " ".join(requirements)


def _fresh_copy(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=_NO_BYTECODE)
    return target


def prepare_runtimes(code_dir: Path | None) -> tuple[Runtime, Runtime | None, str]:
    """(with bytecode, without bytecode or None, description). Copies keep ``build/lambda`` free of caches."""
    site, detail = runtime_site() if code_dir is not None else (None, "no code asset was built")
    if code_dir is None or site is None:
        description = f"the project virtualenv (it also holds dev packages), because {detail}"
        return Runtime(cwd=PROJECT_ROOT, python_args=()), None, description
    code = _fresh_copy(code_dir, BENCH_BUILD / "code")
    cold_code = _fresh_copy(code_dir, BENCH_BUILD / "code-no-bytecode")
    cold_site = _fresh_copy(site, BENCH_BUILD / f"runtime-site-{PY_TAG}-no-bytecode")
    cached = Runtime(cwd=code, python_args=("-S",), env={"PYTHONPATH": str(site)})
    uncached = Runtime(
        cwd=cold_code, python_args=("-S", "-B"), env={"PYTHONPATH": str(cold_site), "PYTHONDONTWRITEBYTECODE": "1"}
    )
    description = f"`python -S` in a copy of the code asset, with `{detail}` installed for this machine on `PYTHONPATH`"
    return cached, uncached, description


def _child(
    runtime: Runtime, module: str, env: dict[str, str], *, first_request: bool = False
) -> dict[str, float | None]:
    argv = [sys.executable, *runtime.python_args, "-c", _CHILD, module]
    if first_request:
        argv.append(str(EVENT_FILE))
    completed = subprocess.run(
        argv, env={**env, **runtime.env}, capture_output=True, text=True, check=False, cwd=runtime.cwd
    )
    if completed.returncode != 0:
        raise RuntimeError(f"importing {module} failed: {completed.stderr.strip()[-2000:]}")
    last_line = completed.stdout.strip().splitlines()[-1]
    result: dict[str, float | None] = json.loads(last_line)
    return result


def _timing(module: str, seconds: list[float]) -> ImportTiming:
    return ImportTiming(
        module=module, runs=len(seconds), median_ms=statistics.median(seconds) * 1000, min_ms=min(seconds) * 1000
    )


@dataclass(frozen=True)
class Probe:
    """One kind of sample: a module imported in a runtime (optionally followed by the first request)."""

    label: str
    runtime: Runtime
    env: dict[str, str]
    module: str
    runs: int
    first_request: bool = False


def measure_imports(probes: list[Probe]) -> dict[str, ImportTiming]:
    """Every probe ``runs`` times, interleaved round by round in a rotating order, so load drifts hit all alike.

    Probes with bytecode get one untimed run first (it writes the bytecode). A probe with ``first_request``
    also yields "<label> + first GET /me".
    """
    for probe in probes:
        if "-B" not in probe.runtime.python_args:
            _child(probe.runtime, probe.module, probe.env, first_request=probe.first_request)
    imports: dict[str, list[float]] = {probe.label: [] for probe in probes}
    firsts: dict[str, list[float]] = {}
    for index in range(max(probe.runs for probe in probes)):
        active = [probe for probe in probes if index < probe.runs]
        shift = index % len(active)
        for probe in active[shift:] + active[:shift]:
            result = _child(probe.runtime, probe.module, probe.env, first_request=probe.first_request)
            imports[probe.label].append(float(result["import_s"] or 0.0))
            if result["first_response_s"] is not None:
                firsts.setdefault(f"{probe.label} + first GET /me", []).append(float(result["first_response_s"]))
    timings = {label: _timing(label, seconds) for label, seconds in imports.items()}
    timings.update({label: _timing(label, seconds) for label, seconds in firsts.items()})
    return timings


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


def import_breakdown(runtime: Runtime, env: dict[str, str], runs: int = 3) -> list[tuple[str, float, float]]:
    """Self time of every module the handler imports (``-X importtime``), summed by package: at import, and
    during its first request (when the event file exists)."""
    first_request = EVENT_FILE.is_file()
    totals: dict[str, list[float]] = {}
    for _ in range(runs):
        argv = [sys.executable, *runtime.python_args, "-X", "importtime", "-c", _CHILD, HANDLER_MODULE]
        if first_request:
            argv.append(str(EVENT_FILE))
        completed = subprocess.run(
            argv, env={**env, **runtime.env}, capture_output=True, text=True, check=False, cwd=runtime.cwd
        )
        phase = 0  # 0: import, 1: first request
        for line in completed.stderr.splitlines():
            if line == "first request":
                phase = 1
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            self_us, _cumulative, name = line.split(":", 1)[1].split("|")
            group = _GROUPS.get(name.strip().split(".")[0], "standard library")
            totals.setdefault(group, [0.0, 0.0])[phase] += int(self_us) / 1000 / runs
    return sorted(((group, at[0], at[1]) for group, at in totals.items()), key=lambda item: -(item[1] + item[2]))


# --- package size ----------------------------------------------------------------------------------


def _directory_size(name: str, root: Path) -> PackageSize:
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


def measure_package(stage: str = "dev") -> tuple[list[PackageSize], str, Path | None]:
    """Build the stage's assets with ``python -m infra.package`` (the layer is cached by it) and size them."""
    from infra.package import BUILD_DIR, LambdaPlatform, PackagingError, layer_dir  # noqa: PLC0415
    from infra.stage_config import load_stage_config  # noqa: PLC0415

    completed = subprocess.run(
        [sys.executable, "-m", "infra.package", "--stage", stage],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_ROOT,
    )
    note = f"`python -m infra.package --stage {stage}`"
    if completed.returncode != 0:
        note += f" (which failed: {completed.stderr.strip()[-300:]}; sizes are of what was built before)"
    platform = LambdaPlatform.of(load_stage_config(stage))
    code_dir = BUILD_DIR / "code" / stage
    sizes: list[PackageSize] = []
    if code_dir.is_dir():
        sizes.append(_directory_size(f"code asset ({stage})", code_dir))
    try:
        sizes.append(_directory_size(f"dependency layer ({platform.key})", layer_dir(platform) / "python"))
    except PackagingError as exc:
        note += f"; {exc}"
    return sizes, note, code_dir if (code_dir / "runtime_settings.json").is_file() else None


def run_cold_start(*, runs: int = 11, no_bytecode_runs: int = 5) -> ColdStartResult:
    packages, note, code_dir = measure_package()
    cached, uncached, description = prepare_runtimes(code_dir)
    env = lambda_environment(cached.cwd if code_dir is not None else None)
    first_response = code_dir is not None and EVENT_FILE.is_file()
    probes = [
        Probe(BASELINE_MODULE, cached, env, BASELINE_MODULE, runs),
        Probe(HANDLER_MODULE, cached, env, HANDLER_MODULE, runs, first_request=first_response),
        Probe(DEPENDENCIES, cached, env, DEPENDENCIES, runs),
    ]
    if uncached is not None and no_bytecode_runs > 0:
        cold_env = lambda_environment(uncached.cwd)
        probes += [
            Probe(f"{BASELINE_MODULE} (no bytecode)", uncached, cold_env, BASELINE_MODULE, no_bytecode_runs),
            Probe(f"{HANDLER_MODULE} (no bytecode)", uncached, cold_env, HANDLER_MODULE, no_bytecode_runs),
        ]
    timings = measure_imports(probes)
    return ColdStartResult(
        boto3_import=timings[BASELINE_MODULE],
        handler_import=timings[HANDLER_MODULE],
        handler_first_response=timings.get(f"{HANDLER_MODULE} + first GET /me"),
        boto3_no_bytecode=timings.get(f"{BASELINE_MODULE} (no bytecode)"),
        handler_no_bytecode=timings.get(f"{HANDLER_MODULE} (no bytecode)"),
        breakdown_ms=import_breakdown(cached, env),
        packages=packages,
        package_note=note,
        runtime=description,
        dependencies_import=timings.get(DEPENDENCIES),
    )
