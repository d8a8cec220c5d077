"""The object graph behind the routes, built once per Lambda container (or per test) and injected.

The only place that knows the concrete adapters: DynamoDB tables for the stores (or the stores a test passes),
the engine's ``ClientFactory`` for the runtime clients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from inference_engine.credentials import ClientFactory, ClientProvider, TunableClientProvider
from inference_engine.settings import RuntimeSettings, StagePolicy, load_runtime_settings
from lambdas.dal.audit_table import AuditTable
from lambdas.dal.models_table import ModelsTable
from lambdas.domain.ports import AuditStore, MetricsSink, ModelStore
from lambdas.logic.access import Access
from lambdas.logic.audit_trail import AuditTrail
from lambdas.logic.discovery import Discovery
from lambdas.logic.invocations import Invocations
from lambdas.logic.model_writes import ModelWrites
from lambdas.logic.registry import ModelRegistry
from lambdas.settings import EnvSettings


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Services:
    policy: StagePolicy
    registry: ModelRegistry
    invocations: Invocations
    access: Access
    writes: ModelWrites
    discovery: Discovery
    audit_trail: AuditTrail
    max_body_bytes: int
    cors_allow_origin: str
    cors_extra_origins: list[str] = field(default_factory=list)
    stream_keepalive_s: float = 15.0
    clock: Callable[[], datetime] = utc_now

    def now(self) -> str:
        return iso(self.clock())

    @property
    def cors_origins(self) -> list[str]:
        return [self.cors_allow_origin, *self.cors_extra_origins]


@dataclass(frozen=True)
class Stores:
    models: ModelStore
    audit: AuditStore


def dynamodb_stores(env: EnvSettings, clients: ClientProvider) -> Stores:
    dynamodb = clients.client("dynamodb", env.aws_region)
    return Stores(
        models=ModelsTable(dynamodb, env.models_table_name, env.model_versions_table_name),
        audit=AuditTable(dynamodb, env.audit_table_name, ttl_days=env.audit_ttl_days),
    )


def build_services(
    env: EnvSettings,
    *,
    clients: TunableClientProvider | None = None,
    stores: Stores | None = None,
    runtime: RuntimeSettings | None = None,
    metrics: MetricsSink | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Services:
    """Wire the API; ``stores`` defaults to the DynamoDB tables named in ``env`` (through ``clients``)."""
    clients = clients or ClientFactory(settings=env.client_settings())
    stores = stores or dynamodb_stores(env, clients)
    runtime = runtime or load_runtime_settings(env.settings_path)
    registry = ModelRegistry(runtime, stores.models)
    return Services(
        policy=runtime.policy,
        registry=registry,
        invocations=Invocations(
            policy=runtime.policy, registry=registry, audit=stores.audit, clients=clients, metrics=metrics
        ),
        access=Access(runtime.policy, stores.audit),
        writes=ModelWrites(policy=runtime.policy, registry=registry, audit=stores.audit),
        discovery=Discovery(
            policy=runtime.policy, audit=stores.audit, clients=clients, read_timeout_s=env.engine_read_timeout_s
        ),
        audit_trail=AuditTrail(stores.audit),
        max_body_bytes=env.max_body_bytes,
        cors_allow_origin=env.cors_allow_origin,
        cors_extra_origins=env.extra_origins,
        stream_keepalive_s=env.stream_keepalive_s,
        clock=clock,
    )
