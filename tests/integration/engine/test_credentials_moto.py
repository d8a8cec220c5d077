"""Cross-account calls through the one client factory, against moto (STS and canned SageMaker answers).

AssumeRole calls are counted by a botocore event hook on the injected ``boto3.Session`` (what actually went
out), independently of the factory's own counter; moto's STS backend shows what it was asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws
from moto.sts.models import sts_backends

from inference_engine.catalogue import load_catalogue
from inference_engine.credentials import ClientFactory
from inference_engine.engine import invoke
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation
from inference_engine.schema import ModelConfig
from tests.integration.engine.conftest import BASE_KEY, base_session

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

ROLE_ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ROLE_ACCOUNT}:role/model-invoker"
ANSWER = "The capital of France is Paris."


class AssumeRoleCounter:
    """Records every AssumeRole call the session's clients make, with its API parameters (a botocore event hook)."""

    def __init__(self, session: boto3.Session) -> None:
        self.params: list[dict[str, Any]] = []
        session.events.register("before-parameter-build.sts.AssumeRole", self)

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.params.append(params)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        # Canned InvokeEndpoint answers for the role's account (moto maps assumed-role keys to that account).
        for account in (ROLE_ACCOUNT, "123456789012"):
            answer = {"Body": json.dumps([{"generated_text": ANSWER}]), "ContentType": "application/json"}
            response = requests.post(
                "http://motoapi.amazonaws.com/moto-api/static/sagemaker/endpoint-results",
                json={"account_id": account, "region": "us-east-1", "results": [answer] * 5},
                timeout=5,
            )
            assert response.status_code == 201
        yield


def cross_account_model(external_id: str | None = "ext-7f3a", duration: int = 3600) -> ModelConfig:
    return apply_override(
        load_catalogue()["tgi"],
        {"cross_account": {"role_arn": ROLE_ARN, "external_id": external_id, "session_duration_s": duration}},
    )


def assumed_roles() -> list[Any]:
    return list(sts_backends[ROLE_ACCOUNT]["aws"].assumed_roles)


def signing_key(client: Any) -> str:
    return str(client._request_signer._credentials.get_frozen_credentials().access_key)


@pytest.mark.usefixtures("aws")
def test_1000_invokes_by_one_caller_through_one_role_make_exactly_one_assume_role() -> None:
    # Given one role, one caller and a factory on a session whose AssumeRole requests are counted
    session = base_session()
    counter = AssumeRoleCounter(session)
    factory = ClientFactory(session=session)
    model = cross_account_model()
    conversation = Conversation.from_prompt("What is the capital of France?")

    # When the caller invokes the model 1,000 times
    outputs = {invoke(model, conversation, clients=factory, caller="alice").output for _ in range(1000)}

    # Then every call was answered, and exactly one AssumeRole went out, with the external id and caller
    assert outputs == {ANSWER}
    assert len(counter.params) == 1
    assert factory.assume_role_calls == 1
    assert counter.params[0] == {
        "RoleArn": ROLE_ARN,
        "RoleSessionName": "ie-alice",
        "DurationSeconds": 3600,
        "ExternalId": "ext-7f3a",
    }
    (role,) = assumed_roles()
    assert (role.role_arn, role.session_name, role.external_id) == (ROLE_ARN, "ie-alice", "ext-7f3a")
    # and the model calls were signed with the assumed role's key, not the base identity's
    client = factory.client("sagemaker-runtime", "us-east-1", cross_account=model.cross_account, caller="alice")
    assert signing_key(client) == role.access_key_id != BASE_KEY


@pytest.mark.usefixtures("aws")
def test_each_caller_gets_its_own_session_name_and_assume_role() -> None:
    session = base_session()
    counter = AssumeRoleCounter(session)
    factory = ClientFactory(session=session)
    model = cross_account_model()
    conversation = Conversation.from_prompt("Hi")

    for caller in ("alice", "bob", "alice", "bob", "dana smith/ops+1@example.com", "x" * 100):
        for _ in range(3):
            invoke(model, conversation, clients=factory, caller=caller)

    names = [params["RoleSessionName"] for params in counter.params]
    assert names == ["ie-alice", "ie-bob", "ie-dana-smith-ops+1@example.com", "ie-" + "x" * 61]
    assert sorted(role.session_name for role in assumed_roles()) == sorted(names)
    assert all(len(name) <= 64 for name in names)


@pytest.mark.usefixtures("aws")
def test_no_external_id_is_sent_when_the_config_has_none() -> None:
    session = base_session()
    counter = AssumeRoleCounter(session)

    invoke(
        cross_account_model(external_id=None), Conversation.from_prompt("Hi"), clients=ClientFactory(session=session)
    )

    assert "ExternalId" not in counter.params[0]
    assert assumed_roles()[0].external_id is None


class Clock:
    """One clock for the factory's credential refresh and moto's STS (which stamps Expiration)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def aware(self) -> datetime:
        return self.now

    def naive(self) -> datetime:
        return self.now.replace(tzinfo=None)


@pytest.mark.usefixtures("aws")
def test_an_expired_credential_is_refreshed_with_a_new_assume_role(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr("moto.sts.models.utcnow", clock.naive)
    session = base_session()
    counter = AssumeRoleCounter(session)
    factory = ClientFactory(session=session, time_fetcher=clock.aware)
    model = cross_account_model(duration=900)
    conversation = Conversation.from_prompt("Hi")

    invoke(model, conversation, clients=factory, caller="alice")
    clock.now += timedelta(minutes=5)  # well inside the 15-minute session
    invoke(model, conversation, clients=factory, caller="alice")
    assert len(counter.params) == 1

    clock.now += timedelta(minutes=20)  # past expiry
    result = invoke(model, conversation, clients=factory, caller="alice")

    assert result.output == ANSWER
    assert len(counter.params) == 2
    assert factory.assume_role_calls == 2
    first, second = assumed_roles()
    client = factory.client("sagemaker-runtime", "us-east-1", cross_account=model.cross_account, caller="alice")
    assert signing_key(client) == second.access_key_id != first.access_key_id
    assert second.expiration > clock.naive()


@pytest.mark.usefixtures("aws")
def test_clients_are_cached_and_built_with_adaptive_retries_and_timeouts() -> None:
    factory = ClientFactory(session=base_session())
    model = cross_account_model()

    first = factory.client("sagemaker-runtime", "us-east-1", cross_account=model.cross_account, caller="alice")
    again = factory.client("sagemaker-runtime", "us-east-1", cross_account=model.cross_account, caller="alice")

    assert again is first
    assert first.meta.config.retries["mode"] == "adaptive"
    assert (first.meta.config.connect_timeout, first.meta.config.read_timeout) == (5.0, 60.0)
    assert factory.client("sts", "us-east-1").meta.config.retries["mode"] == "adaptive"
