"""Drive the API like API Gateway does: proxy events in, proxy responses out, stored state readable.

``ApiHarness`` wires ``lambdas.services.build_services`` to in-memory stores (``tests.fakes.stores``) and a
``RecordingClientFactory`` (runtime calls recorded; no AWS, no moto, no socket), and calls
``create_app(services).resolve(event, context)`` for buffered routes and ``lambdas.streaming.stream_response``
(the streaming function's use of the same resolver) for ``POST /invoke/stream``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from inference_engine.settings import RuntimeSettings
from lambdas.app import create_app
from lambdas.domain.models import ModelWrite
from lambdas.domain.ports import InvocationMetric, MetricsSink
from lambdas.services import Services, Stores, build_services, dynamodb_stores
from lambdas.settings import EnvSettings
from lambdas.streaming import stream_response
from model_studio_client.sse import parse_events
from tests.fakes.clients import RecordingClientFactory
from tests.fakes.inventory import runtime_settings
from tests.fakes.stores import InMemoryAuditStore, InMemoryModelStore
from tests.fakes.tables import AUDIT_TABLE, MODELS_TABLE, REGION, VERSIONS_TABLE, audit_items, scan_items
from tests.fakes.tables import create_tables as create_api_tables

FIXED_NOW = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)


class FakeLambdaContext(LambdaContext):
    def __init__(self, request_id: str | None = None) -> None:
        self._function_name = "model-studio-api"
        self._function_version = "$LATEST"
        self._invoked_function_arn = "arn:aws:lambda:us-east-1:111122223333:function:model-studio-api"
        self._memory_limit_in_mb = 512
        self._aws_request_id = request_id or str(uuid.uuid4())
        self._log_group_name = "/aws/lambda/model-studio-api"
        self._log_stream_name = "2026/03/01/[$LATEST]0123456789abcdef"


@dataclass
class Reply:
    """A proxy response with its body decoded (JSON when it is JSON, else the text)."""

    status: int
    headers: dict[str, str]
    body: Any
    raw: str

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None

    @property
    def rule(self) -> str | None:
        return self.body.get("rule") if isinstance(self.body, dict) else None


@dataclass
class Frame:
    event: str
    data: Any


@dataclass
class StreamReply:
    """What the streaming entry point answered: status and headers before the first byte, then the frames."""

    status: int
    headers: dict[str, str]
    chunks: list[bytes] = field(default_factory=list)

    @property
    def text(self) -> str:
        return b"".join(self.chunks).decode()

    @property
    def body(self) -> Any:
        """The JSON error body of a refused stream (status != 200)."""
        return json.loads(self.text)

    @property
    def comments(self) -> list[str]:
        """SSE comment lines (``keep-alive``), in order."""
        return [event.data for event in parse_events([self.text], comments=True) if event.comment]

    @property
    def frames(self) -> list[Frame]:
        return [Frame(event.event, event.json()) for event in parse_events([self.text])]


def _decode(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def reply_of(response: dict[str, Any]) -> Reply:
    """A proxy response (``headers`` and/or ``multiValueHeaders``) as a ``Reply``."""
    headers = {k: ", ".join(v) for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    raw = response.get("body") or ""
    return Reply(response["statusCode"], headers, _decode(raw), raw)


def env_settings(**changes: str) -> EnvSettings:
    return EnvSettings.from_environ(
        {
            "RUNTIME_SETTINGS_FILE": "runtime-settings.json",
            "MODELS_TABLE_NAME": MODELS_TABLE,
            "MODEL_VERSIONS_TABLE_NAME": VERSIONS_TABLE,
            "AUDIT_TABLE_NAME": AUDIT_TABLE,
            "AWS_REGION": REGION,
            **changes,
        }
    )


@dataclass
class RecordingMetrics:
    """A ``MetricsSink`` that keeps what the API reported."""

    recorded: list[InvocationMetric] = field(default_factory=list)

    def record(self, metric: InvocationMetric) -> None:
        self.recorded.append(metric)


@dataclass
class ApiHarness:
    """The API over in-memory stores (unit tests), or over DynamoDB tables (``storage="dynamodb"``: moto)."""

    services: Services
    app: APIGatewayRestResolver
    clients: RecordingClientFactory
    stores: Stores
    dynamodb: Any = None  # the DynamoDB client when the stores are the tables

    @classmethod
    def build(
        cls,
        *,
        stage: str = "dev",
        runtime: RuntimeSettings | None = None,
        clients: RecordingClientFactory | None = None,
        clock: Callable[[], datetime] = lambda: FIXED_NOW,
        env: EnvSettings | None = None,
        metrics: MetricsSink | None = None,
        storage: Literal["memory", "dynamodb"] = "memory",
        create_tables: bool = True,
    ) -> ApiHarness:
        """With DynamoDB, missing tables are created (moto must be active or ``clients`` point at a moto server)."""
        clients = clients or RecordingClientFactory()
        env = env or env_settings()
        dynamodb = None
        if storage == "dynamodb":
            dynamodb = clients.client("dynamodb", REGION)
            if create_tables and MODELS_TABLE not in dynamodb.list_tables()["TableNames"]:
                create_api_tables(dynamodb)
            stores = dynamodb_stores(env, clients)
        else:
            stores = Stores(models=InMemoryModelStore(), audit=InMemoryAuditStore())
        services = build_services(
            env,
            clients=clients,
            stores=stores,
            runtime=runtime or runtime_settings(stage),
            clock=clock,
            metrics=metrics,
        )
        return cls(services=services, app=create_app(services), clients=clients, stores=stores, dynamodb=dynamodb)

    def call(self, event: dict[str, Any]) -> Reply:
        return reply_of(self.app.resolve(event, FakeLambdaContext()))

    def stream(self, event: dict[str, Any], *, consume: bool = True) -> tuple[StreamReply, Any]:
        """Start a stream; with ``consume`` read it to the end. Returns the reply and the unread body iterator."""
        response = stream_response(self.app, self.services, event, FakeLambdaContext())
        reply = StreamReply(response.status, dict(response.headers))
        if consume:
            reply.chunks.extend(response.body)
        return reply, response.body

    def seed_model(self, config: dict[str, Any], *, base_model_id: str | None = None, actor: str = "seed") -> int:
        """Store ``config`` as a saved model (version 1) without going through the API; returns the version."""
        write = ModelWrite(config["id"], config, base_model_id, actor, self.services.now())
        stored = self.stores.models.put(write, expected_version=0)
        return stored.version

    def audit(self) -> list[dict[str, Any]]:
        """The stored audit records, oldest first (with DynamoDB: the items, ``patch`` decoded)."""
        if self.dynamodb is not None:
            return audit_items(self.dynamodb)
        assert isinstance(self.stores.audit, InMemoryAuditStore)
        return [record.as_dict() for record in self.stores.audit.in_order()]

    def saved_models(self) -> dict[str, dict[str, Any]]:
        """Saved models by id, ``config`` as its canonical JSON text."""
        if self.dynamodb is not None:
            return {item["id"]: item for item in scan_items(self.dynamodb, MODELS_TABLE)}
        return {
            model.id: {**asdict(model), "config": json.dumps(model.config, sort_keys=True, separators=(",", ":"))}
            for model in self.stores.models.scan()
        }
