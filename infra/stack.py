"""The stage's stack: composes one construct per capability and grants between them (nothing else)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from constructs import Construct

from infra.api import Api
from infra.data import Data
from infra.identity import Identity
from infra.inference_function import InferenceFunction
from infra.monitoring import Monitoring
from infra.package import LambdaAssets
from infra.permissions import inference_grants
from infra.stage_config import StageConfig
from infra.web import Web, WebContent
from lambdas.settings import function_environment

# Exactly the calls lambdas/dal makes: models are read, listed, written with a condition (in one transaction with
# their new version) and deleted with one; versions are put (never replaced: a condition), read and listed.
MODELS_TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
VERSIONS_TABLE_ACTIONS = ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query")
# Audit records are put (the intent, then the same item again with its outcome) and queried by month; the app
# never deletes one (TTL expires them).
AUDIT_TABLE_ACTIONS = ("dynamodb:PutItem", "dynamodb:Query")


def inference_role_name(stage: str, region: str) -> str:
    """The function role's fixed name: cross-account roles trust ``arn:aws:iam::<account>:role/<this>``."""
    return f"model-studio-{stage}-inference-{region}"


class ModelStudioStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        lambda_assets: LambdaAssets,
        web_assets_dir: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        stage = config.stage
        removal_policy = RemovalPolicy.RETAIN if config.data.retain_on_delete else RemovalPolicy.DESTROY

        self.identity = Identity(
            self,
            "Identity",
            stage=stage,
            admin_group=config.policy.admin_group,
            settings=config.identity,
            removal_policy=removal_policy,
        )
        self.data = Data(self, "Data", removal_policy=removal_policy)
        self.web = Web(self, "Web", stage=stage, region=config.region, log_retention_days=config.log_retention_days)
        cors_origins = [self.web.origin, *config.api.extra_cors_origins]

        self.inference = InferenceFunction(
            self,
            "Inference",
            stage=stage,
            role_name=inference_role_name(stage, config.region),
            settings=config.function,
            stream=config.stream,
            assets=lambda_assets,
            environment=self._function_environment(),
            log_retention_days=config.log_retention_days,
            removal_policy=removal_policy,
        )
        self.data.models_table.grant(self.inference.role, *MODELS_TABLE_ACTIONS)
        self.data.model_versions_table.grant(self.inference.role, *VERSIONS_TABLE_ACTIONS)
        self.data.audit_table.grant(self.inference.role, *AUDIT_TABLE_ACTIONS)
        self.inference.allow(inference_grants(config))

        self.api = Api(
            self,
            "Api",
            stage=stage,
            handler=self.inference.entry,
            stream_handler=self.inference.stream_function,
            stream_timeout_s=config.stream.timeout_s,
            user_pool=self.identity.user_pool,
            cors_origins=cors_origins,
            settings=config.api,
            log_retention_days=config.log_retention_days,
            removal_policy=removal_policy,
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            stage=stage,
            region=config.region,
            settings=config.monitoring,
            functions={"buffered": self.inference.function, "streaming": self.inference.stream_function},
            api_stage=self.api.rest_api.deployment_stage,
            invoke_method=self.api.methods[("POST", "/invoke")],
            tables={
                "models": self.data.models_table,
                "versions": self.data.model_versions_table,
                "audit": self.data.audit_table,
            },
            removal_policy=removal_policy,
        )
        self.web_content = WebContent(
            self,
            "WebContent",
            web=self.web,
            assets_dir=web_assets_dir,
            runtime_config={
                "region": config.region,
                "userPoolId": self.identity.user_pool.user_pool_id,
                "userPoolClientId": self.identity.client.user_pool_client_id,
                "apiUrl": self.api.url,
                "stage": stage,
                "authFlowType": "USER_SRP_AUTH",
            },
        )

        for name, value in {
            "WebUrl": self.web.url,
            "ApiUrl": self.api.url,
            "UserPoolId": self.identity.user_pool.user_pool_id,
            "UserPoolClientId": self.identity.client.user_pool_client_id,
            "AdminGroup": config.policy.admin_group,
            "ModelsTableName": self.data.models_table.table_name,
            "ModelVersionsTableName": self.data.model_versions_table.table_name,
            "AuditTableName": self.data.audit_table.table_name,
            "FunctionName": self.inference.function.function_name,
            "StreamFunctionName": self.inference.stream_function.function_name,
            "InferenceRoleArn": self.inference.role.role_arn,
            "DashboardName": self.monitoring.dashboard.dashboard_name,
            "DashboardUrl": self.monitoring.dashboard_url,
        }.items():
            CfnOutput(self, name, value=value)
        if self.monitoring.topic is not None:
            CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)

    def _function_environment(self) -> dict[str, str]:
        """What the functions read besides the Powertools settings (``lambdas/settings.py``)."""
        return function_environment(
            models_table_name=self.data.models_table.table_name,
            model_versions_table_name=self.data.model_versions_table.table_name,
            audit_table_name=self.data.audit_table.table_name,
            audit_ttl_days=self.config.data.audit_ttl_days,
            cors_allow_origin=self.web.origin,
            cors_extra_origins=list(self.config.api.extra_cors_origins) or None,
        )
