"""Seeds moto with what the deployed stack would have: the user pool, its groups and users, the tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

REGION = "us-east-1"
MODELS_TABLE = "model-studio-local-models"
AUDIT_TABLE = "model-studio-local-audit"
MODEL_VERSIONS_TABLE = "model-studio-local-model-versions"
# The functions' table variables (CloudFormation Refs in the template) as the local tables answer them.
TABLE_VARIABLES = {
    "MODELS_TABLE_NAME": MODELS_TABLE,
    "MODEL_VERSIONS_TABLE_NAME": MODEL_VERSIONS_TABLE,
    "AUDIT_TABLE_NAME": AUDIT_TABLE,
}
ADMIN_GROUP = "Administrators"


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    email: str
    admin: bool


LOGINS = (
    Login("admin", "Admin-Passw0rd!", "admin@example.com", admin=True),
    Login("user", "User-Passw0rd!", "user@example.com", admin=False),
)


@dataclass(frozen=True)
class SeededPool:
    user_pool_id: str
    client_id: str


def client(service: str, endpoint_url: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto ignores credentials
    )


def seed_cognito(endpoint_url: str) -> SeededPool:
    idp = client("cognito-idp", endpoint_url)
    pool = idp.create_user_pool(
        PoolName="model-studio-local",
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
        AutoVerifiedAttributes=["email"],
    )["UserPool"]
    app_client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="model-studio-web",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    idp.create_group(GroupName=ADMIN_GROUP, UserPoolId=pool["Id"], Description="May override model configs")
    for login in LOGINS:
        idp.admin_create_user(
            UserPoolId=pool["Id"],
            Username=login.username,
            TemporaryPassword=login.password + "-tmp",
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": login.email}, {"Name": "email_verified", "Value": "true"}],
        )
        idp.admin_set_user_password(
            UserPoolId=pool["Id"], Username=login.username, Password=login.password, Permanent=True
        )
        if login.admin:
            idp.admin_add_user_to_group(UserPoolId=pool["Id"], Username=login.username, GroupName=ADMIN_GROUP)
    return SeededPool(user_pool_id=pool["Id"], client_id=app_client["ClientId"])


def create_tables(
    dynamodb: Any,
    *,
    models_table: str = MODELS_TABLE,
    audit_table: str = AUDIT_TABLE,
    versions_table: str = MODEL_VERSIONS_TABLE,
) -> None:
    """The deployed key schema (``infra/data.py``): models by ``id``; their versions by ``id``/``version``; audit by
    ``pk``/``sk``, TTL on ``expires_at``."""
    dynamodb.create_table(
        TableName=models_table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.create_table(
        TableName=versions_table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "version", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "version", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.create_table(
        TableName=audit_table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=audit_table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )


def seed_tables(endpoint_url: str) -> None:
    create_tables(client("dynamodb", endpoint_url))
