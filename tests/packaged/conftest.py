"""The exact Lambda package ``cdk synth`` stages for upload, run in the runtime's own Python version.

- ``assembly``: ``$MODEL_STUDIO_ASSEMBLY`` (``make test`` passes ``cdk.out/dev``, what ``make synth`` wrote), or
  else a fresh synthesis of the dev stage by ``app.py``, the CDK app ``cdk synth`` runs;
- ``runtime_python``: a CPython of the function's ``Runtime`` (pyenv's 3.13 on these machines). Without one, or
  on a machine of another architecture than the package's, the tests are skipped and say why;
- ``managed_runtime``: what Lambda's managed Python runtime adds to a function's path, its runtime interface
  client (``awslambdaric``), installed for that Python from wheels like the layer;
- ``aws``: moto (DynamoDB tables) and the model emulator on loopback, standing in for the AWS services.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from infra.package import LambdaPlatform, PackagingError, bytecode_python, pip_command
from local import aws_seed
from local.emulator import EmulatorServer, load_registry
from tests.packaged.assembly import PackagedFunction, packaged_functions
from tests.support.ports import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ASSEMBLY_ENV = "MODEL_STUDIO_ASSEMBLY"
STAGE = "dev"
STACK = f"ModelStudio-{STAGE}"
BUFFERED_HANDLER = "lambdas.handler.handler"
STREAM_HANDLER = "lambdas.stream_handler.handler"
RIC_REQUIREMENT = "awslambdaric==4.2.2"  # the Python runtime interface client the managed runtimes run
# The stage's inventory names these; the emulator serves them (claude: Converse; mistral: TGI on SageMaker).
EMULATED = {"sagemaker": {"model-studio-mistral-7b-tgi": {"format": "tgi", "max_total_tokens": 8192}}}

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get(ASSEMBLY_ENV)
    if given:
        return Path(given).resolve()
    outdir = tmp_path_factory.mktemp("cdk.out")
    web = tmp_path_factory.mktemp("web")
    (web / "index.html").write_text("<!doctype html><title>placeholder</title>\n", encoding="utf-8")
    environment = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "MODEL_STUDIO_STAGE": STAGE,
        "MODEL_STUDIO_WEB_DIR": str(web),
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    }
    completed = subprocess.run(
        [sys.executable, "app.py"], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, f"synth failed:\n{completed.stdout}\n{completed.stderr}"
    return outdir


@pytest.fixture(scope="session")
def functions(assembly: Path) -> dict[str, PackagedFunction]:
    found = packaged_functions(assembly, STACK)
    assert {BUFFERED_HANDLER, STREAM_HANDLER} <= set(found), f"the assembly's functions: {sorted(found)}"
    return found


@pytest.fixture(scope="session")
def lambda_platform(functions: dict[str, PackagedFunction]) -> LambdaPlatform:
    function = functions[BUFFERED_HANDLER]
    target = LambdaPlatform(function.python_version, "arm64" if function.architecture == "arm64" else "x86_64")
    if target.machine != platform.machine():
        pytest.skip(f"the package targets {target.machine}; this machine is {platform.machine()}: it cannot run here")
    return target


@pytest.fixture(scope="session")
def runtime_python(lambda_platform: LambdaPlatform) -> str:
    interpreter = bytecode_python(lambda_platform)
    if interpreter is None:
        pytest.skip(
            f"no CPython {lambda_platform.python_version} on this machine (python{lambda_platform.python_version} "
            "on PATH or pyenv): the packaged asset cannot be run before deploy here"
        )
    return interpreter


@dataclass(frozen=True)
class ManagedRuntime:
    """Lambda's managed Python runtime as far as a function sees it: the interpreter (``/var/lang/bin/python3``)
    and the runtime interface client that the managed runtime starts the handler with (``/var/runtime``)."""

    python: str
    client_dir: Path


@pytest.fixture(scope="session")
def managed_runtime(lambda_platform: LambdaPlatform, runtime_python: str) -> ManagedRuntime:
    """awslambdaric installed for the runtime's Python from wheels, like the layer (cached under build/)."""
    target = PROJECT_ROOT / "build" / "lambda" / "runtime" / lambda_platform.key
    stamp = target / ".stamp"
    if not (stamp.is_file() and stamp.read_text(encoding="utf-8") == RIC_REQUIREMENT):
        target.mkdir(parents=True, exist_ok=True)
        completed = subprocess.run(
            pip_command([RIC_REQUIREMENT], lambda_platform, target), capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            raise PackagingError(f"cannot install {RIC_REQUIREMENT}:\n{completed.stdout}{completed.stderr}")
        stamp.write_text(RIC_REQUIREMENT, encoding="utf-8")
    return ManagedRuntime(runtime_python, target)


@dataclass(frozen=True)
class LocalAws:
    moto_url: str
    emulator: EmulatorServer

    def endpoints(self) -> dict[str, str]:
        """The environment that points a function's AWS SDK at moto and the emulator (and at nothing real)."""
        return {
            "AWS_REGION": aws_seed.REGION,
            "AWS_DEFAULT_REGION": aws_seed.REGION,
            "AWS_ACCESS_KEY_ID": "packaged",
            "AWS_SECRET_ACCESS_KEY": "packaged",
            "AWS_SESSION_TOKEN": "packaged",
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_ENDPOINT_URL_DYNAMODB": self.moto_url,
            "AWS_ENDPOINT_URL_STS": self.moto_url,
            "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": self.emulator.url,
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": self.emulator.url,
        }

    def audit(self) -> list[dict[str, object]]:
        dynamodb = aws_seed.client("dynamodb", self.moto_url)
        items = dynamodb.scan(TableName=aws_seed.AUDIT_TABLE)["Items"]
        return [{k: next(iter(v.values())) for k, v in item.items()} for item in items]

    def use_registry(self, **bedrock_changes: Mapping[str, object]) -> None:
        """The emulator's default models plus the stage's, with per-model changes (``token_delay_ms``...)."""
        registry = load_registry().merged(load_registry(EMULATED))
        document = json.loads(registry.model_dump_json())
        for model_id, changes in bedrock_changes.items():
            document["bedrock"][model_id] = {**document["bedrock"][model_id], **changes}
        self.emulator.state.replace_registry(load_registry(document))
        self.emulator.state.reset()


@pytest.fixture(scope="session")
def aws() -> Iterator[LocalAws]:
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    moto_url = f"http://127.0.0.1:{port}"
    aws_seed.seed_tables(moto_url)
    emulator = EmulatorServer(load_registry().merged(load_registry(EMULATED))).start()
    try:
        yield LocalAws(moto_url, emulator)
    finally:
        emulator.stop()
        moto.stop()
