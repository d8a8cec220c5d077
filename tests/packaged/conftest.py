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
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from infra.assembly import PackagedFunction, packaged_functions
from infra.package import LambdaPlatform
from local import aws_seed
from local import packaged as asset
from local.emulator import EmulatorServer, load_registry
from local.packaged import BUFFERED_HANDLER, STACK, STREAM_HANDLER, ManagedRuntime
from tests.support.ports import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ASSEMBLY_ENV = "MODEL_STUDIO_ASSEMBLY"
STAGE = asset.STAGE
EMULATED = asset.EMULATED_MODELS  # the stage's inventory names them (claude: Converse; mistral: TGI on SageMaker)

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
    try:
        return asset.lambda_platform(functions[BUFFERED_HANDLER])
    except asset.CannotRunHere as reason:
        pytest.skip(str(reason))


@pytest.fixture(scope="session")
def runtime_python(lambda_platform: LambdaPlatform) -> str:
    try:
        return asset.runtime_python(lambda_platform)
    except asset.CannotRunHere as reason:
        pytest.skip(str(reason))


@pytest.fixture(scope="session")
def managed_runtime(lambda_platform: LambdaPlatform, runtime_python: str) -> ManagedRuntime:
    """awslambdaric installed for the runtime's Python from wheels, like the layer (cached under build/)."""
    return asset.managed_runtime(lambda_platform)


@dataclass(frozen=True)
class LocalAws:
    moto_url: str
    emulator: EmulatorServer

    def endpoints(self) -> dict[str, str]:
        """The environment that points a function's AWS SDK at moto and the emulator (and at nothing real)."""
        return asset.aws_endpoints(self.moto_url, self.emulator.url)

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
