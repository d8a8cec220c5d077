"""The object graph behind the routes, built once per Lambda container (or per test) and injected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from inference_engine.credentials import ClientFactory
from inference_engine.settings import RuntimeSettings, StagePolicy, load_runtime_settings
from lambdas.dal.audit_table import AuditTable
from lambdas.dal.models_table import ModelsTable
from lambdas.logic.access import Access
from lambdas.logic.discovery import Discovery
from lambdas.logic.invocations import Invocations, MetricsSink
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
    audit: AuditTable
    max_body_bytes: int
    cors_allow_origin: str
    cors_extra_origins: list[str] = field(default_factory=list)
    clock: Callable[[], datetime] = utc_now

    def now(self) -> str:
        return iso(self.clock())


def build_services(
    env: EnvSettings,
    *,
    clients: ClientFactory | None = None,
    runtime: RuntimeSettings | None = None,
    metrics: MetricsSink | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Services:
    clients = clients or ClientFactory(settings=env.client_settings())
    runtime = runtime or load_runtime_settings(env.settings_path)
    dynamodb = clients.client("dynamodb", env.aws_region)
    models = ModelsTable(dynamodb, env.models_table_name)
    audit = AuditTable(dynamodb, env.audit_table_name, ttl_days=env.audit_ttl_days)
    registry = ModelRegistry(runtime, models)
    access = Access(runtime.policy, audit)
    return Services(
        policy=runtime.policy,
        registry=registry,
        invocations=Invocations(
            policy=runtime.policy, registry=registry, audit=audit, clients=clients, metrics=metrics
        ),
        access=access,
        writes=ModelWrites(policy=runtime.policy, registry=registry, audit=audit),
        discovery=Discovery(
            policy=runtime.policy,
            access=access,
            audit=audit,
            clients=clients,
            read_timeout_s=env.engine_read_timeout_s,
        ),
        audit=audit,
        max_body_bytes=env.max_body_bytes,
        cors_allow_origin=env.cors_allow_origin,
        cors_extra_origins=env.extra_origins,
        clock=clock,
    )
