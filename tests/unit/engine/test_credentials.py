"""The one client factory (DESIGN §5), without network: STS answers through botocore's Stubber."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from inference_engine.credentials import ClientFactory, ClientSettings, _refresh_windows, session_name_for
from inference_engine.errors import CredentialsError, UpstreamThrottledError
from inference_engine.schema import CrossAccount

STS_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
ROLE = CrossAccount(role_arn="arn:aws:iam::111122223333:role/model-invoker", external_id="ext-42")
START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def base_session() -> boto3.Session:
    return boto3.Session(aws_access_key_id="base-key", aws_secret_access_key="base-secret", region_name="us-east-1")


def key_id(name: str) -> str:
    """An access key id of STS's length (16-128 characters) that still reads as its name."""
    return name.ljust(20, "0")


def assume_role_answer(key: str, expires: datetime) -> dict[str, Any]:
    return {
        "Credentials": {
            "AccessKeyId": key_id(key),
            "SecretAccessKey": f"{key}-secret",
            "SessionToken": f"{key}-token",
            "Expiration": expires,
        },
        "AssumedRoleUser": {
            "AssumedRoleId": "AROAEXAMPLE:ie-alice",
            "Arn": "arn:aws:sts::111122223333:assumed-role/x/y",
        },
    }


def signing_key(client: Any) -> str:
    """The access key the client would sign its next request with (refreshing first if due)."""
    return str(client._request_signer._credentials.get_frozen_credentials().access_key)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def factory(clock: Clock) -> ClientFactory:
    return ClientFactory(session=base_session(), time_fetcher=clock)


@pytest.fixture
def sts(factory: ClientFactory) -> Stubber:
    stubber = Stubber(factory.client("sts", "us-east-1"))  # the factory's own, cached STS client
    stubber.activate()
    return stubber


# --- session names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "name"),
    [
        ("alice", "ie-alice"),
        ("alice@example.com", "ie-alice@example.com"),
        ("Bob Smith/ÿ", "ie-Bob-Smith--"),
        (None, "ie-anonymous"),
        ("", "ie-anonymous"),
        ("x" * 100, "ie-" + "x" * 61),
    ],
)
def test_session_names_carry_the_caller_within_sts_rules(caller: str | None, name: str) -> None:
    assert session_name_for(caller) == name


@settings(max_examples=200, deadline=None)
@given(caller=st.text(max_size=120))
def test_any_caller_gives_a_valid_sts_session_name(caller: str) -> None:
    name = session_name_for(caller)

    assert STS_SESSION_NAME.fullmatch(name)
    assert name.startswith("ie-")


# --- client settings and caching --------------------------------------------------------------------


def test_clients_have_adaptive_retries_and_explicit_timeouts() -> None:
    settings_ = ClientSettings(connect_timeout_s=2.0, read_timeout_s=30.0, max_attempts=5)
    client = ClientFactory(session=base_session(), settings=settings_).client("bedrock-runtime", "us-east-1")

    config = client.meta.config
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 6}  # botocore counts the first call too
    assert config.connect_timeout == 2.0
    assert config.read_timeout == 30.0


def test_default_settings_are_adaptive_with_bounded_timeouts() -> None:
    config = ClientFactory(session=base_session()).client("sagemaker-runtime", "us-east-1").meta.config

    assert config.retries["mode"] == "adaptive"
    assert config.connect_timeout == 5.0
    assert config.read_timeout == 60.0


def test_clients_are_cached_per_service_region_and_endpoint(factory: ClientFactory) -> None:
    first = factory.client("sagemaker-runtime", "us-east-1")

    assert factory.client("sagemaker-runtime", "us-east-1") is first
    assert factory.client("sagemaker-runtime", "eu-west-1") is not first
    assert factory.client("bedrock-runtime", "us-east-1") is not first
    assert factory.client("sagemaker-runtime", "us-east-1", endpoint_url="http://127.0.0.1:9") is not first
    assert factory.client("sagemaker-runtime", "us-east-1", caller="someone") is first  # no role: caller is irrelevant


def test_configured_endpoint_urls_apply_per_service() -> None:
    factory = ClientFactory(session=base_session(), endpoint_urls={"sagemaker-runtime": "http://127.0.0.1:4567"})

    assert factory.client("sagemaker-runtime", "us-east-1").meta.endpoint_url == "http://127.0.0.1:4567"
    assert (
        factory.client("bedrock-runtime", "us-east-1").meta.endpoint_url
        == "https://bedrock-runtime.us-east-1.amazonaws.com"
    )


def test_no_session_is_created_until_a_client_is_needed() -> None:
    factory = ClientFactory()

    assert factory._session is None


# --- assumed roles -----------------------------------------------------------------------------------


def test_a_role_is_assumed_once_per_caller_with_external_id_and_caller_session_name(
    factory: ClientFactory, sts: Stubber
) -> None:
    sts.add_response(
        "assume_role",
        assume_role_answer("ASIAALICE", START + timedelta(hours=1)),
        {"RoleArn": ROLE.role_arn, "RoleSessionName": "ie-alice", "DurationSeconds": 3600, "ExternalId": "ext-42"},
    )

    clients = [factory.client("sagemaker-runtime", "us-east-1", cross_account=ROLE, caller="alice") for _ in range(50)]

    sts.assert_no_pending_responses()
    assert factory.assume_role_calls == 1
    assert all(c is clients[0] for c in clients)
    assert signing_key(clients[0]) == key_id("ASIAALICE")
    assert factory.client("sagemaker-runtime", "us-east-1") is not clients[0]  # the base identity is separate


def test_another_caller_gets_its_own_session_and_credentials(factory: ClientFactory, sts: Stubber) -> None:
    for caller, key in (("alice", "ASIAALICE"), ("bob", "ASIABOB")):
        sts.add_response(
            "assume_role",
            assume_role_answer(key, START + timedelta(hours=1)),
            {
                "RoleArn": ROLE.role_arn,
                "RoleSessionName": f"ie-{caller}",
                "DurationSeconds": 3600,
                "ExternalId": "ext-42",
            },
        )

    alice = factory.client("bedrock-runtime", "us-east-1", cross_account=ROLE, caller="alice")
    bob = factory.client("bedrock-runtime", "us-east-1", cross_account=ROLE, caller="bob")

    assert factory.assume_role_calls == 2
    assert (signing_key(alice), signing_key(bob)) == (key_id("ASIAALICE"), key_id("ASIABOB"))


def test_one_assumed_session_serves_every_service_of_the_same_caller_and_region(
    factory: ClientFactory, sts: Stubber
) -> None:
    sts.add_response("assume_role", assume_role_answer("ASIAALICE", START + timedelta(hours=1)), None)

    sagemaker = factory.client("sagemaker-runtime", "us-east-1", cross_account=ROLE, caller="alice")
    bedrock = factory.client("bedrock-runtime", "us-east-1", cross_account=ROLE, caller="alice")

    assert factory.assume_role_calls == 1
    assert signing_key(sagemaker) == signing_key(bedrock) == key_id("ASIAALICE")


def test_no_external_id_is_sent_when_none_is_configured(factory: ClientFactory, sts: Stubber) -> None:
    role = CrossAccount(role_arn=ROLE.role_arn, session_duration_s=900)
    sts.add_response(
        "assume_role",
        assume_role_answer("ASIANOEXT", START + timedelta(minutes=15)),
        {"RoleArn": ROLE.role_arn, "RoleSessionName": "ie-carol", "DurationSeconds": 900},
    )

    client = factory.client("sagemaker-runtime", "us-east-1", cross_account=role, caller="carol")

    assert signing_key(client) == key_id("ASIANOEXT")


def test_credentials_are_refreshed_before_they_expire(factory: ClientFactory, sts: Stubber, clock: Clock) -> None:
    sts.add_response("assume_role", assume_role_answer("ASIAFIRST", START + timedelta(hours=1)), None)
    sts.add_response("assume_role", assume_role_answer("ASIASECOND", START + timedelta(hours=2)), None)
    client = factory.client("sagemaker-runtime", "us-east-1", cross_account=ROLE, caller="alice")

    clock.now = START + timedelta(minutes=30)
    assert signing_key(client) == key_id("ASIAFIRST")  # still fresh
    assert factory.assume_role_calls == 1

    clock.now = START + timedelta(minutes=52)  # inside the 10-minute mandatory refresh window
    assert signing_key(client) == key_id("ASIASECOND")
    assert factory.assume_role_calls == 2
    sts.assert_no_pending_responses()


def test_expired_credentials_are_replaced(factory: ClientFactory, sts: Stubber, clock: Clock) -> None:
    sts.add_response("assume_role", assume_role_answer("ASIAOLD", START + timedelta(hours=1)), None)
    sts.add_response("assume_role", assume_role_answer("ASIANEW", START + timedelta(hours=3)), None)
    client = factory.client("sagemaker-runtime", "us-east-1", cross_account=ROLE, caller="alice")

    clock.now = START + timedelta(hours=2)  # long past expiry

    assert signing_key(client) == key_id("ASIANEW")
    assert factory.assume_role_calls == 2


@pytest.mark.parametrize(("duration", "windows"), [(900, (300, 150)), (3600, (900, 600)), (43200, (900, 600))])
def test_refresh_windows_scale_with_short_sessions(duration: int, windows: tuple[int, int]) -> None:
    assert _refresh_windows(duration) == windows


@pytest.mark.parametrize(
    ("code", "error_type", "phrase"),
    [
        (
            "AccessDenied",
            CredentialsError,
            "Could not assume role arn:aws:iam::111122223333:role/model-invoker: AccessDenied",
        ),
        ("Throttling", UpstreamThrottledError, "STS throttled AssumeRole"),
    ],
)
def test_assume_role_failures_are_domain_errors(
    factory: ClientFactory, sts: Stubber, code: str, error_type: type[Exception], phrase: str
) -> None:
    sts.add_client_error("assume_role", service_error_code=code, service_message="nope", http_status_code=403)

    with pytest.raises(error_type) as caught:
        factory.client("sagemaker-runtime", "us-east-1", cross_account=ROLE, caller="alice")

    assert phrase in str(caught.value)
    assert "base-secret" not in str(caught.value)


def test_each_target_gets_its_own_client_so_throttling_one_does_not_slow_another(factory: ClientFactory) -> None:
    # Given two SageMaker endpoints in the same region (adaptive retries keep a rate limiter per client)
    first = factory.client("sagemaker-runtime", "us-east-1", target="endpoint-a")
    # Then each endpoint has its own client, and the same endpoint reuses its client
    assert factory.client("sagemaker-runtime", "us-east-1", target="endpoint-b") is not first
    assert factory.client("sagemaker-runtime", "us-east-1", target="endpoint-a") is first


def test_per_target_clients_share_one_assumed_role_session(factory: ClientFactory, sts: Stubber) -> None:
    sts.add_response("assume_role", assume_role_answer("ASIAALICE", START + timedelta(hours=1)), None)

    a = factory.client("bedrock-runtime", "us-east-1", cross_account=ROLE, caller="alice", target="model-a")
    b = factory.client("bedrock-runtime", "us-east-1", cross_account=ROLE, caller="alice", target="model-b")

    assert a is not b
    assert factory.assume_role_calls == 1
    assert signing_key(a) == signing_key(b) == key_id("ASIAALICE")


def test_a_derived_factory_has_its_own_settings_but_shares_assumed_roles(factory: ClientFactory, sts: Stubber) -> None:
    # Given a role already assumed by the base factory
    sts.add_response(
        "assume_role",
        assume_role_answer("ASIAALICE", START + timedelta(hours=1)),
        {"RoleArn": ROLE.role_arn, "RoleSessionName": "ie-alice", "DurationSeconds": 3600, "ExternalId": "ext-42"},
    )
    base = factory.client("sagemaker-runtime", "us-east-1", cross_account=ROLE, caller="alice")

    # When a factory with probe settings (no retries, short read timeout) is derived from it
    probe = factory.derived(ClientSettings(read_timeout_s=8.0, max_attempts=0, retry_mode="standard"))
    client = probe.client("sagemaker-runtime", "us-east-1", cross_account=ROLE, caller="alice")

    # Then its clients use those settings, with the same assumed credentials and no second AssumeRole
    assert client is not base
    assert client.meta.config.read_timeout == 8.0
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert base.meta.config.read_timeout == 60.0
    assert signing_key(client) == key_id("ASIAALICE")
    assert factory.assume_role_calls == probe.assume_role_calls == 1
    assert probe.settings.max_attempts == 0 and factory.settings.max_attempts == 3
