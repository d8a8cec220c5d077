"""Inference function: the one Lambda behind the API (Python, Powertools, code + inventory, dependency layer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.log_retention import log_retention
from infra.package import RUNTIME_SETTINGS_FILE, STAMP_FILE, LambdaAssets
from infra.permissions import Grant
from infra.stage_config import FunctionSettings

HANDLER = "lambdas.handler.handler"
LIVE_ALIAS = "live"
SERVICE_NAME = "model-studio"
METRICS_NAMESPACE = "ModelStudio"

_RUNTIMES = {
    "3.12": lambda_.Runtime.PYTHON_3_12,
    "3.13": lambda_.Runtime.PYTHON_3_13,
    "3.14": lambda_.Runtime.PYTHON_3_14,
}
LATEST_PYTHON = lambda_.Runtime.PYTHON_3_14
_ARCHITECTURES = {"arm64": lambda_.Architecture.ARM_64, "x86_64": lambda_.Architecture.X86_64}


class InferenceFunction(Construct):
    """The function's role starts empty: it can write its own log group and traces, and what ``allow`` adds."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        role_name: str,
        settings: FunctionSettings,
        assets: LambdaAssets,
        environment: Mapping[str, str],
        log_retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.runtime = _RUNTIMES[settings.python_version]
        architecture = _ARCHITECTURES[settings.architecture]
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=log_retention(log_retention_days), removal_policy=removal_policy
        )
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,  # stable, so cross-account trust policies can name it
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"model-studio {stage} inference function (least privilege, no managed policies)",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteOwnLogGroup",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.dependencies = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=lambda_.Code.from_asset(str(assets.layer_dir), exclude=[STAMP_FILE]),
            compatible_runtimes=[self.runtime],
            compatible_architectures=[architecture],
            description="model-studio runtime dependencies (manylinux wheels)",
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=f"model-studio {stage} API",
            runtime=self.runtime,
            architecture=architecture,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(assets.code_dir)),
            layers=[self.dependencies],
            memory_size=settings.memory_mb,
            timeout=Duration.seconds(settings.timeout_s),
            reserved_concurrent_executions=settings.reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if settings.snap_start else None,
            role=self.role,
            log_group=self.log_group,
            environment={
                "RUNTIME_SETTINGS_FILE": RUNTIME_SETTINGS_FILE,
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": settings.log_level,
                "ENGINE_READ_TIMEOUT_S": f"{settings.engine_read_timeout_s:g}",
                **environment,
            },
        )
        # What the API invokes: with SnapStart, a published version (SnapStart only applies to versions), behind an
        # alias so each deploy moves it; without, the function itself ($LATEST).
        self.entry: lambda_.IFunction = (
            lambda_.Alias(self, "Live", alias_name=LIVE_ALIAS, version=self.function.current_version)
            if settings.snap_start
            else self.function
        )

    def allow(self, grants: Sequence[Grant]) -> None:
        """Add one statement per grant, its ARN templates filled with this stack's partition and account."""
        for grant in grants:
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid=grant.sid,
                    actions=list(grant.actions),
                    resources=grant.render(partition=Aws.PARTITION, account=Aws.ACCOUNT_ID),
                    conditions=dict(grant.conditions) if grant.conditions else None,
                )
            )
