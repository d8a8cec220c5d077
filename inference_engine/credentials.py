"""One factory for every boto3 client the engine uses (DESIGN §5).

- Clients are cached per ``(service, region, endpoint_url, credentials identity)``.
- Cross-account credentials come from STS ``AssumeRole`` (optional ``ExternalId``) with a session
  name that carries the caller (``ie-<username>``), so CloudTrail shows who made the call. They are
  cached per ``(role_arn, external_id, session_name, region)`` as botocore ``RefreshableCredentials``
  and refreshed before they expire: one ``AssumeRole`` per role, caller and credential lifetime.
- Every client has adaptive retries and explicit connect/read timeouts.
- Nothing is created at import time; the base ``boto3.Session`` is injected, or a plain ``botocore``
  session is made on first use: ``boto3`` itself (and the ``s3transfer`` it imports) is never imported
  unless a caller asks for ``.session``, which keeps the Lambda's cold start shorter.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

import botocore.session
from botocore.config import Config
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError
from botocore.utils import parse_timestamp

from inference_engine.caching import Lru
from inference_engine.errors import CredentialsError, UpstreamThrottledError, UpstreamTimeoutError
from inference_engine.schema import CrossAccount

if TYPE_CHECKING:
    import boto3

# Runtimes for model calls, control planes ("sagemaker", "bedrock") for discovery's read-only calls.
Service = Literal["sagemaker-runtime", "bedrock-runtime", "sagemaker", "bedrock", "sts", "dynamodb"]
SESSION_NAME_PREFIX = "ie-"
_SESSION_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9+=,.@_-]")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def session_name_for(caller: str | None) -> str:
    """``ie-<caller>`` trimmed to STS's rules: 2-64 characters of ``[A-Za-z0-9+=,.@_-]``."""
    name = _SESSION_NAME_UNSAFE.sub("-", caller or "anonymous")
    return (SESSION_NAME_PREFIX + name)[:64]


@dataclass(frozen=True)
class ClientSettings:
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0
    max_attempts: int = 3
    retry_mode: Literal["adaptive", "standard", "legacy"] = "adaptive"
    max_pool_connections: int = 32

    def botocore_config(self) -> Config:
        return Config(
            connect_timeout=self.connect_timeout_s,
            read_timeout=self.read_timeout_s,
            retries={"mode": self.retry_mode, "max_attempts": self.max_attempts},
            max_pool_connections=self.max_pool_connections,
        )


@dataclass(frozen=True)
class RoleKey:
    role_arn: str
    external_id: str | None
    session_name: str
    region: str


def _refresh_windows(duration_s: int) -> tuple[int, int]:
    """(advisory, mandatory) refresh windows scaled to the session length: botocore's fixed 15/10 minutes
    would make a 15-minute session refresh on every call."""
    return min(15 * 60, duration_s // 3), min(10 * 60, duration_s // 6)


class _StaticProvider(CredentialProvider):
    METHOD = "assume-role"
    CANONICAL_NAME = "model-studio-assume-role"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials


def _new_client(source: Any, service: str, region: str, endpoint_url: str | None, config: Config) -> Any:
    """A client from a ``botocore`` session (``create_client``) or an injected ``boto3.Session`` (``client``)."""
    if isinstance(source, botocore.session.Session):
        return source.create_client(service, region_name=region, endpoint_url=endpoint_url, config=config)
    return source.client(service, region_name=region, endpoint_url=endpoint_url, config=config)


class ClientProvider(Protocol):
    """What the engine needs to make a call: a client per service, region, role and target (``ClientFactory`` is
    the implementation; tests pass recording fakes)."""

    def client(
        self,
        service: Service,
        region: str,
        *,
        cross_account: CrossAccount | None = None,
        caller: str | None = None,
        endpoint_url: str | None = None,
        target: str | None = None,
    ) -> Any: ...


class TunableClientProvider(ClientProvider, Protocol):
    """A ``ClientProvider`` that can also hand out clients with other settings (a format probe: no retries, a short
    read timeout), sharing its credentials."""

    def derived(self, settings: ClientSettings) -> ClientProvider: ...


class ClientFactory:
    """Builds and caches boto3 clients, assuming cross-account roles when a model asks for one."""

    def __init__(
        self,
        *,
        session: boto3.Session | None = None,
        settings: ClientSettings | None = None,
        endpoint_urls: Mapping[str, str] | None = None,
        time_fetcher: Callable[[], datetime] | None = None,
        cache_size: int = 256,
    ) -> None:
        self._session = session
        self._core: botocore.session.Session | None = None  # the base session when none was injected
        self._settings = settings or ClientSettings()
        self._config = self._settings.botocore_config()
        self._endpoint_urls = dict(endpoint_urls or {})
        self._time_fetcher = time_fetcher
        self._lock = threading.RLock()
        self._clients: Lru[Any, Any] = Lru(cache_size)
        self._role_sessions: Lru[Any, Any] = Lru(cache_size)
        self.assume_role_calls = 0

    def derived(self, settings: ClientSettings) -> ClientFactory:
        """A factory whose clients use other settings (e.g. a format probe: no retries, a short read timeout).

        It shares the base session and the assumed-role sessions (no second AssumeRole for a role already
        assumed), and keeps its own client cache.
        """
        with self._lock:
            self._base()  # create the shared base session now, so both factories use the same one
            twin = copy.copy(self)
        twin._settings = settings
        twin._config = settings.botocore_config()
        twin._clients = Lru(self._clients.limit)
        return twin

    @property
    def settings(self) -> ClientSettings:
        return self._settings

    @property
    def session(self) -> boto3.Session:
        """The base ``boto3.Session``: the injected one, or one around the factory's own ``botocore`` session."""
        with self._lock:
            if self._session is None:
                import boto3  # noqa: PLC0415 - only when asked for: the factory itself needs botocore alone

                self._session = boto3.Session(botocore_session=self._base())
            return self._session

    def _base(self) -> Any:
        """Where clients without a role come from: the injected ``boto3.Session`` or a ``botocore`` session."""
        if self._session is not None:
            return self._session
        if self._core is None:
            self._core = botocore.session.Session()
        return self._core

    def client(
        self,
        service: Service,
        region: str,
        *,
        cross_account: CrossAccount | None = None,
        caller: str | None = None,
        endpoint_url: str | None = None,
        target: str | None = None,
    ) -> Any:
        """A cached client for ``service`` in ``region``, with assumed-role credentials when asked.

        ``target`` (the endpoint name or model id) gives each model its own client: with adaptive retries a
        client carries a client-side rate limiter, so one throttled endpoint must not slow calls to the others.
        """
        url = endpoint_url or self._endpoint_urls.get(service)
        role = (
            RoleKey(cross_account.role_arn, cross_account.external_id, session_name_for(caller), region)
            if cross_account is not None
            else None
        )
        key = (service, region, url, role, target)
        with self._lock:
            cached = self._clients.recall(key)
            if cached is not None:
                return cached
            source = self._role_session(role, cross_account) if role and cross_account else self._base()
            return self._clients.remember(key, _new_client(source, service, region, url, self._config))

    # --- assumed roles -------------------------------------------------------------------------

    def _role_session(self, role: RoleKey, cross_account: CrossAccount) -> botocore.session.Session:
        cached = self._role_sessions.recall(role)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        duration = cross_account.session_duration_s
        advisory, mandatory = _refresh_windows(duration)
        first = self._assume(role, duration)
        credentials = RefreshableCredentials(
            access_key=first["access_key"],
            secret_key=first["secret_key"],
            token=first["token"],
            expiry_time=parse_timestamp(first["expiry_time"]),
            refresh_using=lambda: self._assume(role, duration),
            method="assume-role",
            time_fetcher=self._time_fetcher or _utc_now,
            advisory_timeout=advisory,
            mandatory_timeout=mandatory,
        )
        core = botocore.session.Session()
        core.set_config_variable("region", role.region)
        core.register_component("credential_provider", CredentialResolver([_StaticProvider(credentials)]))
        return self._role_sessions.remember(role, core)  # type: ignore[no-any-return]

    def _assume(self, role: RoleKey, duration_s: int) -> dict[str, str]:
        sts = self.client("sts", role.region)
        params: dict[str, Any] = {
            "RoleArn": role.role_arn,
            "RoleSessionName": role.session_name,
            "DurationSeconds": duration_s,
        }
        if role.external_id:
            params["ExternalId"] = role.external_id
        try:
            with self._lock:
                self.assume_role_calls += 1
            response = sts.assume_role(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = str(error.get("Code", "")), str(error.get("Message", ""))
            if code in {"Throttling", "ThrottlingException", "RequestLimitExceeded"}:
                raise UpstreamThrottledError(f"STS throttled AssumeRole: {message}", upstream_code=code) from None
            raise CredentialsError(
                f"Could not assume role {role.role_arn}: {code}: {message}", upstream_code=code
            ) from None
        except BotoCoreError as exc:
            if "timeout" in type(exc).__name__.lower():
                raise UpstreamTimeoutError(f"STS did not answer in time: {exc}") from None
            raise CredentialsError(f"Could not assume role {role.role_arn}: {exc}") from None
        creds = response["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }
