"""The embedded default: moto (Cognito, DynamoDB, STS), the model emulator and the local API, wired together.

``LocalStack.start()`` brings everything up on loopback (free ports when asked for port 0), seeds
moto, points the Lambda code at moto and the emulator through the standard ``AWS_ENDPOINT_URL_*``
variables, and returns a ``StackInfo`` with the URLs and logins. Saved models and audit records are
kept in ``state_dir`` across restarts (moto itself is in memory).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer

from inference_engine.settings import RuntimeSettings
from lambdas.settings import function_environment
from local import aws_seed
from local.api_server import LocalApiServer, ServerConfig
from local.containers import ContainerPool
from local.emulator.registry import load_registry
from local.gateway import Gateway
from local.inventory import runtime_settings_document
from local.jwt_verifier import CognitoTokenVerifier
from local.lambda_runtime import FunctionContainers
from local.moto_dynamodb import serialize_requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATIC_DIR = PROJECT_ROOT / "frontend" / "dist"
READY_TIMEOUT_S = 60
# The streaming function's process, as its exec wrapper starts it when deployed (minus the deployed import path).
STREAM_FUNCTION = (sys.executable, "-m", "lambdas.stream_bootstrap")


@dataclass(frozen=True)
class StackInfo:
    url: str
    api_url: str
    moto_url: str
    emulator_url: str
    user_pool_id: str
    client_id: str
    region: str
    stage: str
    logins: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _start_emulator(host: str, port: int, registry: Path | None) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "local.emulator", "--host", host, "--port", str(port)]
    if registry is not None:
        command += ["--registry", str(registry)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    assert process.stdout is not None  # noqa: S101
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("emulator ready on "):
            return process, line.removeprefix("emulator ready on ").strip()
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("the model emulator did not start (run `python -m local.emulator` to see why)")


class LocalStack:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        moto_port: int = 0,
        emulator_port: int = 0,
        state_dir: Path = PROJECT_ROOT / ".local-state",
        static_dir: Path | None = DEFAULT_STATIC_DIR,
        emulator_registry: Path | None = None,
        containers: int = 4,
        keep_state: bool = True,
    ) -> None:
        self.host, self.port, self.moto_port, self.emulator_port = host, port, moto_port, emulator_port
        self.state_dir, self.static_dir = state_dir, static_dir
        self.emulator_registry = emulator_registry
        self.containers = containers
        self.keep_state = keep_state
        self._moto: ThreadedMotoServer | None = None
        self._emulator: subprocess.Popen[str] | None = None
        self._api: LocalApiServer | None = None
        self.info: StackInfo | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> StackInfo:
        try:
            return self._start()
        except BaseException:
            self.stop(save=False)
            raise

    def _start(self) -> StackInfo:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        serialize_requests()  # conditional writes atomic, as in DynamoDB
        self._moto = ThreadedMotoServer(ip_address=self.host, port=self.moto_port, verbose=False)
        self._moto.start()
        moto_host, moto_port = self._moto.get_host_and_port()
        moto_url = f"http://{moto_host}:{moto_port}"
        self._emulator, emulator_url = _start_emulator(self.host, self.emulator_port, self.emulator_registry)

        pool = aws_seed.seed_cognito(moto_url)
        aws_seed.seed_tables(moto_url)
        if self.keep_state:
            self._restore_tables(moto_url)

        registry = load_registry(self.emulator_registry) if self.emulator_registry is not None else None
        settings_document = runtime_settings_document(registry=registry)
        settings_file = self.state_dir / "runtime-settings.json"
        settings_file.write_text(json.dumps(settings_document, indent=2), encoding="utf-8")
        self._configure_environment(moto_url, emulator_url, settings_file)

        region, stage = aws_seed.REGION, RuntimeSettings.model_validate(settings_document).policy.stage
        verifier = CognitoTokenVerifier(
            jwks_url=f"{moto_url}/{pool.user_pool_id}/.well-known/jwks.json",
            issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool.user_pool_id}",
            client_id=pool.client_id,
        )

        def runtime_config(origin: str) -> dict[str, Any]:
            return {
                "region": region,
                "userPoolId": pool.user_pool_id,
                "userPoolClientId": pool.client_id,
                "apiUrl": "/api",
                "stage": stage,
                "cognitoEndpoint": f"{origin}/cognito",
                "authFlowType": "USER_PASSWORD_AUTH",
            }

        gateway = Gateway(
            stage=stage,
            verifier=verifier,
            buffered=ContainerPool(self.containers),
            streaming=FunctionContainers(STREAM_FUNCTION, size=self.containers),
        )
        self._api = LocalApiServer(
            host=self.host,
            port=self.port,
            gateway=gateway,
            config=ServerConfig(static_dir=self.static_dir, runtime_config=runtime_config, cognito_upstream=moto_url),
        ).start()
        self.info = StackInfo(
            url=self._api.url,
            api_url=self._api.url + "/api",
            moto_url=moto_url,
            emulator_url=emulator_url,
            user_pool_id=pool.user_pool_id,
            client_id=pool.client_id,
            region=region,
            stage=stage,
            logins=[
                {"username": login.username, "password": login.password, "admin": login.admin}
                for login in aws_seed.LOGINS
            ],
            models=[
                {"id": m["id"], "name": m["name"], "provider": m["provider"]["type"]}
                for m in settings_document["models"]
            ],
        )
        return self.info

    def stop(self, *, save: bool = True) -> None:
        if self._api is not None:
            self._api.stop()
            self._api = None
        if self._moto is not None:
            if save and self.keep_state and self.info is not None:
                self._save_tables(self.info.moto_url)
            self._moto.stop()
            self._moto = None
        if self._emulator is not None:
            self._emulator.terminate()
            try:
                self._emulator.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._emulator.kill()
            self._emulator = None

    # --- wiring -----------------------------------------------------------------------------------

    def _configure_environment(self, moto_url: str, emulator_url: str, settings_file: Path) -> None:
        """What the deployed Lambda gets from its configuration, pointed at moto and the emulator."""
        os.environ.update(
            {
                "AWS_REGION": aws_seed.REGION,
                "AWS_DEFAULT_REGION": aws_seed.REGION,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_CONFIG_FILE": str(self.state_dir / "no-aws-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(self.state_dir / "no-aws-credentials"),
                "AWS_ENDPOINT_URL_DYNAMODB": moto_url,
                "AWS_ENDPOINT_URL_STS": moto_url,
                "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": moto_url,
                "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": emulator_url,
                "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": emulator_url,
                "AWS_ENDPOINT_URL_SAGEMAKER": emulator_url,  # discovery's read-only SageMaker API
                "AWS_ENDPOINT_URL_BEDROCK": emulator_url,  # ... and Bedrock API
                **function_environment(
                    runtime_settings_file=str(settings_file),
                    models_table_name=aws_seed.MODELS_TABLE,
                    model_versions_table_name=aws_seed.MODEL_VERSIONS_TABLE,
                    audit_table_name=aws_seed.AUDIT_TABLE,
                    audit_ttl_days=30,
                    cors_allow_origin="*",
                ),
                "POWERTOOLS_SERVICE_NAME": "model-studio-local",
                "POWERTOOLS_METRICS_NAMESPACE": "ModelStudio",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_TRACE_DISABLED": "true",
            }
        )
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)

    # --- state across restarts --------------------------------------------------------------------

    @property
    def _state_file(self) -> Path:
        return self.state_dir / "tables.json"

    def _save_tables(self, moto_url: str) -> None:
        ddb = aws_seed.client("dynamodb", moto_url)
        snapshot: dict[str, list[dict[str, Any]]] = {}
        for table in (aws_seed.MODELS_TABLE, aws_seed.MODEL_VERSIONS_TABLE, aws_seed.AUDIT_TABLE):
            items: list[dict[str, Any]] = []
            for page in ddb.get_paginator("scan").paginate(TableName=table):
                items.extend(page.get("Items", []))
            snapshot[table] = items
        temporary = self._state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(snapshot), encoding="utf-8")
        temporary.replace(self._state_file)

    def _restore_tables(self, moto_url: str) -> None:
        if not self._state_file.is_file():
            return
        snapshot = json.loads(self._state_file.read_text(encoding="utf-8"))
        ddb = aws_seed.client("dynamodb", moto_url)
        for table, items in snapshot.items():
            for item in items:
                ddb.put_item(TableName=table, Item=item)
