"""STS refusing AssumeRole, and assumed-role credentials that expire and cannot be renewed, through the API.

moto's STS grants every AssumeRole, and the emulator only fails the runtime call, so an STS failure is made
where the engine meets STS: the real ``ClientFactory`` is built with a clock we control, and its own cached
STS client is wrapped in botocore's ``Stubber`` (it answers exactly what STS would, including the error
codes). Everything else is real: the Lambda handler and ``Services`` built by ``build_services``, DynamoDB
on a moto server, and real boto3 runtime clients signed with the assumed credentials and sent to the model
emulator over loopback. What is asserted is what a caller and an auditor see: 502 ``credentials_error``,
no call reaching the model, and the audit record.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from inference_engine.credentials import ClientFactory, ClientSettings
from lambdas.app import create_app
from lambdas.dal.audit_table import AuditTable
from lambdas.handler import handle
from lambdas.services import Services, Stores, build_services, dynamodb_stores
from lambdas.settings import EnvSettings
from local import aws_seed
from local.emulator import EmulatorServer
from local.inventory import load_inventory
from tests.events import admin_claims, rest_event, user_claims
from tests.fakes.api import FakeLambdaContext

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

XACCT_MODEL = "claude-3-5-haiku-xacct"  # a predefined Converse model reached through a cross-account role
TARGET = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
ROLE_ARN = "arn:aws:iam::222222222222:role/ModelStudioInvoke"
FIRST_KEY, SECOND_KEY = "ASIAFIRSTROLEKEY0001", "ASIASECONDROLEKEY002"
ADMIN = admin_claims()["cognito:username"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Api:
    services: Services
    stores: Stores
    clients: ClientFactory
    sts: Stubber
    clock: Clock
    emulator: EmulatorServer

    def invoke(self, body: dict[str, Any], *, admin: bool = False) -> tuple[int, dict[str, Any]]:
        claims = admin_claims() if admin else user_claims()
        event = rest_event("POST", "/invoke", claims=claims, body=body)
        response = handle(event, FakeLambdaContext(), create_app(self.services), self.services)
        return int(response["statusCode"]), json.loads(response["body"])

    def model_calls(self) -> list[dict[str, Any]]:
        return list(self.emulator.state.log.query(target=TARGET)["requests"])

    def audit(self) -> list[dict[str, Any]]:
        page = self.stores.audit.recent(limit=50, next_token=None, now=self.services.now())
        return [record.as_dict() for record in page.records]


def assume_role_response(clock: Clock, *, key: str, lifetime: timedelta) -> dict[str, Any]:
    return {
        "Credentials": {
            "AccessKeyId": key,
            "SecretAccessKey": "secret-" + key,
            "SessionToken": "token-" + key,
            "Expiration": clock.now + lifetime,
        },
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:ie-user", "Arn": ROLE_ARN.replace(":iam:", ":sts:")},
    }


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        aws_seed.seed_tables(f"http://{host}:{port}")
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def api(moto_url: str, emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"):
        monkeypatch.delenv(name, raising=False)
    emulator.state.reset()
    clock = Clock()
    clients = ClientFactory(
        session=boto3.Session(
            aws_access_key_id="AKIAFUNCTION", aws_secret_access_key="function", region_name="us-east-1"
        ),
        settings=ClientSettings(max_attempts=0, read_timeout_s=10),
        endpoint_urls={"dynamodb": moto_url, "sagemaker-runtime": emulator.url, "bedrock-runtime": emulator.url},
        time_fetcher=clock,
    )
    env = EnvSettings.from_environ(
        {
            "RUNTIME_SETTINGS_FILE": "unused.json",
            "MODELS_TABLE_NAME": aws_seed.MODELS_TABLE,
            "MODEL_VERSIONS_TABLE_NAME": aws_seed.MODEL_VERSIONS_TABLE,
            "AUDIT_TABLE_NAME": aws_seed.AUDIT_TABLE,
            "AWS_REGION": "us-east-1",
        }
    )
    stores = dynamodb_stores(env, clients)
    services = build_services(env, clients=clients, stores=stores, runtime=load_inventory(), clock=clock)
    with Stubber(clients.client("sts", "us-east-1")) as sts:  # the factory's own cached STS client
        yield Api(services, stores, clients, sts, clock, emulator)


def test_sts_access_denied_is_a_credentials_error_and_no_call_reaches_the_model(api: Api) -> None:
    # Given STS refuses the role (its trust policy does not name this function's role, say)
    message = (
        f"User: arn:aws:sts::123456789012:assumed-role/fn/x is not authorized to perform: sts:AssumeRole on {ROLE_ARN}"
    )
    api.sts.add_client_error(
        "assume_role", service_error_code="AccessDenied", service_message=message, http_status_code=403
    )
    override = {"name": f"xacct {uuid.uuid4().hex}"}
    # When an admin invokes the cross-account model (with an override, so the call is audited)
    status, body = api.invoke({"model_id": XACCT_MODEL, "prompt": "hi", "override": override}, admin=True)
    # Then the API answers 502 credentials_error naming the role, never the function's keys
    assert (status, body["error"]) == (502, "credentials_error")
    assert ROLE_ARN in body["message"] and "AccessDenied" in body["message"]
    assert "AKIAFUNCTION" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    # And the model was never called, and STS was asked exactly once (no retry storm on a refusal)
    assert api.model_calls() == []
    api.sts.assert_no_pending_responses()
    # And the audit record says who tried which role, and how it ended
    (record,) = [r for r in api.audit() if r["patch"] == override]
    assert (record["outcome"], record["error"], record["role_arn"], record["actor"]) == (
        "error",
        "credentials_error",
        ROLE_ARN,
        ADMIN,
    )


def test_expired_role_credentials_that_cannot_be_renewed_are_a_credentials_error(api: Api) -> None:
    # Given a first call that assumed the role for an hour
    api.sts.add_response("assume_role", assume_role_response(api.clock, key=FIRST_KEY, lifetime=timedelta(hours=1)))
    status, body = api.invoke({"model_id": XACCT_MODEL, "prompt": "hi"})
    assert status == 200, body
    assert [call["access_key_id"] for call in api.model_calls()] == [FIRST_KEY]
    # When the credentials have expired and STS now refuses to renew them (the role's session was revoked)
    api.clock.now += timedelta(minutes=61)
    api.sts.add_client_error("assume_role", service_error_code="ExpiredTokenException", http_status_code=400)
    override = {"name": f"expired {uuid.uuid4().hex}"}
    status, body = api.invoke({"model_id": XACCT_MODEL, "prompt": "hi", "override": override}, admin=True)
    # Then the caller gets 502 credentials_error, the expired key is never used again, and it is audited
    assert (status, body["error"]) == (502, "credentials_error"), body
    assert "ExpiredTokenException" in body["message"]
    assert [call["access_key_id"] for call in api.model_calls()] == [FIRST_KEY]
    api.sts.assert_no_pending_responses()
    (record,) = [r for r in api.audit() if r["patch"] == override]
    assert (record["outcome"], record["error"]) == ("error", "credentials_error")


def test_after_a_refusal_the_next_call_assumes_the_role_again_and_succeeds(api: Api) -> None:
    # Given STS refused once (a transient IAM propagation delay, say)
    api.sts.add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403)
    assert api.invoke({"model_id": XACCT_MODEL, "prompt": "hi"})[0] == 502
    # When STS grants the role on the next call
    api.sts.add_response("assume_role", assume_role_response(api.clock, key=SECOND_KEY, lifetime=timedelta(hours=1)))
    status, body = api.invoke({"model_id": XACCT_MODEL, "prompt": "hi"})
    # Then the refusal was not cached: the call goes through with the new credentials
    assert status == 200, body
    assert [call["access_key_id"] for call in api.model_calls()] == [SECOND_KEY]


def test_the_audit_table_in_use_is_the_one_the_api_reads(api: Api) -> None:
    # (guards the fixture: the records asserted above come from the same DynamoDB table the API writes)
    assert isinstance(api.stores.audit, AuditTable)
    api.sts.add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403)
    override = {"name": f"probe {uuid.uuid4().hex}"}
    api.invoke({"model_id": XACCT_MODEL, "prompt": "hi", "override": override}, admin=True)
    assert any(r["patch"] == override for r in api.audit())
